/**
 * Fields that change what Istio does but that this control plane's translation does not apply.
 * The object is still served (everything else in it is applied); each such field is reported per
 * object as "not applied" (`/debug/rejected` → `notApplied`), never ignored quietly.
 */
import type { MeshObject } from '../push/contract';
import { isRecord } from './kubectl-objects';
import { GatewayServer, servedServerKind } from '../xds/translate/gateway-servers';

interface UnsupportedField {
  /** Dot path below the object; `*` walks every entry of a list. */
  readonly path: string;
  readonly reason: string;
  /** A value that means the same as the field's absence. */
  readonly harmless?: (value: unknown) => boolean;
}

const EXPORT_TO: UnsupportedField = {
  path: 'spec.exportTo',
  reason: 'visibility by namespace is not applied: the object is visible to every namespace',
  harmless: (value) => Array.isArray(value) && value.every((entry) => entry === '*'),
};

/** Every place a DestinationRule holds a traffic policy. */
const TRAFFIC_POLICIES = ['spec.trafficPolicy', 'spec.trafficPolicy.portLevelSettings.*', 'spec.subsets.*.trafficPolicy', 'spec.subsets.*.trafficPolicy.portLevelSettings.*'];

const trafficPolicyFields = (field: string, reason: string): UnsupportedField[] =>
  TRAFFIC_POLICIES.map((policy) => ({ path: `${policy}.${field}`, reason }));

const UNSUPPORTED_BY_KIND: Readonly<Record<string, readonly UnsupportedField[]>> = {
  VirtualService: [
    { path: 'spec.tcp', reason: 'TCP routes are not applied: TCP traffic to these hosts goes to the destination service as if they were absent' },
    { path: 'spec.tls', reason: 'TLS (SNI) routes are not applied: TLS traffic to these hosts goes to the destination service as if they were absent' },
    EXPORT_TO,
    { path: 'spec.http.*.delegate', reason: 'delegation to another VirtualService is not applied; the route has no destination' },
    { path: 'spec.http.*.retries.retryRemoteLocalities', reason: 'retries to other localities are not applied (no locality-aware load balancing)' },
  ],
  DestinationRule: [
    EXPORT_TO,
    ...trafficPolicyFields('loadBalancer.localityLbSetting', 'locality load balancing is not applied: endpoints of every locality share the load'),
    ...trafficPolicyFields('loadBalancer.warmupDurationSecs', 'slow start (warmup) is not applied'),
    ...trafficPolicyFields('loadBalancer.warmup', 'slow start (warmup) is not applied'),
    ...trafficPolicyFields('connectionPool.tcp.maxConnectionDuration', 'the maximum connection duration is not applied'),
    ...trafficPolicyFields('tunnel', 'tunneling (HTTP CONNECT) is not applied'),
    ...trafficPolicyFields('proxyProtocol', 'the PROXY protocol is not applied'),
    ...trafficPolicyFields('tls.credentialName', 'certificates from a Secret (credentialName) are not applied to sidecars: '
      + 'TLS is originated with the caCertificates, clientCertificate and privateKey files only (with MUTUAL and no files, no client certificate is presented)'),
  ],
  ServiceEntry: [
    EXPORT_TO,
    { path: 'spec.subjectAltNames', reason: 'the identities to verify on these endpoints are not applied' },
    {
      path: 'spec.resolution',
      reason: 'resolution DYNAMIC_DNS (resolving each request\'s host) is not applied: the hosts are served as resolution NONE, '
        + 'to the address the client connected to; use DNS with the hosts listed',
      harmless: (value) => value !== 'DYNAMIC_DNS',
    },
  ],
  Gateway: [{
    path: 'spec.servers.*',
    reason: 'the server is not served (no listener): the reconciler serves gateway servers of protocol HTTP, HTTP2 or GRPC, '
      + 'and HTTPS with tls.mode SIMPLE; TCP, TLS and other protocols, and TLS passthrough or mutual TLS, are not translated',
    harmless: (server) => isRecord(server) && servedServerKind(server as unknown as GatewayServer) !== undefined,
  }],
  Sidecar: [
    { path: 'spec.egress.*.captureMode', reason: 'captureMode is not applied: the proxy\'s own interception mode decides' },
    { path: 'spec.ingress.*.captureMode', reason: 'captureMode is not applied: the proxy\'s own interception mode decides' },
    { path: 'spec.ingress.*.tls', reason: 'TLS termination on an ingress listener is not applied' },
    { path: 'spec.ingress.*.connectionPool', reason: 'connection pool settings of an ingress listener are not applied' },
    { path: 'spec.inboundConnectionPool', reason: 'inbound connection pool settings are not applied' },
    { path: 'spec.outboundTrafficPolicy.egressProxy', reason: 'an egress proxy for unknown destinations is not applied' },
  ],
};

/** The unsupported fields an object sets, with their concrete paths (`spec.http[2].delegate`). */
export function unsupportedFields(object: MeshObject): { path: string; reason: string }[] {
  const found: { path: string; reason: string }[] = [];
  for (const field of UNSUPPORTED_BY_KIND[object.kind] ?? []) {
    for (const path of presentPaths(object, field.path.split('.'), '', field.harmless)) found.push({ path, reason: field.reason });
  }
  return found;
}

function presentPaths(value: unknown, segments: readonly string[], at: string, harmless?: (value: unknown) => boolean): string[] {
  if (segments.length === 0) return isSet(value) && !harmless?.(value) ? [at] : [];
  const [segment, ...rest] = segments;
  if (segment === '*') {
    return Array.isArray(value) ? value.flatMap((item, index) => presentPaths(item, rest, `${at}[${index}]`, harmless)) : [];
  }
  if (!isRecord(value) || !Object.prototype.hasOwnProperty.call(value, segment)) return [];
  return presentPaths(value[segment], rest, at === '' ? segment : `${at}.${segment}`, harmless);
}

/** An empty list or map changes nothing, so it is not reported. */
function isSet(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}
