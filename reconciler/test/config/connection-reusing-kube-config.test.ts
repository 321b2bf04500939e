import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

/**
 * Against a TLS server standing in for the API server, counting TLS connections: the library's
 * KubeConfig opens one per request, the connection-reusing one keeps one alive per credentials.
 * The client runs in a child process (read-leases.js) on the compiled reconciler.
 */
describe('ConnectionReusingKubeConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-connections-'));
  const cert = path.join(dir, 'cert.pem');
  const bundle = path.join(dir, 'bundle.pem');
  let server: https.Server;
  let connections = 0;
  let apiServer: string;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', cert], { stdio: 'ignore' });
    fs.writeFileSync(bundle, `${fs.readFileSync(cert, 'utf8')}\n${fs.readFileSync(cert, 'utf8')}`);
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(cert) }, (request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'mesh-rollout-leader', namespace: 'mesh-system' } }));
    });
    server.on('secureConnection', () => { connections += 1; });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiServer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the reads; resolves with the TLS connections they opened and the agents the KubeConfig made. */
  async function readLeases(kubeConfig: 'library' | 'reusing', caFiles: string[], calls: number): Promise<{ connections: number; agents: number | null }> {
    const before = connections;
    const stdout = await new Promise<string>((resolve, reject) => execFile(process.execPath, [path.join(__dirname, 'read-leases.js')], {
      env: { ...process.env, KUBE_CONFIG: kubeConfig, API_SERVER: apiServer, CA_FILES: caFiles.join(','), CALLS: String(calls) },
    }, (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out))));
    return { connections: connections - before, agents: (JSON.parse(stdout) as { agents: number | null }).agents };
  }

  test('GIVEN the library\'s own KubeConfig WHEN it reads a Lease five times THEN it opens a TLS connection for every call', async () => {
    expect((await readLeases('library', [cert], 5)).connections).toBe(5);
  });

  test('GIVEN the connection-reusing KubeConfig WHEN it reads a Lease five times THEN one kept-alive TLS connection serves them all', async () => {
    expect(await readLeases('reusing', [cert], 5)).toEqual({ connections: 1, agents: 1 });
  });

  test('GIVEN other credentials loaded later (another CA bundle) WHEN it reads THEN a new agent serves them, not the old identity\'s', async () => {
    expect(await readLeases('reusing', [cert, bundle], 2)).toEqual({ connections: 2, agents: 2 });
  });
});
