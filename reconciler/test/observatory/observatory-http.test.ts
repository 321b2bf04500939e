import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Observatory } from '../../src/observatory/observatory';
import { OpsServer, OpsView } from '../../src/ops/ops-server';
import { httpRequest } from '../support/http-request';
import { observatoryInputs } from './observatory-fixture';

const TOKEN = 'observatory-secret';

describe('observatory HTTP routes on the ops port', () => {
  let server: OpsServer;
  let port: number;
  let token: string | undefined;
  const uiDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'observatory-ui-'));
  fs.writeFileSync(path.join(uiDirectory, 'index.html'), '<!doctype html><title>observatory</title>');
  fs.writeFileSync(path.join(uiDirectory, 'main.js'), 'export {};');

  beforeAll(async () => {
    const view = {
      readiness: () => ({ ready: true, details: [] }), metricsText: () => '', configDump: () => undefined, proxyIds: () => [],
      syncz: () => ({}), rejected: () => ({}), ignored: () => ({}),
      opsToken: () => token,
      observatory: new Observatory(() => observatoryInputs()),
      uiDirectory,
    } satisfies OpsView;
    server = new OpsServer(view);
    port = await server.listen('127.0.0.1', 0);
  });
  afterAll(() => server.close());
  afterEach(() => { token = undefined; });

  const get = (pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET') =>
    httpRequest({ host: '127.0.0.1', port, path: pathAndQuery, method, headers, timeoutMs: 5000 });

  test('GIVEN the graph API WHEN asked for a namespace THEN it answers JSON with the CSP header', async () => {
    const response = await get('/api/graph?namespace=shop&window=5m');
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toBe("default-src 'self'");
    const graph = JSON.parse(response.body);
    expect(graph).toMatchObject({ namespace: 'shop', windowSeconds: 300 });
    expect(graph.nodes.map((node: { id: string }) => node.id)).toContain('service:shop/reviews');
  });

  test('GIVEN a service WHEN its page data is asked THEN versions, endpoints, routing, policies and mTLS are there; an unknown one is 404 naming it', async () => {
    const detail = JSON.parse((await get('/api/services/shop/reviews')).body);
    expect(detail.versions.map((version: { name: string; endpoints: unknown[] }) => `${version.name}:${version.endpoints.length}`)).toEqual(['v1:2', 'v2:1', 'v3:0']);
    expect(detail.routing).toEqual([
      { route: 'shop/reviews#jason', match: 'header end-user=jason', destinations: [{ target: 'reviews v1', weight: 100 }], retries: '', timeout: '', fault: 'abort 503 · 100 %', mirror: '' },
      { route: 'shop/reviews#default', match: '', destinations: [{ target: 'reviews v1', weight: 90 }, { target: 'reviews v2', weight: 10 }], retries: '2 × 1s', timeout: '3s', fault: '', mirror: 'ratings 20 %' },
    ]);
    expect(detail.destinationRule.policies[0]).toBe('outlier detection: {"consecutive5xxErrors":3,"baseEjectionTime":"30s"}');
    expect(detail.mtls).toEqual({ mode: 'STRICT', source: 'shop/reviews-strict' });
    const missing = await get('/api/services/shop/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toBe('no service shop/nope in the accepted config; see /api/graph for the services there are');
  });

  test('GIVEN the validations API WHEN asked THEN it lists the findings', async () => {
    const body = JSON.parse((await get('/api/validations')).body);
    expect(body.validations.map((validation: { code: string }) => validation.code)).toContain('MESH0101');
  });

  test('GIVEN a bad window, a write or an asset name with a path WHEN asked THEN 400, 405 and 404', async () => {
    expect((await get('/api/graph?window=2h')).status).toBe(400);
    const write = await get('/api/graph', {}, 'POST');
    expect(write.status).toBe(405);
    expect(write.body).toContain('read-only');
    expect((await get('/ui/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });

  test('GIVEN the bundled pages WHEN /ui is opened THEN index.html is served as HTML with the CSP, and modules as JavaScript', async () => {
    const page = await get('/ui');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe("default-src 'self'");
    expect((await get('/ui/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  test('GIVEN an ops token WHEN the API is asked without it THEN 401; with the bearer header, or the cookie /ui?token= sets, THEN 200', async () => {
    token = TOKEN;
    expect((await get('/api/graph')).status).toBe(401);
    expect((await get('/ui')).status).toBe(401);
    expect((await get('/api/graph', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get('/ui?token=wrong')).status).toBe(401);
    const login = await get(`/ui?token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/ui');
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    expect((await get('/api/graph', { cookie })).status).toBe(200);
    expect((await get('/ui', { cookie })).status).toBe(200);
  });
});
