/**
 * Runs identity cases on both sides. A case's PeerAuthentications, DestinationRules and
 * AuthorizationPolicies replace the previous case's, with two markers named after the case: a
 * DENY policy no request matches (in the servers' listeners once they have the case) and a
 * ServiceEntry no request uses (in the callers' clusters). Once every sidecar of a side holds its
 * marker, no longer the previous one, and nothing drains, each request class is sent the same way
 * to both sides, and the outcomes compared: status, who answered, and the peer identity the server
 * forwarded to the application (`x-forwarded-client-cert`, its certificate hash masked: each side
 * has its own CA).
 */
import * as fs from 'fs';
import * as path from 'path';
import { listenersMention, markerName, markerPolicy, settled } from './authorization-runner';
import type { ClassResult } from './differential-runner';
import type { IdentityCase, IdentityRequestClass } from './identity-cases';
import { IDENTITY_NAMESPACE, IDENTITY_SIDES, IdentitySide, OUTSIDE_NAMESPACE, SECURE_APP, secureHost } from './identity-mesh';
import { SERVICE_PORT } from './mesh-under-test';
import { compareOutcomes } from './outcome-comparison';
import { RequestOutcome, sendRequest } from './request-outcome';
import type { SidecarEnvoy } from './sidecar-envoy';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import { RECONCILER_BENCH_PORTS } from '../../../reconciler/bench/vs-istiod/reconciler-kube';
import type { Cluster } from '../cluster/cluster';

export const CLIENT_CERT_HEADER = 'x-forwarded-client-cert';
/** Where the JWT cases put tokens: whether the application still receives one is compared too. */
export const TOKEN_HEADERS = ['authorization', 'x-jwt'] as const;
/** Plaintext requests to a server's inbound port come from here (on loopback in the suite's namespace). */
export const PLAINTEXT_SOURCE = '198.18.241.99';
/** The markers' ServiceEntry address: config only, nothing is ever sent there. */
const MARKER_ENTRY_ADDRESS = '198.18.241.250';

export interface SideSidecars {
  readonly server: SidecarEnvoy;
  readonly client: SidecarEnvoy;
  readonly outsider: SidecarEnvoy;
}
export type IdentitySidecars = Record<IdentitySide, SideSidecars>;

/** The peer identity as the application saw it: Envoy's client-certificate header, certificate hash masked. */
export function maskedClientCert(value: string | undefined): string {
  return value === undefined ? 'none' : value.replace(/Hash=[0-9a-f]+/g, 'Hash=<hash>');
}

const markerHost = (caseId: string) => `marker-${caseId}.invalid`;

function markerEntry(caseId: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: `marker-${caseId}`, namespace: IDENTITY_NAMESPACE },
    spec: {
      hosts: [markerHost(caseId)],
      ports: [{ number: SERVICE_PORT, name: 'http', protocol: 'HTTP' }],
      resolution: 'STATIC',
      endpoints: [{ address: MARKER_ENTRY_ADDRESS }],
    },
  };
}

async function clustersMention(sidecar: SidecarEnvoy, host: string): Promise<boolean> {
  return JSON.stringify(await sidecar.configDump({ resource: 'dynamic_active_clusters' })).includes(host);
}

let previousCase: string | undefined;

/** Kinds a case sets, and the namespaces they are cleared from before the next. */
const CASE_KINDS: readonly { kind: string; namespaces: readonly string[] }[] = [
  { kind: 'peerauthentications', namespaces: [IDENTITY_NAMESPACE, OUTSIDE_NAMESPACE, 'istio-system'] },
  { kind: 'destinationrules', namespaces: [IDENTITY_NAMESPACE] },
  { kind: 'authorizationpolicies', namespaces: [IDENTITY_NAMESPACE] },
  { kind: 'requestauthentications', namespaces: [IDENTITY_NAMESPACE] },
  { kind: 'serviceentries', namespaces: [IDENTITY_NAMESPACE] },
];

