/**
 * The built CLI as operators run it: a child process serving a directory, ready on /readyz,
 * exiting 0 on SIGTERM; and refusing bad flags with a message naming the flag.
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

  test('GIVEN a config directory WHEN the CLI runs THEN it becomes ready, exposes metrics and exits 0 on SIGTERM', async () => {
    child = await startReconcilerChild(dir);
    const metrics = await httpRequest({ host: '127.0.0.1', port: child.opsPort, path: '/metrics' });
    expect(metrics.body).toContain('reconciler_config_loads_total 1');
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('"msg":"shutting down"');
  }, 120_000);

  test.each([
    [['--source=directory'], '--source=directory needs --dir'],
    [['--source=etcd'], "--source is 'etcd'"],
    [['--dir', '/x', '--xds-port', 'http'], "--xds-port is 'http'"],
  ])('GIVEN flags %j WHEN the CLI starts THEN it exits 2 naming the problem', (args, message) => {
    const result = spawnSync(process.execPath, [ensureBuiltCli(), ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  }, 120_000);
});
