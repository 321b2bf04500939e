import { ingestDocuments } from '../../src/config/ingest';
import { gatewayCredentialRefs } from '../../src/config/gateway-credential-refs';
import { ConfigMapLastAcceptedStore } from '../../src/config/kubernetes-last-accepted-store';
import { EventApi, InvolvedObject, RejectionEventRecorder } from '../../src/config/rejection-events';
import type { RejectedObject } from '../../src/push/contract';

const rejection = (name: string, reason: string): RejectedObject => ({
  kind: 'VirtualService', namespace: 'bookinfo', name, origin: { source: `kubernetes:VirtualService/bookinfo/${name}` }, reasons: [reason],
});

/** The Event API of one cluster, shared by the "replicas" of a test: names are unique as in etcd. */
function fakeEvents() {
  const created = new Map<string, any>();
  const api: EventApi = {
    createNamespacedEvent: (async ({ body }: any) => {
      if (created.has(body.metadata.name)) throw Object.assign(new Error('already exists'), { code: 409 });
      created.set(body.metadata.name, body);
      return body;
    }) as any,
  };
  return { api, created };
}

const lookup = (entry: RejectedObject): InvolvedObject | undefined => (entry.name === 'gone' ? undefined
  : { apiVersion: 'networking.istio.io/v1', kind: entry.kind, namespace: entry.namespace!, name: entry.name!, uid: `uid-${entry.name}` });

describe('rejection Events', () => {
  test('GIVEN two replicas rejecting the same object WHEN both record THEN one Warning Event exists, on the object, with the reason', async () => {
    const { api, created } = fakeEvents();
    const one = new RejectionEventRecorder(api, { lookup, reportingInstance: 'reconciler-a' });
    const two = new RejectionEventRecorder(api, { lookup, reportingInstance: 'reconciler-b' });
    await one.record([rejection('reviews', 'subset v9 is not defined')]);
    await two.record([rejection('reviews', 'subset v9 is not defined')]);
    expect(created.size).toBe(1);
    const [event] = created.values();
    expect(event).toMatchObject({
      type: 'Warning', reason: 'Rejected', message: 'subset v9 is not defined', metadata: { namespace: 'bookinfo' },
      involvedObject: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', uid: 'uid-reviews' },
      source: { component: 'mesh-reconciler' }, reportingInstance: 'reconciler-a',
    });
  });

  test('GIVEN an unchanged rejection over many pushes WHEN recorded THEN the API is asked once; a new reason is a new Event', async () => {
    const { api, created } = fakeEvents();
    let calls = 0;
    const counting: EventApi = { createNamespacedEvent: ((request: any) => { calls += 1; return (api.createNamespacedEvent as any)(request); }) as any };
    const recorder = new RejectionEventRecorder(counting, { lookup, reportingInstance: 'a' });
    for (let push = 0; push < 5; push += 1) await recorder.record([rejection('reviews', 'weights sum to 95')]);
    expect(calls).toBe(1);
    await recorder.record([rejection('reviews', 'weights sum to 90')]);
    expect(created.size).toBe(2);
  });

  test('GIVEN a rejection of an object not in the API, and a message over 1 KiB WHEN recorded THEN the first is skipped and the second is cut with its length', async () => {
    const { api, created } = fakeEvents();
    await new RejectionEventRecorder(api, { lookup, reportingInstance: 'a' }).record([rejection('gone', 'x'), rejection('long', 'y'.repeat(5000))]);
    expect([...created.values()].map((event) => event.involvedObject.name)).toEqual(['long']);
    const [event] = created.values();
    expect(event.message.length).toBeLessThanOrEqual(1024);
    expect(event.message).toMatch(/… \(5000 characters; see \/debug\/rejected\)$/);
  });

  test('GIVEN the Event API refusing WHEN recorded THEN the error names the object and that /debug/rejected still has it', async () => {
    const errors: string[] = [];
    const api: EventApi = { createNamespacedEvent: (async () => { throw Object.assign(new Error('forbidden'), { code: 403, body: '{"message":"events is forbidden: User cannot create"}' }); }) as any };
    await new RejectionEventRecorder(api, { lookup, reportingInstance: 'a', onError: (_, error) => errors.push(error.message) }).record([rejection('reviews', 'bad')]);
    expect(errors).toEqual(['recording a Warning Event on VirtualService bookinfo/reviews failed: HTTP 403: events is forbidden: User cannot create; the rejection is still in /debug/rejected']);
  });
});

