import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { declared } from './rollout-fixtures';
import { rolloutFor } from '../../src/rollout/rollout-machine';
import { FileRolloutStateStore } from '../../src/rollout/rollout-state-store';

describe('rollout state in the data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN saved records WHEN a new store reads the file THEN they come back as saved, and the file is private', async () => {
    const file = path.join(dir, 'state', 'rollouts.json');
    const record = rolloutFor(undefined, declared(), Date.parse('2026-01-01T00:00:00Z'));
    await new FileRolloutStateStore(file).save([record]);
    expect(await new FileRolloutStateStore(file).load()).toEqual([record]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['rollouts.json']);
  });

  test('GIVEN no file WHEN loaded THEN there are no records', async () => {
    expect(await new FileRolloutStateStore(path.join(dir, 'rollouts.json')).load()).toEqual([]);
  });

  test.each([
    ['not rollout state', '{"rollouts": {}}', 'does not hold rollout state of format 1; delete it and every declared rollout starts again at step 1'],
    ['an entry that is no record', '{"version": 1, "rollouts": [{"key": "default/reviews/x"}]}', 'rollouts[0] is not a rollout record; delete it'],
  ])('GIVEN a file holding %s WHEN loaded THEN the error names the file and the fix', async (_, text, message) => {
    const file = path.join(dir, 'rollouts.json');
    fs.writeFileSync(file, text);
    await expect(new FileRolloutStateStore(file).load()).rejects.toThrow(`file ${file}`);
    await expect(new FileRolloutStateStore(file).load()).rejects.toThrow(message);
  });

  test('GIVEN a saved step beyond the plan (an edited file) WHEN the plan is declared THEN the rollout starts over at step 1', () => {
    const record = { ...rolloutFor(undefined, declared(), 0), step: 9, weight: 77 };
    expect(rolloutFor(record, declared(), 1000)).toMatchObject({ step: 0, weight: 10 });
  });
});
