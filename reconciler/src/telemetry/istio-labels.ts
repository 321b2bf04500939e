/**
 * Istio's standard metric labels for one edge, as Prometheus, Istio's Grafana dashboards and Kiali
 * read them. Kiali (v1.89) builds its graph from `reporter="source"` for a namespace's outgoing
 * traffic and `reporter="destination"` for its incoming traffic, dedupes the two by labels, takes
 * `isMTLS` from `connection_security_policy="mutual_tls"` of destination reports, and skips series
 * without the `*_canonical_*` labels, so every label is always present.
 *
 * What is derived: the source is the reporting proxy; the destination is the cluster's service,
 * its subset's version and the workloads behind it in the registry (`unknown` where they differ);
 * principals are the SPIFFE ids of the service accounts, known only when the connections are mutual
 * TLS; the security policy is learnt from the TLS handshakes of the source's connections. A
 * destination report is what the source measured of requests that reached the destination,
 * emitted only when every workload behind the cluster runs a reporting proxy (Envoy's inbound
 * stats do not say who called).
 */
import type { SourcePeer } from './traffic-series';
import type { RequestProtocol, TrafficDestination } from './traffic-destination';
import { principalOf, UNKNOWN, WorkloadPeer } from './workload-peer';

export type Reporter = 'source' | 'destination';

/** Istio's cluster id when none is configured (Istio's own default): what Kiali's `kubernetes_config.cluster_name` must match. */
export const DEFAULT_ISTIO_CLUSTER_NAME = 'Kubernetes';

/** Istio's label names, in the order every series carries them. */
export const ISTIO_LABELS = [
  'reporter', 'source_workload', 'source_workload_namespace', 'source_app', 'source_version',
  'source_canonical_service', 'source_canonical_revision', 'source_principal', 'source_cluster',
  'destination_service', 'destination_service_name', 'destination_service_namespace',
  'destination_workload', 'destination_workload_namespace', 'destination_app', 'destination_version',
  'destination_canonical_service', 'destination_canonical_revision', 'destination_principal', 'destination_cluster',
  'response_code', 'response_flags', 'connection_security_policy', 'request_protocol', 'grpc_response_status',
] as const;

export type IstioLabelName = typeof ISTIO_LABELS[number];

/** The labels of an edge that do not vary per response: all but code, flags and gRPC status. */
export type EdgeLabels = Omit<Record<IstioLabelName, string>, 'response_code' | 'response_flags' | 'grpc_response_status'>;

export interface EdgeLabelInput {
  readonly reporter: Reporter;
  readonly source: SourcePeer;
  readonly destination: TrafficDestination;
  readonly protocol: RequestProtocol;
  readonly mtls: boolean;
  readonly trustDomain: string;
  /** Istio's cluster id of this mesh, `Kubernetes` by default. */
  readonly clusterName: string;
}

export function edgeLabels(input: EdgeLabelInput): EdgeLabels {
  const { source, destination } = input;
  const peer = commonPeer(destination.workloads);
  const service = destination.service;
  return {
    reporter: input.reporter,
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    source_app: source.app,
    source_version: source.version,
    source_canonical_service: source.canonicalService,
    source_canonical_revision: source.canonicalRevision,
    source_principal: input.mtls ? source.principal : UNKNOWN,
    source_cluster: input.clusterName,
    destination_service: service?.host ?? destination.cluster,
    destination_service_name: service?.name ?? destination.cluster,
    destination_service_namespace: service?.namespace ?? UNKNOWN,
    destination_workload: peer.workload,
    destination_workload_namespace: peer.namespace,
    destination_app: peer.app,
    destination_version: destination.version !== UNKNOWN ? destination.version : peer.version,
    destination_canonical_service: peer.canonicalService,
    destination_canonical_revision: peer.canonicalRevision,
    destination_principal: input.mtls ? principalOf(peer, input.trustDomain) : UNKNOWN,
    destination_cluster: input.clusterName,
    connection_security_policy: input.reporter === 'source' ? UNKNOWN : input.mtls ? 'mutual_tls' : 'none',
    request_protocol: input.protocol,
  };
}

/** What all the workloads share, field by field; unknown where they differ (or there are none). */
function commonPeer(workloads: readonly WorkloadPeer[]): WorkloadPeer {
  const shared = (field: keyof WorkloadPeer): string | undefined => {
    const values = new Set(workloads.map((workload) => workload[field]));
    return values.size === 1 ? [...values][0] : undefined;
  };
  return {
    workload: shared('workload') ?? UNKNOWN,
    namespace: shared('namespace') ?? UNKNOWN,
    app: shared('app') ?? UNKNOWN,
    version: shared('version') ?? UNKNOWN,
    canonicalService: shared('canonicalService') ?? UNKNOWN,
    canonicalRevision: shared('canonicalRevision') ?? UNKNOWN,
    serviceAccount: shared('serviceAccount'),
  };
}