describe('gateway credential Secrets to watch', () => {
  const gateway = (namespace: string, selector: Record<string, string>, credentials: string[]) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace },
    spec: { selector, servers: [{ port: { number: 80 } }, ...credentials.map((credentialName) => ({ port: { number: 443 }, tls: { mode: 'SIMPLE', credentialName } }))] },
  });
  const pod = (namespace: string, labels: Record<string, string>) => ({ metadata: { name: 'p', namespace, labels } });

  test('GIVEN HTTPS servers WHEN the gateway pods run in another namespace THEN the Secrets are looked for there, as Istio does', () => {
    expect(gatewayCredentialRefs([gateway('shop', { istio: 'ingress' }, ['b-tls', 'a-tls'])], [pod('ingress', { istio: 'ingress' }), pod('shop', { app: 'x' })]))
      .toEqual([{ namespace: 'ingress', name: 'a-tls' }, { namespace: 'ingress', name: 'b-tls' }]);
  });

  test('GIVEN no gateway pod yet WHEN computed THEN the Gateway\'s own namespace is used; plain HTTP servers need nothing', () => {
    expect(gatewayCredentialRefs([gateway('shop', { istio: 'ingress' }, ['shop-tls']), gateway('web', {}, [])], [])).toEqual([{ namespace: 'shop', name: 'shop-tls' }]);
  });
});

describe('last accepted ConfigMap', () => {
  test('GIVEN held versions WHEN saved and loaded THEN one key per object round-trips through the ConfigMap', async () => {
    let stored: any;
    const client = {
      read: async () => { if (!stored) throw Object.assign(new Error('nf'), { code: 404 }); return stored; },
      apply: async (body: any) => { stored = body; },
    };
    const store = new ConfigMapLastAcceptedStore(client, 'mesh-system');
    expect(await store.load()).toEqual([]);
    const version = { object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: {} }, origin: { source: 'kubernetes:VirtualService/bookinfo/reviews' } };
    await store.save([version]);
    expect(stored.metadata).toMatchObject({ name: 'mesh-last-accepted', namespace: 'mesh-system' });
    expect(Object.keys(stored.data)).toEqual(['VirtualService.bookinfo.reviews']);
    expect(await store.load()).toEqual([version]);
    stored.data['VirtualService.bookinfo.reviews'] = '{not json';
    await expect(store.load()).rejects.toThrow("ConfigMap mesh-system/mesh-last-accepted: entry 'VirtualService.bookinfo.reviews' is not JSON; delete the entry");
  });
});

describe('HTTPS gateway servers without their Secret', () => {
  const gatewayYaml = `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: shop}\nspec:\n  selector: {istio: ingress}\n  servers:\n  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}\n  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: [shop.example.com], tls: {mode: SIMPLE, credentialName: shop-tls}}\n`;
  const secretYaml = (namespace: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: ${namespace}}\ntype: kubernetes.io/tls\ndata: {tls.crt: eA==, tls.key: eA==}\n`;

  test('GIVEN no Secret in the gateway namespace WHEN ingested THEN the Gateway is served and its HTTPS server is reported not applied, with the fix', () => {
    const result = ingestDocuments([{ source: 'gw.yaml', text: gatewayYaml }, { source: 'secret.yaml', text: secretYaml('elsewhere') }]);
    expect(result.objects.map((object) => object.kind)).toEqual(['Gateway', 'Secret']);
    expect(result.notApplied).toHaveLength(1);
    expect(result.notApplied[0]).toMatchObject({ kind: 'Gateway', name: 'gw', namespace: 'shop' });
    expect(result.notApplied[0].fields).toEqual([{
      path: 'spec.servers[1].tls.credentialName',
      reason: expect.stringContaining("no kubernetes.io/tls Secret 'shop-tls' in namespace shop (where the gateway runs); create it there"),
    }]);
  });

  test('GIVEN the Secret where the gateway runs WHEN ingested THEN nothing is reported', () => {
    expect(ingestDocuments([{ source: 'gw.yaml', text: gatewayYaml }, { source: 'secret.yaml', text: secretYaml('shop') }]).notApplied).toEqual([]);
  });
});
