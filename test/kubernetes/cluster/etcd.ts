/** etcd for one cluster: a single member on loopback, data in the run directory, no fsync (test data only). */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ManagedProcess } from './managed-process';
import { waitUntil } from '../../../reconciler/test/support/wait';

export const ETCD_CLIENT_URL = 'http://127.0.0.1:2379';
const ETCD_PEER_URL = 'http://127.0.0.1:2380';

export async function startEtcd(binary: string, runDir: string): Promise<ManagedProcess> {
  const dataDir = path.join(runDir, 'etcd-data');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const etcd = ManagedProcess.start({
    command: binary,
    args: [
      '--name', 'test', '--data-dir', dataDir,
      '--listen-client-urls', ETCD_CLIENT_URL, '--advertise-client-urls', ETCD_CLIENT_URL,
      '--listen-peer-urls', ETCD_PEER_URL, '--initial-advertise-peer-urls', ETCD_PEER_URL,
      '--initial-cluster', `test=${ETCD_PEER_URL}`,
      '--unsafe-no-fsync', '--log-level', 'warn',
    ],
    logFile: path.join(runDir, 'etcd.log'),
  });
  await waitUntil('etcd /health', async () => {
    if (!etcd.running) throw new Error(`etcd exited (${JSON.stringify(etcd.status)}):\n${etcd.tail()}`);
    return (await healthBody().catch(() => '')).includes('"health":"true"');
  }, 30_000, 100);
  return etcd;
}

function healthBody(): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${ETCD_CLIENT_URL}/health`, { timeout: 1000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve(body));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}
