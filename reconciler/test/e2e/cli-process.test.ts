/**
 * The built CLI as operators run it: a child process serving a directory, ready on /readyz,
 * saying where its CA lives, exiting 0 on SIGTERM; `--help` printing the usage with exit 0; and
 * bad flags refused with exit 2 and a message naming the flag.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { httpRequest } from '../support/http-request';
import { ChildReconciler, ensureBuiltCli, startReconcilerChild } from '../support/reconciler-harness';

describe('reconciler CLI process', () => {
  let dir: string;
  let child: ChildReconciler | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cli-'));
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: { name: a, namespace: shop }\n'
      + 'spec: { hosts: [a.example.com], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: DNS }\n');
  }, 120_000);

  afterAll(async () => {
    await child?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN a config directory WHEN the CLI runs THEN it logs where the CA is kept, becomes ready, exposes metrics and exits 0 on SIGTERM', async () => {
    child = await startReconcilerChild(dir);
    const metrics = await httpRequest({ host: '127.0.0.1', port: child.opsPort, path: '/metrics' });
    expect(metrics.body).toContain('reconciler_config_loads_total 1');
    const caLine = child.output().split('\n').find((line) => line.includes('"msg":"mesh CA loaded"'));
    expect(JSON.parse(caLine!)).toMatchObject({ caStore: `CA directory ${path.join(child.dataDir, 'ca')}` });
    expect(fs.readdirSync(path.join(child.dataDir, 'ca')).sort()).toEqual(['ca-cert.pem', 'ca-key.pem']);
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('"msg":"shutting down"');
  }, 120_000);

  test.each([[['--help']], [['-h']], [['--dir', '/x', '--help']]])('GIVEN %j WHEN the CLI starts THEN it prints the usage with flags and environment on stdout and exits 0', (args) => {
    const result = spawnSync(process.execPath, [ensureBuiltCli(), ...args], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^usage: cdk8s-mesh-reconciler /);
    for (const text of ['--data-dir <path>', 'POD_NAMESPACE', 'POD_IP', 'KUBECONFIG', 'exit status']) expect(result.stdout).toContain(text);
  }, 120_000);

  test.each([
    [['--source=directory'], '--source=directory needs --dir'],
    [['--source=etcd'], "--source is 'etcd'"],
    [['--dir', '/x'], '--source=directory needs --data-dir <path>'],
    [['--dir', '/x', '--data-dir', '/y', '--xds-port', 'http'], "--xds-port is 'http'"],
    [['--dir', '/x', '--data-dir', '/y', '--verbose'], "unknown flag '--verbose'; see --help"],
  ])('GIVEN flags %j WHEN the CLI starts THEN it exits 2 naming the problem', (args, message) => {
    const result = spawnSync(process.execPath, [ensureBuiltCli(), ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  }, 120_000);
});
