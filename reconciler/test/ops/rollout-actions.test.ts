import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tokenFileReader } from '../../src/ops/bearer-token';
import { OpsServer, OpsView } from '../../src/ops/ops-server';
import type { OperatorAction } from '../../src/rollout/rollout-machine';
import { httpRequest } from '../support/http-request';

describe('ops server: rollout actions behind the bearer token', () => {
  const actions: string[] = [];
  let server: OpsServer;
  let port: number;
  let tokenFile: string;

  function view(token: () => string | undefined): OpsView {
    return {
      readiness: () => ({ ready: true, details: [] }), metricsText: () => '', configDump: () => undefined, proxyIds: () => [],
      syncz: () => ({}), rejected: () => ({}), ignored: () => ({}),
      rollouts: () => ({ rollouts: [{ rollout: 'default/reviews/reviews-canary', state: 'Progressing' }] }),
      rolloutAction: async (key: string, action: OperatorAction) => {
        actions.push(`${key} ${action}`);
        return { status: 200, body: { rollout: key, state: 'Paused' } };
      },
      opsToken: token,
    };
  }

  beforeAll(async () => {
    tokenFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ops-token-')), 'token');
    fs.writeFileSync(tokenFile, 's3cret-token\n');
    server = new OpsServer(view(tokenFileReader(tokenFile, () => undefined)));
    port = await server.listen('127.0.0.1', 0);
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
  });

  const post = (pathname: string, authorization?: string, method = 'POST') => httpRequest({
    host: '127.0.0.1', port, path: pathname, method, headers: authorization ? { authorization } : {}, timeoutMs: 5000,
  });

  test('GIVEN the right token WHEN an action is posted THEN it reaches the rollout named by the path', async () => {
    const response = await post('/rollouts/default/reviews/reviews-canary/pause', 'Bearer s3cret-token');
    expect(response.status).toBe(200);
    expect(actions).toEqual(['default/reviews/reviews-canary pause']);
  });

  test.each([
    ['no token', undefined, 401],
    ['a wrong token', 'Bearer guess', 401],
    ['a token as Basic', 'Basic s3cret-token', 401],
  ])('GIVEN %s WHEN an action is posted THEN it is refused with %d and nothing runs', async (_, authorization, status) => {
    actions.length = 0;
    const response = await post('/rollouts/default/reviews/reviews-canary/abort', authorization);
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body).error).toContain('bearer token');
    expect(actions).toEqual([]);
  });

  test('GIVEN a GET or an unknown action WHEN sent THEN 405 and 404 name the way to do it', async () => {
    expect((await post('/rollouts/default/reviews/reviews-canary/pause', 'Bearer s3cret-token', 'GET')).status).toBe(405);
    const unknown = await post('/rollouts/default/reviews/reviews-canary/skip', 'Bearer s3cret-token');
    expect([unknown.status, JSON.parse(unknown.body).error]).toEqual([404, "unknown action 'skip'; use one of pause, resume, abort, promote"]);
  });

  test('GIVEN the token file rotated WHEN the new token is sent THEN it is accepted and the old one refused', async () => {
    fs.writeFileSync(tokenFile, 'rotated');
    expect((await post('/rollouts/default/reviews/reviews-canary/resume', 'Bearer s3cret-token')).status).toBe(401);
    expect((await post('/rollouts/default/reviews/reviews-canary/resume', 'Bearer rotated')).status).toBe(200);
  });

  test('GIVEN no token configured WHEN an action is posted THEN it is refused, pointing at --ops-token-file', async () => {
    const open = new OpsServer(view(() => undefined));
    const openPort = await open.listen('127.0.0.1', 0);
    try {
      const response = await httpRequest({ host: '127.0.0.1', port: openPort, path: '/rollouts/default/reviews/reviews-canary/pause', method: 'POST', headers: { authorization: 'Bearer anything' }, timeoutMs: 5000 });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.body).error).toContain('--ops-token-file');
      const debug = await httpRequest({ host: '127.0.0.1', port: openPort, path: '/debug/rollouts', timeoutMs: 5000 });
      expect(JSON.parse(debug.body).rollouts[0].state).toBe('Progressing');
    } finally {
      await open.close();
    }
  });
});
