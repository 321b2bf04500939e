/**
 * The config files under a directory, recursively: `*.yaml`, `*.yml`, `*.json`, sorted; hidden
 * entries (a ConfigMap mount's `..data`) are skipped. Symbolic links are followed, each real
 * directory and file once: a link back up the tree (a loop) or a second path to a file already found
 * is reported once and not read again.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SourceProblem } from './source';

const CONFIG_FILE = /\.(ya?ml|json)$/i;

export interface ConfigFiles {
  readonly files: string[];
  readonly problems: SourceProblem[];
}

export async function listConfigFiles(dir: string): Promise<ConfigFiles> {
  const files: string[] = [];
  const problems: SourceProblem[] = [];
  const seen = new Map<string, string>();
  // Only links need resolving: an entry that is not one lives where its directory really is, so
  // the poll that lists the tree every few seconds costs one readdir per directory, not a realpath
  // (a syscall per path component) per file.
  const firstVisit = async (full: string, real: string | undefined, isLink: boolean): Promise<string | undefined> => {
    if (real === undefined) return full; // a dangling link: reading it reports the problem
    const earlier = seen.get(real);
    if (earlier === undefined) {
      seen.set(real, full);
      return real;
    }
    if (isLink) {
      problems.push({ source: full, reason: `is a symbolic link to ${real}, already read as ${earlier} (a loop, or a second path to it); it is not read again` });
    }
    return undefined;
  };
  const resolve = (full: string) => fs.promises.realpath(full).catch(() => undefined);
  const walk = async (current: string, realCurrent: string): Promise<void> => {
    const entries = await fs.promises.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      const isLink = entry.isSymbolicLink();
      if (!isLink && !entry.isDirectory() && !CONFIG_FILE.test(entry.name)) continue;
      const real = isLink ? await resolve(full) : path.join(realCurrent, entry.name);
      const isDirectory = entry.isDirectory() || (isLink && real !== undefined && (await fs.promises.stat(real).catch(() => undefined))?.isDirectory());
      if (isDirectory) {
        const visited = await firstVisit(full, real, isLink);
        if (visited !== undefined) await walk(full, visited);
      } else if (CONFIG_FILE.test(entry.name) && (await firstVisit(full, real, isLink)) !== undefined) {
        files.push(full);
      }
    }
  };
  const realDir = await resolve(dir);
  await firstVisit(dir, realDir, false);
  await walk(dir, realDir ?? dir);
  return { files: files.sort(), problems };
}
