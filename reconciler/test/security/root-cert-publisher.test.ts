import type { V1Pod } from '@kubernetes/client-node';
import { XDS_CREDENTIALS } from '../../src/model';
import { ConfigMapApi, namespacesMountingRootCertificate, RootCertificatePublisher } from '../../src/security/root-cert-publisher';

const ROOT_PEM = '-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n';
const NAME = XDS_CREDENTIALS.rootCertConfigMap;

/** An in-memory stand-in for the CoreV1Api ConfigMap calls, with the API server's status codes and resourceVersion checks. */
class FakeConfigMapApi {
  readonly configMaps = new Map<string, any>();
  readonly writes: string[] = [];
  /** Namespaces where the reconciler's writes are forbidden (403). */
  readonly forbidden = new Set<string>();
  /** Simulates another replica creating the ConfigMap between our read and our create. */
  createdByOtherReplica?: (namespace: string) => any;
  private version = 0;

  async readNamespacedConfigMap({ name, namespace }: { name: string; namespace: string }) {
    const found = this.configMaps.get(`${namespace}/${name}`);
    if (!found) throw Object.assign(new Error('not found'), { code: 404 });
    return structuredClone(found);
  }

  async createNamespacedConfigMap({ namespace, body }: { namespace: string; body: any }) {
    this.refuseIfForbidden(namespace);
    const key = `${namespace}/${body.metadata.name}`;
    if (this.createdByOtherReplica && !this.configMaps.has(key)) this.store(key, this.createdByOtherReplica(namespace));
    if (this.configMaps.has(key)) throw Object.assign(new Error('conflict'), { code: 409 });
    this.writes.push(`create ${key}`);
    return this.store(key, body);
  }

  async replaceNamespacedConfigMap({ name, namespace, body }: { name: string; namespace: string; body: any }) {
    this.refuseIfForbidden(namespace);
    const key = `${namespace}/${name}`;
    if (body.metadata.resourceVersion !== this.configMaps.get(key)?.metadata.resourceVersion) {
      throw Object.assign(new Error('the object has been modified'), { code: 409 });
    }
    this.writes.push(`replace ${key}`);
    return this.store(key, body);
  }

  private store(key: string, body: any) {
    this.version += 1;
    const stored = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(this.version) } };
    this.configMaps.set(key, stored);
    return stored;
  }

  private refuseIfForbidden(namespace: string) {
    if (this.forbidden.has(namespace)) throw Object.assign(new Error('forbidden'), { code: 403 });
  }
}

function publisherWith(api: FakeConfigMapApi, rootCertificatePem: () => Promise<string> = async () => ROOT_PEM) {
  const errors: { namespace: string; message: string }[] = [];
  const publisher = new RootCertificatePublisher(api as unknown as ConfigMapApi, {
    rootCertificatePem,
    onError: (namespace, error) => errors.push({ namespace, message: error.message }),
  });
  return { publisher, errors };
}

function pod(namespace: string, volumes: any[]): V1Pod {
  return { metadata: { name: `${namespace}-pod`, namespace }, spec: { containers: [], volumes } };
}

describe('namespacesMountingRootCertificate', () => {
  test.each([
    ['pods mounting the root ConfigMap', [pod('shop', [{ name: 'root', configMap: { name: NAME } }])], ['shop']],
    ['pods mounting other ConfigMaps only', [pod('shop', [{ name: 'cfg', configMap: { name: 'settings' } }])], []],
    ['pods without volumes', [{ metadata: { namespace: 'shop' } } as V1Pod], []],
    ['several pods across namespaces', [
      pod('shop', [{ name: 'root', configMap: { name: NAME } }]),
      pod('bookinfo', [{ name: 'root', configMap: { name: NAME } }]),
      pod('shop', [{ name: 'root', configMap: { name: NAME } }]),
    ], ['bookinfo', 'shop']],
  ] as [string, V1Pod[], string[]][])('GIVEN %s WHEN the namespaces are derived THEN those with such pods are listed once, sorted', (_case, pods, expected) => {
    expect(namespacesMountingRootCertificate(pods)).toEqual(expected);
  });
});