export async function applyIdentityCase(cluster: Cluster, sidecars: IdentitySidecars, testCase: IdentityCase): Promise<void> {
  for (const { kind, namespaces } of CASE_KINDS) {
    for (const namespace of namespaces) await cluster.kubectl(['delete', kind, '--all', '-n', namespace, '--wait=true']);
  }
  const objects = [...testCase.objects, markerPolicy(testCase.id, IDENTITY_NAMESPACE, SECURE_APP), markerEntry(testCase.id)];
  await cluster.kubectl(['create', '-f', '-'], objects.map((object) => JSON.stringify(object)).join('\n---\n'));
  const previous = previousCase;
  await Promise.all(IDENTITY_SIDES.map((side) => cluster.waitFor(`${side} to serve identity case ${testCase.id}`, async () => {
    const { server, client, outsider } = sidecars[side];
    if (!await listenersMention(server, markerName(testCase.id)) || (previous && await listenersMention(server, markerName(previous)))) return false;
    for (const caller of [client, outsider]) {
      if (!await clustersMention(caller, markerHost(testCase.id)) || (previous && await clustersMention(caller, markerHost(previous)))) return false;
    }
    for (const sidecar of [server, client, outsider]) if (await sidecar.listenersDraining() !== 0) return false;
    return true;
  }, 60_000, 200)));
  previousCase = testCase.id;
}

/** A request whose connection failed: Envoy refused it at the transport (a plaintext request to an mTLS-only port). */
const CONNECTION_FAILED: RequestOutcome = { status: 0, answeredBy: 'connection failed', caseHeaders: '' };

async function send(sidecars: SideSidecars, side: IdentitySide, requestClass: IdentityRequestClass): Promise<RequestOutcome> {
  const { from, path: requestPath, headers, authority } = requestClass;
  const target = from === 'plaintext'
    ? { ...sidecars.server.listener, freshConnections: true, localAddress: PLAINTEXT_SOURCE }
    : { ...sidecars[from].listener, freshConnections: true };
  try {
    const { outcome, answer } = await sendRequest(target, { path: requestPath, authority: authority ?? secureHost(side), headers });
    const tokens = TOKEN_HEADERS.filter((name) => answer?.headers[name] !== undefined).map((name) => `${name} forwarded`);
    return { status: outcome.status, answeredBy: outcome.answeredBy, caseHeaders: [`peer ${maskedClientCert(answer?.headers[CLIENT_CERT_HEADER])}`, ...tokens].join('; ') };
  } catch {
    return CONNECTION_FAILED;
  }
}

/** Each side's caller clusters and server listeners, written to `dumpDir` for a disagreement to be read. */
export async function dumpIdentityConfig(sidecars: IdentitySidecars, caseId: string, dumpDir: string): Promise<void> {
  for (const side of IDENTITY_SIDES) {
    const { server, client } = sidecars[side];
    const dump = {
      clientClusters: await client.configDump({ resource: 'dynamic_active_clusters' }),
      clientWarmingClusters: await client.configDump({ resource: 'dynamic_warming_clusters' }),
      serverListeners: await server.configDump({ resource: 'dynamic_listeners' }),
    };
    fs.writeFileSync(path.join(dumpDir, `identity-config-${caseId}-${side}.json`), JSON.stringify(dump, null, 1));
  }
  // What the reconciler refused or left unapplied, in case the disagreement starts there.
  const debug = (pathname: string) => fetch(`http://127.0.0.1:${RECONCILER_BENCH_PORTS.ops}${pathname}`).then((response) => response.json()).catch((error: Error) => error.message);
  fs.writeFileSync(path.join(dumpDir, `identity-reconciler-${caseId}.json`), JSON.stringify({ rejected: await debug('/debug/rejected'), ignored: await debug('/debug/ignored') }, null, 1));
}

export async function runIdentityCase(cluster: Cluster, sidecars: IdentitySidecars, testCase: IdentityCase): Promise<ClassResult[]> {
  await applyIdentityCase(cluster, sidecars, testCase);
  const pass = (side: IdentitySide) => async () => {
    const outcomes: RequestOutcome[] = [];
    for (const requestClass of testCase.requests) outcomes.push(await send(sidecars[side], side, requestClass));
    return outcomes;
  };
  const [istiod, reconciler] = await Promise.all([settled(pass('istiod')), settled(pass('reconciler'))]);
  return testCase.requests.map((requestClass, index) => ({
    caseId: testCase.id, className: requestClass.name, ...compareOutcomes([istiod[index]], [reconciler[index]]),
  }));
}
