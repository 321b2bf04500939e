/**
 * The security translation behind the routing generators' SecurityExtensions hooks: inbound mTLS
 * per PeerAuthentication, JWT and RBAC filters on inbound HTTP ports, mesh mTLS or the TLS a
 * DestinationRule asks for on outbound clusters, and the proxy's SDS secrets.
 */
import type { ProxyIdentity, XdsResource } from '../../../push/contract';
import type { PushContext } from '../../../push/push-context';
import type { MeshService, ServicePort, WorkloadInstance } from '../../../push/service-model';
import { spiffeId } from '../../../security/spiffe';
import type { WorkloadCertificate } from '../../../security/workload-certs';
import type { SecurityExtensions } from '../extension-points';
import { DEFAULT_PUBLIC_CA_BUNDLE, translateRequestAuthentication } from './jwt';
import { inboundMtlsTransportSocket, upstreamMtlsTransportSocket, upstreamTlsDecision } from './mtls';
import { MtlsMode, resolveMtlsMode } from './peer-authentication';
import { DEFAULT_ROOT_NAMESPACE } from './policy-scope';
import { translateAuthorizationPolicies } from './rbac';
import { identitySecret, rootCaSecret } from './sds';
import { originatesUserTls, userTlsTransportSocket } from './user-tls';

export interface SecurityExtensionOptions {
  readonly rootCertificatePem: string;
  /** Synchronous access to already-issued certificates (WorkloadCertificateCache.peek). */
  readonly certificates: { peek(identity: { namespace: string; serviceAccount: string }): WorkloadCertificate | undefined };
  /** @default istio-system */
  readonly rootNamespace?: string;
}

type PolicyKind = 'PeerAuthentication' | 'RequestAuthentication' | 'AuthorizationPolicy';

/** The policies of one kind in the namespace and the root namespace, as objects. */
function policyObjects(push: PushContext, kind: PolicyKind, namespace: string, rootNamespace: string) {
  const namespaces = namespace === rootNamespace ? [namespace] : [rootNamespace, namespace];
  return namespaces.flatMap((ns) => push.policiesIn(kind, ns).map((config) => config.object));
}

function modeFor(push: PushContext, workload: { namespace: string; labels: Readonly<Record<string, string>> }, port: number, rootNamespace: string): MtlsMode {
  const objects = policyObjects(push, 'PeerAuthentication', workload.namespace, rootNamespace);
  return resolveMtlsMode(objects, workload, port, rootNamespace, push.mesh.defaultMtlsMode);
}

/**
 * Who runs a sidecar: a WorkloadEntry with a service account, and a Pod (or the EndpointSlice
 * endpoint of one) labelled `security.istio.io/tlsMode: istio` as injection labels it, like
 * Istio's auto-mTLS. Uninjected Pods and ServiceEntry endpoints are plain workloads.
 */
function destinationPeers(push: PushContext, service: MeshService, port: ServicePort, rootNamespace: string) {
  const endpoints = push.endpointsFor(service, port);
  const withSidecar = endpoints.filter((endpoint) => runsSidecar(endpoint.instance));
  const allAcceptMtls = endpoints.length > 0 && withSidecar.length === endpoints.length
    && withSidecar.every((endpoint) => modeFor(push, endpoint.instance, endpoint.port, rootNamespace) !== 'DISABLE');
  const spiffeIds = withSidecar.map((endpoint) => spiffeId(push.mesh.trustDomain, { namespace: endpoint.instance.namespace, serviceAccount: endpoint.instance.serviceAccount! }));
  return { allAcceptMtls, spiffeIds };
}

const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

function runsSidecar(instance: WorkloadInstance): boolean {
  if (!instance.serviceAccount) return false;
  if (instance.kind === 'WorkloadEntry') return true;
  return (instance.kind === 'Pod' || instance.kind === 'EndpointSlice') && instance.labels[TLS_MODE_LABEL] === 'istio';
}

export function createSecurityExtensions(options: SecurityExtensionOptions): SecurityExtensions {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const requestAuthentication = (push: PushContext, proxy: ProxyIdentity) =>
    translateRequestAuthentication(policyObjects(push, 'RequestAuthentication', proxy.namespace, rootNamespace), proxy, rootNamespace);
  return {
    inboundTls({ push, proxy, port }) {
      const mode = modeFor(push, proxy, port, rootNamespace);
      return mode === 'DISABLE' ? undefined : { transportSocket: inboundMtlsTransportSocket(), allowPlaintext: mode === 'PERMISSIVE' };
    },
    inboundHttpFilters({ push, proxy }) {
      const jwt = requestAuthentication(push, proxy);
      const rbac = translateAuthorizationPolicies(policyObjects(push, 'AuthorizationPolicy', proxy.namespace, rootNamespace), proxy,
        { rootNamespace, trustDomain: push.mesh.trustDomain });
      return [...(jwt.httpFilter ? [jwt.httpFilter] : []), ...rbac];
    },
    upstreamTransportSocket({ push, service, port, subset, tls, http2, policyField }) {
      if (originatesUserTls(tls)) return userTlsTransportSocket(tls, { publicCaBundle: DEFAULT_PUBLIC_CA_BUNDLE, http2, field: policyField });
      const peers = destinationPeers(push, service, port, rootNamespace);
      const decision = upstreamTlsDecision({
        destinationRuleTlsMode: tls?.mode,
        destinationMtlsMode: peers.allAcceptMtls ? 'STRICT' : 'DISABLE',
        destinationHasSidecar: peers.allAcceptMtls,
      });
      if (decision !== 'ISTIO_MUTUAL') return undefined;
      return upstreamMtlsTransportSocket({ host: service.hostname, port: port.number, subset, peerSpiffeIds: peers.spiffeIds, trustDomain: push.mesh.trustDomain });
    },
    extraClusters(push, proxy) {
      return requestAuthentication(push, proxy).clusters;
    },
    secrets(_push: PushContext, proxy: ProxyIdentity): readonly XdsResource[] {
      const certificate = options.certificates.peek({ namespace: proxy.namespace, serviceAccount: proxy.serviceAccount });
      return [...(certificate ? [identitySecret(certificate)] : []), rootCaSecret(options.rootCertificatePem)];
    },
  };
}
