/**
 * The narrow seams between the reconciler's layers, so each side is testable with a fake of the other:
 *   config source → ingest (parse + validate) → PushContext → generators (per proxy) → snapshot → ADS.
 */
import type { InterceptionMode } from '../model';

/** One Kubernetes-shaped object as read from YAML or the API server. */
export interface MeshObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: any;
  readonly [field: string]: unknown;
}

/** Where an object came from, for error reports: a file path (and document index) or an API URL. */
export interface ObjectOrigin {
  readonly source: string;
  /** 0-based document of the file. */
  readonly index?: number;
  /** 0-based position in the document's `items`, for an object of a List. */
  readonly item?: number;
  /** 1-based line where its document starts. */
  readonly line?: number;
}

/** An object that failed validation and is not served; the reason names the object and the fix. */
export interface RejectedObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly origin: ObjectOrigin;
  readonly reasons: readonly string[];
}

/**
 * An object the reconciler reads but does not serve, and why: Kubernetes workload config
 * (`not-mesh-config`), an Istio kind this control plane does not implement (`unsupported-kind`,
 * valid against its CRD), or a kind it does not know at all (`unknown-kind`, e.g. a typo).
 */
export interface IgnoredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly origin: ObjectOrigin;
  readonly category: 'not-mesh-config' | 'unsupported-kind' | 'unknown-kind';
  readonly reason: string;
}

/** Fields of a served object that change behaviour in Istio but are not applied here. */
export interface NotAppliedFields {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly origin: ObjectOrigin;
  readonly fields: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Istio's proxy types: a `sidecar` sits next to one workload; a `router` is a standalone gateway
 * (node id `router~…`) configured by the Gateways that select its labels.
 */
export type ProxyType = 'sidecar' | 'router';

/** The identity and placement of one connected proxy, parsed from its xDS node. */
export interface ProxyIdentity {
  readonly id: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly instanceIp: string;
  readonly interceptionMode: InterceptionMode;
  /** @default 'sidecar' */
  readonly proxyType?: ProxyType;
  /** The raw node metadata, for fields a generator may need beyond the above. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * One xDS resource in proto3 JSON form, the same shape as Envoy's YAML config: snake_case field
 * names, `Any` as `{ '@type': 'type.googleapis.com/…', …fields }`, `Duration` as `'1.5s'`,
 * wrapper types as bare values, enums by name. The codec turns it into protobuf bytes.
 */
export interface XdsResource {
  readonly name: string;
  readonly resource: Record<string, unknown>;
}

export const TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type TypeUrl = typeof TYPE_URLS[keyof typeof TYPE_URLS];

/** Everything one proxy should hold, by type URL. */
export type ProxyResources = ReadonlyMap<TypeUrl, readonly XdsResource[]>;
