/**
 * The built CLI fed what real repositories contain: many aliases of one anchor, an alias bomb, kinds
 * it does not serve, a file over the size limit and a large config. It stays up and answers, and
 * every file and object shows up as served, rejected or ignored.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { httpRequest } from '../support/http-request';
import { ChildReconciler, startReconcilerChild } from '../support/reconciler-harness';
import { waitUntil } from '../support/wait';

const routesSharingOneAnchor = (routes: number) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n${
  Array.from({ length: routes }, (_, index) => `  - name: r${index}\n    match: [{uri: {prefix: /p${index}}}]\n    route: [{destination: {host: reviews}}]\n    retries: ${index === 0 ? '&retry {attempts: 3, perTryTimeout: 2s}' : '*retry'}\n`).join('')}`;

const aliasBomb = () => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${
  ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, index) => `  ${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(97 + index)}`).join(',')}]\n`).join('')}`;

const OTHER_KINDS = 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: filter, namespace: shop}\nspec: {}\n---\n'
  + 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {}\n';

/** A synthesized app's bulk: Deployments (ignored as not mesh config), ~`megabytes` MB in one file. */
function largeWorkloadFile(megabytes: number): string {
  const deployment = (index: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-${index}, namespace: shop, labels: {app: web-${index}}}\n`
    + `spec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: web-${index}, version: v1}}\n    spec:\n      containers:\n      - name: app\n        image: example/web:1.0\n        env: [${Array.from({ length: 12 }, (_, env) => `{name: VAR_${env}, value: "value ${env} of ${index}"}`).join(', ')}]\n`;
  const documents: string[] = [];
  let size = 0;
  for (let index = 0; size < megabytes * 1024 * 1024; index += 1) {
    documents.push(deployment(index));
    size += documents[index].length + 4;
  }
  return documents.join('---\n');
}

describe('hostile and large input', () => {
  let dir: string;
  let child: ChildReconciler | undefined;
  const ops = async (request: string) => httpRequest({ host: '127.0.0.1', port: child!.opsPort, path: request, timeoutMs: 5000 });
  const json = async (request: string) => JSON.parse((await ops(request)).body);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-hostile-'));
    fs.writeFileSync(path.join(dir, 'routes.yaml'), routesSharingOneAnchor(150));
    fs.writeFileSync(path.join(dir, 'bomb.yaml'), aliasBomb());
    fs.writeFileSync(path.join(dir, 'other.yaml'), OTHER_KINDS);
  });

  afterAll(async () => {
    await child?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN 150 uses of one anchor and an alias bomb WHEN the CLI starts THEN it serves the first and reports the second as that file\'s problem', async () => {
    // Before: the yaml package's alias limit threw out of the push timer, and the process exited at every start.
    child = await startReconcilerChild(dir);
    const rejected = await json('/debug/rejected');
    expect(rejected.rejected).toEqual([expect.objectContaining({
      kind: 'File', origin: { source: path.join(dir, 'bomb.yaml') },
      reasons: [expect.stringMatching(/bomb\.yaml document 1 \(line 1\), line \d+, expands its aliases .*billion laughs.*; nothing from it is served$/)],
    })]);
    const ignored = await json('/debug/ignored');
    expect(ignored.notMeshConfig).toEqual({ 'apps/v1 Deployment': 1 });
    expect(ignored.ignored).toEqual([expect.objectContaining({ kind: 'EnvoyFilter', name: 'filter', category: 'unsupported-kind' })]);
    const metrics = (await ops('/metrics')).body;
    expect(metrics).toContain('reconciler_ignored_objects{category="unsupported-kind"} 1');
    expect(metrics).toContain('reconciler_ignored_objects{category="not-mesh-config"} 1');
    expect(metrics).toContain('reconciler_rejected_objects 1');
    expect(metrics).toContain('reconciler_served_objects 1');
  }, 120_000);

  test('GIVEN a running reconciler WHEN a 50 MB file and a large config arrive THEN /healthz answers throughout, the big file is refused and the rest applied', async () => {
    const loadsBefore = Number(/reconciler_config_loads_total (\d+)/.exec((await ops('/metrics')).body)![1]);
    fs.writeFileSync(path.join(dir, 'huge.yaml'), `# ${' '.repeat(50 * 1024 * 1024)}\n`);
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), largeWorkloadFile(6));
    const slowest: number[] = [];
    let applied = false;
    // Poll while the reload parses ~6 MB: every answer must come, each well within a second.
    while (!applied) {
      const started = Date.now();
      const health = await httpRequest({ host: '127.0.0.1', port: child!.opsPort, path: '/healthz', timeoutMs: 1000 });
      expect(health.status).toBe(200);
      slowest.push(Date.now() - started);
      const loads = Number(/reconciler_config_loads_total (\d+)/.exec((await ops('/metrics')).body)![1]);
      applied = loads > loadsBefore && (await json('/debug/ignored')).notMeshConfig['apps/v1 Deployment'] > 1;
      if (!applied) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(slowest.length).toBeGreaterThan(1);
    const rejected = await json('/debug/rejected');
    expect(rejected.rejected).toEqual(expect.arrayContaining([expect.objectContaining({
      kind: 'File', origin: { source: path.join(dir, 'huge.yaml') },
      reasons: [expect.stringMatching(/huge\.yaml is 50 MiB; a config file may be at most 16 MiB; split it into several files; nothing from it is served$/)],
    })]));
    expect(child!.exited).toEqual(expect.any(Promise));
    expect(child!.child.exitCode).toBeNull();
  }, 300_000);
});
