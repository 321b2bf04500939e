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
  const firstVisit = async (full: string, isLink: boolean): Promise<boolean> => {
    const real = await fs.promises.realpath(full).catch(() => undefined);
    if (real === undefined) return true; // a dangling link: reading it reports the problem
    const earlier = seen.get(real);
    if (earlier === undefined) {
      seen.set(real, full);
      return true;
    }
    if (isLink) {
      problems.push({ source: full, reason: `is a symbolic link to ${real}, already read as ${earlier} (a loop, or a second path to it); it is not read again` });
    }
    return false;
  };
  const walk = async (current: string): Promise<void> => {
    const entries = await fs.promises.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      const isLink = entry.isSymbolicLink();
      const isDirectory = entry.isDirectory() || (isLink && (await fs.promises.stat(full).catch(() => undefined))?.isDirectory());
      if (isDirectory) {
        if (await firstVisit(full, isLink)) await walk(full);
      } else if (CONFIG_FILE.test(entry.name) && (await firstVisit(full, isLink))) {
        files.push(full);
      }
    }
  };
  await firstVisit(dir, false);
  await walk(dir);
  return { files: files.sort(), problems };
}