describe('RootCertificatePublisher', () => {
  test('GIVEN namespaces without the ConfigMap WHEN published THEN each gets the root under root-cert.pem, labelled as managed', async () => {
    const api = new FakeConfigMapApi();
    const { publisher, errors } = publisherWith(api);

    await publisher.publish(['bookinfo', 'shop']);

    expect(errors).toEqual([]);
    for (const namespace of ['bookinfo', 'shop']) {
      const configMap = api.configMaps.get(`${namespace}/${NAME}`);
      expect(configMap.data).toEqual({ 'root-cert.pem': ROOT_PEM });
      expect(configMap.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk8s-mesh-reconciler' });
    }
  });

  test('GIVEN a ConfigMap with a stale root WHEN published THEN it is replaced and other keys are kept', async () => {
    const api = new FakeConfigMapApi();
    await api.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: NAME }, data: { 'root-cert.pem': 'old', 'note': 'kept' } } });
    const { publisher, errors } = publisherWith(api);

    await publisher.publish(['shop']);

    expect(errors).toEqual([]);
    expect(api.configMaps.get(`shop/${NAME}`).data).toEqual({ 'root-cert.pem': ROOT_PEM, 'note': 'kept' });
  });

  test('GIVEN a ConfigMap already holding the root WHEN published THEN nothing is written', async () => {
    const api = new FakeConfigMapApi();
    await api.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: NAME }, data: { 'root-cert.pem': ROOT_PEM } } });
    api.writes.length = 0;
    const { publisher } = publisherWith(api);

    await publisher.publish(['shop']);

    expect(api.writes).toEqual([]);
  });

  test('GIVEN a namespace published once WHEN published again THEN the API is not called and the root is loaded once', async () => {
    const api = new FakeConfigMapApi();
    const loadRoot = jest.fn(async () => ROOT_PEM);
    const { publisher } = publisherWith(api, loadRoot);
    await publisher.publish(['shop']);
    const read = jest.spyOn(api, 'readNamespacedConfigMap');

    await publisher.publish(['shop']);

    expect(read).not.toHaveBeenCalled();
    expect(loadRoot).toHaveBeenCalledTimes(1);
  });

  test('GIVEN another replica creates the ConfigMap first WHEN create answers 409 THEN its content is checked and corrected', async () => {
    const api = new FakeConfigMapApi();
    api.createdByOtherReplica = (namespace) => ({ metadata: { name: NAME, namespace }, data: { 'root-cert.pem': 'from another root' } });
    const { publisher, errors } = publisherWith(api);

    await publisher.publish(['shop']);

    expect(errors).toEqual([]);
    expect(api.configMaps.get(`shop/${NAME}`).data['root-cert.pem']).toBe(ROOT_PEM);
  });

  test('GIVEN writes are forbidden in one namespace WHEN published THEN the error names it and the RBAC fix, the others succeed, and a later publish retries', async () => {
    const api = new FakeConfigMapApi();
    api.forbidden.add('locked');
    const { publisher, errors } = publisherWith(api);

    await publisher.publish(['locked', 'shop']);

    expect(errors).toHaveLength(1);
    expect(errors[0].namespace).toBe('locked');
    expect(errors[0].message).toContain(`ConfigMap locked/${NAME} failed (HTTP 403): the reconciler may not get/create/update ConfigMaps in namespace locked`);
    expect(api.configMaps.has(`shop/${NAME}`)).toBe(true);

    api.forbidden.clear();
    await publisher.publish(['locked', 'shop']);

    expect(api.configMaps.get(`locked/${NAME}`).data['root-cert.pem']).toBe(ROOT_PEM);
    expect(api.writes.filter((write) => write.includes('shop/'))).toHaveLength(1);
  });

  test('GIVEN the root cannot be loaded yet WHEN published THEN each namespace reports it and a later publish succeeds', async () => {
    const api = new FakeConfigMapApi();
    let available = false;
    const { publisher, errors } = publisherWith(api, async () => {
      if (!available) throw new Error('Secret mesh-system/mesh-ca does not exist yet');
      return ROOT_PEM;
    });

    await publisher.publish(['shop']);
    available = true;
    await publisher.publish(['shop']);

    expect(errors).toEqual([{ namespace: 'shop', message: 'Secret mesh-system/mesh-ca does not exist yet' }]);
    expect(api.configMaps.get(`shop/${NAME}`).data['root-cert.pem']).toBe(ROOT_PEM);
  });

  test('GIVEN pods WHEN published for them THEN only namespaces mounting the root get the ConfigMap', async () => {
    const api = new FakeConfigMapApi();
    const { publisher } = publisherWith(api);

    await publisher.publishForPods([pod('shop', [{ name: 'root', configMap: { name: NAME } }]), pod('kube-system', [])]);

    expect([...api.configMaps.keys()]).toEqual([`shop/${NAME}`]);
  });
});
