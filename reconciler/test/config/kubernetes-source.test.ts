import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { WatchedResource } from '../../src/config/kubernetes-source';
import type { ConfigUpdate } from '../../src/config/source';
import { FakeKubeApi } from './fake-kube-api';
import { STARTUP_DEADLINE_MS } from '../support/wait';

// The source runs in a child Node process that loads the Kubernetes client first: seconds on a loaded machine.
jest.setTimeout(2 * STARTUP_DEADLINE_MS);

const SERVICES = '/api/v1/services';
const PODS = '/api/v1/pods';
const VIRTUAL_SERVICES = '/apis/networking.istio.io/v1/virtualservices';
const RESOURCES: WatchedResource[] = [
  { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService' },
];

function virtualService(name: string, host: string) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'bookinfo', managedFields: [{ manager: 'kubectl' }] },
    spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] },
  };
}

/** The compiled source in its own Node process, its updates collected as they arrive. */
class SourceProcess {
  readonly updates: ConfigUpdate[] = [];
  /** What `onPods` received with each update, as `namespace/name` lists. */
  readonly podLists: string[][] = [];
  /** Failures reported through onWatchError, each with the source status at that moment. */
  readonly failures: { watchError: any; sourceStatus: any }[] = [];
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(server: string) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'run-kubernetes-source.js')], {
      env: { ...process.env, FAKE_API_SERVER: server, WATCHED_RESOURCES: JSON.stringify(RESOURCES) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const message = JSON.parse(line);
        if (message.pods) this.podLists.push(message.pods);
        else if (message.watchError) this.failures.push(message);
        else this.updates.push(message);
      }
    });
    this.child.stderr!.on('data', (chunk) => { this.stderr += chunk; });
  }

  /** Resolves with the first update that satisfies `predicate`. */
  next(predicate: (u: ConfigUpdate) => boolean): Promise<ConfigUpdate> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + STARTUP_DEADLINE_MS;
      const poll = () => {
        const found = this.updates.find(predicate);
        if (found) return resolve(found);
        if (Date.now() > deadline) return reject(new Error(`no matching update among ${this.updates.length}; stderr: ${this.stderr}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    setTimeout(() => this.child.kill('SIGKILL'), 3000).unref();
    await exited;
  }
}

const sources = (u: ConfigUpdate) => u.documents.map((d) => d.source);

describe('KubernetesSource', () => {
  let api: FakeKubeApi;
  let source: SourceProcess;

  beforeEach(async () => {
    api = new FakeKubeApi([SERVICES, PODS, VIRTUAL_SERVICES]);
    api.apply(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: { ports: [{ port: 9080 }] } });
    api.apply(VIRTUAL_SERVICES, virtualService('reviews', 'reviews'));
  });
  const startSource = async () => { source = new SourceProcess(await api.listen()); };

  afterEach(async () => {
    await source.stop();
    await api.close();
  });

  test('GIVEN objects in the cluster WHEN started THEN the first update lists them all, server fields dropped', async () => {
    await startSource();
    const first = await source.next(() => true);
    expect(first.reason).toBe('config:initial-load');
    expect(sources(first)).toEqual(['kubernetes:Service/bookinfo/reviews', 'kubernetes:VirtualService/bookinfo/reviews']);
    // onPods is reported on its own line right after the update; it may arrive in a later chunk.
    await waitFor(() => source.podLists.length > 0);
    expect(source.podLists[0]).toEqual([]);
    const vs = JSON.parse(first.documents[1].text);
    expect(vs.spec.hosts).toEqual(['reviews']);
    expect(vs.metadata).toEqual({ name: 'reviews', namespace: 'bookinfo' });
  });

  test('GIVEN a running source WHEN an object is added, changed and deleted THEN each change yields the whole new set', async () => {
    await startSource();
    await source.next(() => true);

    api.apply(VIRTUAL_SERVICES, virtualService('ratings', 'ratings'));
    const added = await source.next((u) => sources(u).includes('kubernetes:VirtualService/bookinfo/ratings'));
    expect(added.reason).toBe('kubernetes:VirtualService-add');
    expect(added.documents).toHaveLength(3);

    api.apply(VIRTUAL_SERVICES, virtualService('ratings', 'ratings.bookinfo.svc.cluster.local'));
    const changed = await source.next((u) => u.documents.some((d) => d.text.includes('ratings.bookinfo.svc.cluster.local')));
    expect(changed.reason).toBe('kubernetes:VirtualService-update');

    api.remove(VIRTUAL_SERVICES, 'bookinfo', 'reviews');
    const deleted = await source.next((u) => u.reason === 'kubernetes:VirtualService-delete');
    expect(sources(deleted)).toEqual(['kubernetes:Service/bookinfo/reviews', 'kubernetes:VirtualService/bookinfo/ratings']);
  });

  test('GIVEN a pod appears WHEN the source updates THEN onPods receives every pod, for root certificate publishing', async () => {
    await startSource();
    await source.next(() => true);
    api.apply(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reviews-v1-abc', namespace: 'bookinfo' }, spec: { containers: [] } });
    await source.next((u) => sources(u).includes('kubernetes:Pod/bookinfo/reviews-v1-abc'));
    await waitFor(() => source.podLists.some((pods) => pods.includes('bookinfo/reviews-v1-abc')));
  });

  test('GIVEN pods listed and pods watched WHEN the source reads them THEN both keep only what the mesh reads of a pod', async () => {
    const pod = (name: string) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'bookinfo', labels: { app: 'reviews' }, managedFields: [{ manager: 'kubelet', fieldsV1: { 'f:status': {} } }] },
      spec: {
        serviceAccountName: 'reviews',
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
        containers: [{ name: 'reviews', image: 'reviews:1', env: [{ name: 'SECRET_LOOKING', value: 'x' }], ports: [{ name: 'http', containerPort: 9080 }] }],
      },
      status: { phase: 'Running', podIP: '10.0.0.7', hostIP: '192.168.1.1', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] },
    });
    const expected = (name: string) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'bookinfo', labels: { app: 'reviews' } },
      spec: { serviceAccountName: 'reviews', containers: [{ name: 'reviews', ports: [{ name: 'http', containerPort: 9080 }] }] },
      status: { phase: 'Running', podIP: '10.0.0.7', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    api.apply(PODS, pod('reviews-listed'));
    await startSource();
    const first = await source.next(() => true);
    const listed = first.documents.find((document) => document.source === 'kubernetes:Pod/bookinfo/reviews-listed')!;
    expect(JSON.parse(listed.text)).toEqual(expected('reviews-listed'));

    api.apply(PODS, pod('reviews-watched'));
    const update = await source.next((u) => sources(u).includes('kubernetes:Pod/bookinfo/reviews-watched'));
    const watched = update.documents.find((document) => document.source === 'kubernetes:Pod/bookinfo/reviews-watched')!;
    expect(JSON.parse(watched.text)).toEqual(expected('reviews-watched'));
  });
});

describe('KubernetesSource failures', () => {
  let api: FakeKubeApi;
  let source: SourceProcess;
  beforeEach(() => {
    api = new FakeKubeApi([SERVICES, PODS, VIRTUAL_SERVICES]);
    api.apply(VIRTUAL_SERVICES, virtualService('reviews', 'reviews'));
  });
  afterEach(async () => {
    await source.stop();
    await api.close();
  });

  test('GIVEN listing one kind is forbidden WHEN started THEN nothing is loaded, the refusal is reported with its fix, and the first update comes once it is allowed', async () => {
    api.refuse(VIRTUAL_SERVICES, 403);
    source = new SourceProcess(await api.listen());
    await waitFor(() => source.failures.length >= 3);
    expect(source.updates).toEqual([]);
    const { watchError, sourceStatus } = source.failures[source.failures.length - 1];
    expect(watchError).toMatchObject({ name: 'virtualservices.networking.istio.io', synced: false });
    expect(watchError.lastError).toContain('HTTP 403 Forbidden; the reconciler\'s ServiceAccount may not get/list/watch virtualservices.networking.istio.io: apply the ClusterRole');
    expect(sourceStatus.ready).toBe(false);

    api.allow(VIRTUAL_SERVICES);
    const first = await source.next(() => true);
    expect(first.reason).toBe('config:initial-load');
    expect(sources(first)).toEqual(['kubernetes:VirtualService/bookinfo/reviews']);
  });

  test('GIVEN a running source WHEN the API server refuses and then recovers THEN the failure is reported as stale-but-serving and later changes arrive again', async () => {
    source = new SourceProcess(await api.listen());
    await source.next(() => true);
    api.refuse(VIRTUAL_SERVICES, 503);
    await waitFor(() => source.failures.length >= 2);
    const { watchError, sourceStatus } = source.failures[source.failures.length - 1];
    expect(watchError).toMatchObject({ name: 'virtualservices.networking.istio.io', synced: true });
    expect(watchError.lastError).toContain('HTTP 503');
    expect(sourceStatus.ready).toBe(true);

    api.allow(VIRTUAL_SERVICES);
    api.apply(VIRTUAL_SERVICES, virtualService('ratings', 'ratings'));
    const recovered = await source.next((u) => sources(u).includes('kubernetes:VirtualService/bookinfo/ratings'));
    expect(recovered.documents).toHaveLength(2);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${STARTUP_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
