import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRunDirectory } from './run-directory';

describe('createRunDirectory', () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runs-'));
  afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  test('prunes the oldest runs beyond the eight kept, but never one touched within the hour (it may still be running)', () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    const old = Array.from({ length: 10 }, (_, index) => `20260101T00000${index}-old-1`);
    for (const run of old) {
      fs.mkdirSync(path.join(runsDir, run));
      fs.utimesSync(path.join(runsDir, run), twoHoursAgo, twoHoursAgo);
    }
    // The oldest by name, but still in use by the other jest process.
    const live = '20251231T235959-differential-2';
    fs.mkdirSync(path.join(runsDir, live));

    expect(path.dirname(createRunDirectory('rbac', runsDir))).toBe(runsDir);

    const left = fs.readdirSync(runsDir).sort();
    expect(left).toContain(live);
    // 11 runs before this one was created, 8 kept: of the 3 oldest, the live one stays and 2 old ones went.
    expect(left.filter((run) => run.endsWith('-old-1'))).toEqual(old.slice(2));
    expect(left.filter((run) => run.includes('-rbac-'))).toHaveLength(1);
  });
});
