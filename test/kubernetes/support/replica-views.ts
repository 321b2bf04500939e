/**
 * What one reconciler replica holds, asked of it directly at its pod address: the routes it would
 * serve a sidecar (TLS xDS, authenticated with a token bound to that sidecar's pod) and its debug
 * views on the monitoring port. Two replicas are compared this way, not through the Service.
 */
import { reconcilerMetric, reconcilerOps } from './mesh-observation';
import { MESH_NAMESPACE } from './two-namespace-mesh';
import { XdsProbeTarget } from './xds-probe';
import { TYPE_URLS } from '../../../reconciler/src/push/contract';
import { CA_CERT_FILE } from '../../../reconciler/src/security/directory-ca-store';
import { TestAdsStream } from '../../../reconciler/test/support/ads-client';
import { buildBootstrapNode, CA_SECRET_NAME, ProxyNode, RECONCILER_NAME, RECONCILER_PORTS, XDS_CREDENTIALS } from '../../../src/model';
import type { Cluster } from '../cluster/cluster';
import type { Pod } from '../node-agent/pod-types';

const RECONCILER_SERVER_NAME = `${RECONCILER_NAME}.${MESH_NAMESPACE}.svc`;

/** A sidecar's node and a token bound to its pod: what a replica needs to answer as it would that sidecar. */
export interface SidecarIdentity {
  readonly node: ProxyNode;
  readonly token: string;
  readonly rootCertPem: string;
}

/** The identity of `pod`'s sidecar (its ServiceAccount, labels and address), with a fresh token. */
export async function sidecarIdentity(cluster: Cluster, pod: Pod): Promise<SidecarIdentity> {
  const namespace = pod.metadata.namespace!;
  const serviceAccount = pod.spec.serviceAccountName ?? 'default';
  const secret = await cluster.api.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${MESH_NAMESPACE}/secrets/${CA_SECRET_NAME}`);
  const token = await cluster.api.create<{ status: { token: string } }>(`/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: [XDS_CREDENTIALS.tokenAudience], expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } },
  });
  const ip = pod.status!.podIP!;
  const app = pod.metadata.labels?.app ?? serviceAccount;
  return {
    token: token.status.token,
    rootCertPem: Buffer.from(secret.data[CA_CERT_FILE], 'base64').toString('utf8'),
    node: {
      id: `sidecar~${ip}~probe.${namespace}~${namespace}.svc.cluster.local`,
      cluster: `${app}.${namespace}`,
      namespace,
      serviceAccount,
      name: 'probe',
      labels: pod.metadata.labels ?? {},
      instanceIp: ip,
      interceptionMode: 'REDIRECT',
    },
  };
}

/** The TLS xDS address of a replica, for xds-probe and fetchServedRoutes. */
export function replicaXdsTarget(replica: Pod, identity: SidecarIdentity): XdsProbeTarget {
  return {
    address: `${replica.status!.podIP}:${RECONCILER_PORTS.xdsTls}`, rootCertPem: identity.rootCertPem, serverName: RECONCILER_SERVER_NAME, token: identity.token,
  };
}

/** The route configurations `names` the replica serves the sidecar, by name (as proto3 JSON). */
export async function fetchServedRoutes(
  replica: Pod, identity: SidecarIdentity, names: readonly string[],
): Promise<Record<string, RouteConfiguration>> {
  const target = replicaXdsTarget(replica, identity);
  const stream = TestAdsStream.openTls(target.address, { rootCertPem: target.rootCertPem, serverName: target.serverName }, 'sotw',
    { authorization: `Bearer ${target.token}` });
  try {
    stream.send({ node: buildBootstrapNode(identity.node), type_url: TYPE_URLS.route, resource_names: [...names] });
    for (;;) {
      const response = await Promise.race([stream.next(20_000), stream.failed().then((error) => { throw error; })]);
      if (response.type_url !== TYPE_URLS.route) continue;
      const routes = response.resources as RouteConfiguration[];
      return Object.fromEntries(routes.map((route) => [route.name, route]));
    }
  } finally {
    stream.close();
  }
}

export interface RouteConfiguration {
  readonly name: string;
  readonly virtual_hosts?: { readonly name: string; readonly routes?: { readonly name?: string; readonly route?: Record<string, unknown> }[] }[];
}

/** The names of the routes of one virtual host (`<host>:<port>`) of a route configuration. */
export function routeNames(configuration: RouteConfiguration | undefined, virtualHost: string): string[] | undefined {
  return configuration?.virtual_hosts?.find((host) => host.name === virtualHost)?.routes?.map((route) => route.name ?? '');
}

/** GET of a replica's monitoring port (`/metrics`, `/debug/rejected`, …); fails unless it answers 200. */
export async function replicaGet(replica: Pod, path: string): Promise<string> {
  const { status, body } = await reconcilerOps(replica, path);
  if (status !== 200) throw new Error(`GET ${path} of ${replica.metadata.name} answered ${status}: ${body.slice(0, 500)}`);
  return body;
}

/** A replica's JSON debug view, e.g. `/debug/rejected`. */
export async function replicaDebug<T>(replica: Pod, path: string): Promise<T> {
  return JSON.parse(await replicaGet(replica, path)) as T;
}

/** The value of one sample of a counter or gauge in a replica's `/metrics` (0 when absent). */
export async function replicaMetric(replica: Pod, sample: string): Promise<number> {
  return (await reconcilerMetric(replica, sample)) ?? 0;
}
