import * as https from 'https';
import { AdmissionVerdict } from '../../src/admission/admission-review';
import { reviewAdmission } from '../../src/admission/admission-review';
import { ensureWebhookCaBundle, WebhookConfigurationClient } from '../../src/admission/webhook-ca-bundle';
import { WebhookServer } from '../../src/admission/webhook-server';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { issueServingCertificate } from '../../src/security/workload-certs';

const review = (object: unknown, operation = 'CREATE') => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'req-1', operation, object } });
const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: {} };
const refuse = (reasons: string[], warnings: string[] = []): AdmissionVerdict => ({ allowed: false, reasons, warnings });

describe('admission review', () => {
  test('GIVEN a refused object WHEN reviewed THEN the response carries the request uid, 422 and every reason', () => {
    const answer = reviewAdmission(review(VS), () => refuse(['weights sum to 95', 'subset v9 is not defined']));
    expect(answer).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'req-1', allowed: false, status: { code: 422, reason: 'Invalid', message: 'weights sum to 95; subset v9 is not defined' } },
    });
  });

  test('GIVEN an admitted object with warnings WHEN reviewed THEN at most 10 warnings of at most 256 characters come back', () => {
    const warnings = Array.from({ length: 12 }, (_, i) => `${i}:${'x'.repeat(300)}`);
    const answer = reviewAdmission(review(VS), () => ({ allowed: true, reasons: [], warnings })) as any;
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.status).toBeUndefined();
    expect(answer.response.warnings).toHaveLength(10);
    expect(answer.response.warnings.every((warning: string) => warning.length === 256 && warning.endsWith('…'))).toBe(true);
  });

  test('GIVEN a DELETE WHEN reviewed THEN it is admitted without running the check', () => {
    const answer = reviewAdmission(review(undefined, 'DELETE'), () => { throw new Error('must not run'); }) as any;
    expect(answer.response).toEqual({ uid: 'req-1', allowed: true });
  });

  test('GIVEN a body that is not an AdmissionReview WHEN reviewed THEN it fails saying what is expected', () => {
    expect(() => reviewAdmission({ kind: 'Pod' }, () => refuse([]))).toThrow('not an admission.k8s.io/v1 AdmissionReview with a request uid');
  });
});

describe('webhook server', () => {
  let server: WebhookServer;
  let port: number;
  let rootPem: string;
  beforeAll(async () => {
    const material = await createRootCa('cluster.local');
    rootPem = material.certificatePem;
    const ca = await loadCertificateAuthority(material, 'test root');
    const certificate = await issueServingCertificate(ca, { dnsNames: ['mesh-reconciler.mesh-system.svc'], ipAddresses: ['127.0.0.1'] });
    server = new WebhookServer({ certificate, check: (object) => ((object.spec as any)?.bad ? refuse(['spec.bad is set']) : { allowed: true, reasons: [], warnings: [] }) });
    port = await server.listen('127.0.0.1', 0);
  });
  afterAll(() => server.close());

  const post = (path: string, body: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = https.request({ host: '127.0.0.1', port, path, method: 'POST', ca: rootPem, servername: 'mesh-reconciler.mesh-system.svc', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });

  test('GIVEN the API server verifying with the mesh root WHEN it posts a review THEN TLS verifies and the verdict comes back', async () => {
    const refused = await post('/validate', JSON.stringify(review({ ...VS, spec: { bad: true } })));
    expect(refused.status).toBe(200);
    expect(JSON.parse(refused.body).response).toMatchObject({ uid: 'req-1', allowed: false, status: { message: 'spec.bad is set' } });
    expect(JSON.parse((await post('/validate', JSON.stringify(review(VS)))).body).response.allowed).toBe(true);
  });

  test('GIVEN a malformed body or another path WHEN posted THEN 400 or 404 with what is expected', async () => {
    expect(await post('/validate', '{"kind":"Pod"}')).toMatchObject({ status: 400 });
    expect(await post('/mutate', '{}')).toEqual({ status: 404, body: 'POST /validate with an AdmissionReview\n' });
  });
});

describe('webhook caBundle', () => {
  const configuration = (caBundle?: string) => ({
    metadata: { name: 'mesh-reconciler-mesh-system' },
    webhooks: [{ name: 'validation.mesh.cdk8s.io', clientConfig: { ...(caBundle ? { caBundle } : {}), service: { name: 'mesh-reconciler', namespace: 'mesh-system' } } }],
  });
  const fakeApi = (current: unknown) => {
    const patches: any[] = [];
    const api = {
      read: async () => {
        if (current === undefined) throw Object.assign(new Error('not found'), { code: 404 });
        return current;
      },
      apply: async (body: any) => { patches.push(body); },
    } as unknown as WebhookConfigurationClient;
    return { api, patches };
  };
  const PEM = '-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n';

  test('GIVEN the configuration without a caBundle WHEN ensured THEN an apply names only the caBundle', async () => {
    const { api, patches } = fakeApi(configuration());
    expect(await ensureWebhookCaBundle(api, 'mesh-reconciler-mesh-system', PEM)).toBe('set');
    expect(patches).toHaveLength(1);
    expect(patches[0].metadata).toEqual({ name: 'mesh-reconciler-mesh-system' });
    expect(patches[0].webhooks).toEqual([{ name: 'validation.mesh.cdk8s.io', clientConfig: { caBundle: Buffer.from(PEM).toString('base64') } }]);
  });

  test('GIVEN the caBundle already set WHEN ensured THEN nothing is written', async () => {
    const { api, patches } = fakeApi(configuration(Buffer.from(PEM).toString('base64')));
    expect(await ensureWebhookCaBundle(api, 'mesh-reconciler-mesh-system', PEM)).toBe('unchanged');
    expect(patches).toEqual([]);
  });

  test('GIVEN no configuration WHEN ensured THEN it reports missing instead of creating a partial one', async () => {
    const { api, patches } = fakeApi(undefined);
    expect(await ensureWebhookCaBundle(api, 'mesh-reconciler-mesh-system', PEM)).toBe('missing');
    expect(patches).toEqual([]);
  });

  test('GIVEN a configuration without the mesh webhook WHEN ensured THEN the error names it and the fix', async () => {
    const { api } = fakeApi({ metadata: { name: 'x' }, webhooks: [{ name: 'other', clientConfig: {} }] });
    await expect(ensureWebhookCaBundle(api, 'x', PEM)).rejects.toThrow('ValidatingWebhookConfiguration x has no webhook named validation.mesh.cdk8s.io; apply the configuration the Mesh construct emits');
  });
});
