/**
 * `/internal/subset-totals` over real HTTP: a replica serves its canary totals to a peer presenting
 * the reconciler's service-account token, and the leader's FleetSubsetTotals reads them (or says
 * why it could not).
 */
import { OpsServer, OpsView } from '../../src/ops/ops-server';
import { ServiceAccountPeerAuthenticator } from '../../src/security/peer-authentication';
import { FleetSubsetTotals } from '../../src/telemetry/fleet-subset-totals';
import { fetchPeerTotals, peerTotalsOf } from '../../src/telemetry/peer-totals';
import { SubsetTotals } from '../../src/telemetry/subset-totals';
import { FIELD } from '../../src/telemetry/traffic-fields';
import { canaryFlush, HOST } from '../rollout/rollout-fixtures';

const RECONCILER = 'system:serviceaccount:mesh-system:mesh-reconciler';
const KEY = `${HOST}|v2`;

describe('peer totals on the ops port', () => {
  let server: OpsServer;
  let port: number;
  const peerTotals = new SubsetTotals();

  beforeAll(async () => {
    peerTotals.track([KEY]);
    peerTotals.add(HOST, 'v2', canaryFlush(70, 5), undefined);
    const authenticator = new ServiceAccountPeerAuthenticator(async (token) => (
      token === 'reconciler-token' ? { authenticated: true, user: { username: RECONCILER } }
        : token === 'frontend-token' ? { authenticated: true, user: { username: 'system:serviceaccount:shop:frontend' } }
          : { authenticated: false }), RECONCILER);
    const view: OpsView = {
      readiness: () => ({ ready: true, details: [] }), metricsText: () => '', configDump: () => undefined, proxyIds: () => [],
      syncz: () => ({}), rejected: () => ({}), ignored: () => ({}),
      peerTotals: async (authorization) => {
        const access = await authenticator.authorize(authorization);
        return access.ok ? { status: 200, body: peerTotalsOf(peerTotals, 'follower', 'f-1') } : { status: access.status, body: { error: access.error } };
      },
    };
    server = new OpsServer(view);
    port = await server.listen('127.0.0.1', 0);
  });
  afterAll(() => server.close());

  function leaderReading(token: string | undefined, peerPort = port) {
    const local = new SubsetTotals();
    local.track([KEY]);
    local.add(HOST, 'v2', canaryFlush(10, 0), undefined);
    const fleet = new FleetSubsetTotals({
      local, self: 'leader', incarnation: 'l-1',
      peers: () => [{ name: 'follower', opsUrl: `http://127.0.0.1:${peerPort}` }],
      fetchPeer: (peer) => fetchPeerTotals(peer, token),
    });
    return fleet.poll().then(() => fleet.read(KEY)!);
  }

  test('GIVEN the reconciler\'s token WHEN the leader polls THEN it holds the peer\'s totals next to its own', async () => {
    const reading = await leaderReading('reconciler-token');
    expect(reading.unreachable.size).toBe(0);
    expect(reading.replicas.get('leader')!.fields[FIELD.requests]).toBe(10);
    expect(reading.replicas.get('follower')).toMatchObject({ incarnation: 'f-1', since: peerTotals.since(KEY) });
    expect(reading.replicas.get('follower')!.fields[FIELD.requests]).toBe(75);
    expect(reading.replicas.get('follower')!.fields[FIELD.responses5xx]).toBe(5);
  });

  test('GIVEN a workload\'s token, a forged one or none WHEN the leader polls THEN the peer is unreachable with the refusal', async () => {
    expect([...(await leaderReading('frontend-token')).unreachable]).toEqual([['follower',
      `HTTP 403: the token belongs to "system:serviceaccount:shop:frontend"; only ${RECONCILER} (the reconciler's replicas) may read these totals`]]);
    expect([...(await leaderReading('forged')).unreachable]).toEqual([['follower', 'HTTP 401: the token was not accepted (not authenticated)']]);
    expect([...(await leaderReading(undefined)).unreachable]).toEqual([['follower', `this replica has no service-account token to present to replica follower (http://127.0.0.1:${port})`]]);
    expect((await leaderReading('forged')).replicas.has('follower')).toBe(false);
  });

  test('GIVEN a peer that does not listen WHEN the leader polls THEN it is unreachable, not counted as zero', async () => {
    const closed = new OpsServer({ readiness: () => ({ ready: true, details: [] }), metricsText: () => '', configDump: () => undefined, proxyIds: () => [], syncz: () => ({}), rejected: () => ({}), ignored: () => ({}) });
    const closedPort = await closed.listen('127.0.0.1', 0);
    await closed.close();
    const reading = await leaderReading('reconciler-token', closedPort);
    expect(reading.replicas.has('follower')).toBe(false);
    expect([...reading.unreachable.keys()]).toEqual(['follower']);
  });
});
