import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AtomicVolumeWriter } from './atomic-volume-writer';

describe('atomic volume writes', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'volume-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (text: string, mode = 0o644) => ({ content: Buffer.from(text), mode });

  test('GIVEN a volume WHEN its content changes THEN ..data points at a new payload, entries follow it and removed keys disappear', () => {
    const writer = new AtomicVolumeWriter(path.join(dir, 'v'));
    expect(writer.write(new Map([['a', file('1')], ['nested/b', file('2', 0o600)]]))).toBe(true);
    const first = fs.readlinkSync(path.join(dir, 'v', '..data'));
    expect(fs.readFileSync(path.join(dir, 'v', 'nested/b'), 'utf8')).toBe('2');
    expect(fs.statSync(path.join(dir, 'v', 'nested/b')).mode % 0o1000).toBe(0o600);

    expect(writer.write(new Map([['a', file('3')]]))).toBe(true);
    expect(fs.readlinkSync(path.join(dir, 'v', '..data'))).not.toBe(first);
    expect(fs.readFileSync(path.join(dir, 'v', 'a'), 'utf8')).toBe('3');
    expect(fs.readdirSync(path.join(dir, 'v')).filter((entry) => !entry.startsWith('..'))).toEqual(['a']);
    expect(fs.existsSync(path.join(dir, 'v', first))).toBe(false);
  });

  test('GIVEN unchanged content WHEN written again THEN nothing is rewritten', () => {
    const writer = new AtomicVolumeWriter(path.join(dir, 'v'));
    writer.write(new Map([['a', file('1')]]));
    const link = fs.readlinkSync(path.join(dir, 'v', '..data'));
    expect(writer.write(new Map([['a', file('1')]]))).toBe(false);
    expect(fs.readlinkSync(path.join(dir, 'v', '..data'))).toBe(link);
  });
});
