/**
 * Names the suite's resolver knows: a hosts file bind-mounted over /etc/hosts inside the suite's
 * own mount namespace (the `test:kubernetes` task runs jest under `unshare --mount-proc`, whose
 * mounts are private), so Envoy's resolver finds them without a name server and nothing outside
 * the namespace sees the change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runChecked } from './command';
import { requireTestNamespace } from './test-network';

const HOSTS_FILE = '/etc/hosts';

/** Whether `/` is a private mount here: a mount namespace of our own, not the machine's shared root. */
function rootMountIsPrivate(): boolean {
  const root = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === '/');
  return root !== undefined && !/ shared:\d+/.test(root);
}

/**
 * Adds `entries` (name → addresses) to what the resolver reads, keeping the machine's own entries.
 * `dir` holds the file while it is mounted. Call the returned function before `dir` goes: the
 * mount outlives the test file (jest runs every file in this namespace), and a mount of a deleted
 * file would break every later bind over /etc/hosts (the node agent's pods).
 */
export async function addHostNames(entries: Readonly<Record<string, readonly string[]>>, dir: string): Promise<() => Promise<void>> {
  await requireTestNamespace();
  if (!rootMountIsPrivate()) {
    throw new Error('the root mount is shared with the machine: run the suite through `npx projen test:kubernetes` (unshare --mount-proc), so /etc/hosts is changed only inside its namespace');
  }
  const lines = Object.entries(entries).flatMap(([name, addresses]) => addresses.map((address) => `${address} ${name}`));
  const file = path.join(dir, 'hosts');
  fs.writeFileSync(file, `${fs.readFileSync(HOSTS_FILE, 'utf8').trimEnd()}\n${lines.join('\n')}\n`);
  await runChecked('mount', ['--bind', file, HOSTS_FILE]);
  return async () => {
    await runChecked('umount', [HOSTS_FILE]);
  };
}
