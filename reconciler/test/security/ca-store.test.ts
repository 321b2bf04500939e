import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOrCreateRootCa } from '../../src/security/ca-store';
import { DirectoryCaStore } from '../../src/security/directory-ca-store';
import { KubernetesSecretCaStore, SecretApi } from '../../src/security/kubernetes-ca-store';

const TRUST_DOMAIN = 'cluster.local';

describe('directory CA store', () => {
  let directory: string;
  beforeEach(async () => {
    directory = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'mesh-ca-')), 'ca');
  });
  afterEach(async () => {
    await fs.rm(path.dirname(directory), { recursive: true, force: true });
  });

  test('GIVEN an empty directory WHEN the root is loaded THEN it is created with 0600 files and reloaded unchanged', async () => {
    const created = await loadOrCreateRootCa(new DirectoryCaStore(directory), TRUST_DOMAIN);
    const reloaded = await loadOrCreateRootCa(new DirectoryCaStore(directory), TRUST_DOMAIN);

    expect(reloaded.certificatePem).toBe(created.certificatePem);
    for (const file of ['ca-cert.pem', 'ca-key.pem']) {
      expect((await fs.stat(path.join(directory, file))).mode & 0o777).toBe(0o600);
    }
    expect((await fs.readdir(directory)).sort()).toEqual(['ca-cert.pem', 'ca-key.pem']);
  });

  test('GIVEN five replicas starting at once WHEN each loads the root THEN they all end up with the same single root', async () => {
    const replicas = Array.from({ length: 5 }, () => new DirectoryCaStore(directory));

    const roots = await Promise.all(replicas.map((store) => loadOrCreateRootCa(store, TRUST_DOMAIN)));

    expect(new Set(roots.map((root) => root.certificatePem)).size).toBe(1);
    expect(await fs.readFile(path.join(directory, 'ca-cert.pem'), 'utf8')).toBe(roots[0].certificatePem);
  });

  test('GIVEN a key without its certificate WHEN the root is loaded THEN the error names the stale key and the fix', async () => {
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(path.join(directory, 'ca-key.pem'), 'stale');

    await expect(loadOrCreateRootCa(new DirectoryCaStore(directory, { publishTimeoutMs: 100, pollIntervalMs: 10 }), TRUST_DOMAIN))
      .rejects.toThrow(`did not appear within 100 ms (a replica probably stopped while creating the root); delete ${path.join(directory, 'ca-key.pem')}`);
  });

  test('GIVEN a root for another trust domain WHEN loaded for this mesh THEN the error names both domains', async () => {
    await loadOrCreateRootCa(new DirectoryCaStore(directory), 'other.domain');

    await expect(loadOrCreateRootCa(new DirectoryCaStore(directory), TRUST_DOMAIN))
      .rejects.toThrow('is for trust domain "other.domain" but the mesh is configured with "cluster.local"');
  });
});

/** An in-memory stand-in for the two CoreV1Api Secret calls, with the API server's status codes. */
class FakeSecretApi {
  readonly secrets = new Map<string, any>();
  createCalls = 0;
  /** Simulates another replica creating the Secret between our read and our create. */
  createdByOtherReplicaBeforeCreate?: any;

  async readNamespacedSecret({ name, namespace }: { name: string; namespace: string }) {
    const secret = this.secrets.get(`${namespace}/${name}`);
    if (!secret) throw Object.assign(new Error('not found'), { code: 404 });
    return secret;
  }

  async createNamespacedSecret({ namespace, body }: { namespace: string; body: any }) {
    this.createCalls++;
    const key = `${namespace}/${body.metadata.name}`;
    if (this.createdByOtherReplicaBeforeCreate) this.secrets.set(key, this.createdByOtherReplicaBeforeCreate);
    if (this.secrets.has(key)) throw Object.assign(new Error('conflict'), { code: 409 });
    this.secrets.set(key, body);
    return body;
  }
}

describe('Kubernetes Secret CA store', () => {
  test('GIVEN no Secret WHEN the root is loaded THEN a Secret holding the PEM pair is created', async () => {
    const api = new FakeSecretApi();

    const ca = await loadOrCreateRootCa(new KubernetesSecretCaStore(api as unknown as SecretApi, { namespace: 'mesh-system' }), TRUST_DOMAIN);

    const secret = api.secrets.get('mesh-system/mesh-ca');
    expect(secret.type).toBe('Opaque');
    expect(Buffer.from(secret.data['ca-cert.pem'], 'base64').toString()).toBe(ca.certificatePem);
    expect(Buffer.from(secret.data['ca-key.pem'], 'base64').toString()).toContain('BEGIN PRIVATE KEY');
  });

  test('GIVEN another replica wins the create race WHEN create returns 409 THEN the winner\'s root is used', async () => {
    const winnerApi = new FakeSecretApi();
    const winner = await loadOrCreateRootCa(new KubernetesSecretCaStore(winnerApi as unknown as SecretApi, { namespace: 'mesh-system' }), TRUST_DOMAIN);
    const api = new FakeSecretApi();
    api.createdByOtherReplicaBeforeCreate = winnerApi.secrets.get('mesh-system/mesh-ca');

    const loser = await loadOrCreateRootCa(new KubernetesSecretCaStore(api as unknown as SecretApi, { namespace: 'mesh-system' }), TRUST_DOMAIN);

    expect(api.createCalls).toBe(1);
    expect(loser.certificatePem).toBe(winner.certificatePem);
  });

  test('GIVEN an existing Secret WHEN the root is loaded THEN nothing is created', async () => {
    const api = new FakeSecretApi();
    const store = new KubernetesSecretCaStore(api as unknown as SecretApi, { namespace: 'mesh-system', name: 'root' });
    const first = await loadOrCreateRootCa(store, TRUST_DOMAIN);

    const second = await loadOrCreateRootCa(store, TRUST_DOMAIN);

    expect(api.createCalls).toBe(1);
    expect(second.certificatePem).toBe(first.certificatePem);
  });

  test('GIVEN a Secret missing the key WHEN the root is loaded THEN the error names the Secret and the expected keys', async () => {
    const api = new FakeSecretApi();
    api.secrets.set('mesh-system/mesh-ca', { data: { 'ca-cert.pem': 'eA==' } });

    await expect(loadOrCreateRootCa(new KubernetesSecretCaStore(api as unknown as SecretApi, { namespace: 'mesh-system' }), TRUST_DOMAIN))
      .rejects.toThrow('Secret mesh-system/mesh-ca: data must hold "ca-cert.pem" and "ca-key.pem" but has [ca-cert.pem]');
  });

  test('GIVEN the API fails with 403 WHEN the root is loaded THEN the error propagates', async () => {
    const api = { readNamespacedSecret: async () => { throw Object.assign(new Error('forbidden'), { code: 403 }); } };

    await expect(loadOrCreateRootCa(new KubernetesSecretCaStore(api as unknown as SecretApi, { namespace: 'mesh-system' }), TRUST_DOMAIN))
      .rejects.toThrow('forbidden');
  });
});
