/**
 * The reconciler's state files in its data directory: read when present, replaced atomically (a
 * temporary file renamed over the old one), so a crash mid-write leaves the previous version.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The parsed content of `file`, or undefined when there is no such file. */
export async function readJsonStateFile(file: string): Promise<unknown> {
  const text = await fs.promises.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : JSON.parse(text) as unknown;
}

export interface StateFileWriteOptions {
  /** Flush to disk before the rename, for state whose loss would repeat an action. */
  readonly durable?: boolean;
}

/** Replaces `file` with `value` as indented JSON, readable by the reconciler's user only. */
export async function writeJsonStateFile(file: string, value: unknown, options: StateFileWriteOptions = {}): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await fs.promises.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    if (options.durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, file);
}
