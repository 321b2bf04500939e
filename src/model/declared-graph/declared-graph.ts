/**
 * The mesh as its configuration declares it: services and their versions, gateways, external
 * services, and the edges the routing, dependency and authorization objects draw between them.
 * Plain data, built from synthesized (or ingested) Kubernetes objects, with no traffic numbers.
 */

/** Mutual TLS mode a workload accepts, as PeerAuthentication spells it. */
export type DeclaredMtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** One version (workload) of a service, from a Deployment's `version` label or a DestinationRule subset. */
export interface DeclaredVersion {
  /** `version:<namespace>/<service>/<version>`. */
  readonly id: string;
  readonly name: string;
  /** Names of the Deployments running it; empty when only a DestinationRule subset names it. */
  readonly workloads: readonly string[];
}

/** A fault injected on one HTTP route. */
export interface DeclaredFault {
  /** Route the fault is on (its name, or `#<index>`). */
  readonly route: string;
  /** What the fault does, e.g. `abort 503 · 50 %`. */
  readonly summary: string;
  /** The route's match, e.g. `header x-chaos=on`; empty for every request. */
  readonly match: string;
  /** The time window the fault is declared for, e.g. `2024-05-01T09:00Z → 10:00Z`; empty for always. */
  readonly window: string;
}

/** An authorization rule whose source is not a service of the mesh (a namespace, anyone, an IP block). */
export interface DeclaredAuthorizationRule {
  readonly action: string;
  /** `<namespace>/<name>` of the AuthorizationPolicy. */
  readonly policy: string;
  /** Who the rule is about, e.g. `namespace untrusted`, `anyone`. */
  readonly from: string;
  /** What the rule is about, e.g. `GET /api/*`; empty for any request. */
  readonly to: string;
}

/** A Kubernetes Service of the mesh, or a host that routing names with no Service behind it. */
export interface DeclaredService {
  /** `service:<namespace>/<name>`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  /** Fully qualified host name, `<name>.<namespace>.svc.<clusterDomain>`. */
  readonly host: string;
  /** Ports as `<name> <port>`, sorted. */
  readonly ports: readonly string[];
  /** Sorted by name. */
  readonly versions: readonly DeclaredVersion[];
  /** Mode of the PeerAuthentication that applies to its workloads (or the mesh default). */
  readonly mtlsMode: DeclaredMtlsMode;
  /** `<namespace>/<name>` of the PeerAuthentication that sets `mtlsMode`; empty for the mesh default. */
  readonly mtlsSource: string;
  /** `<namespace>/<name>` of the VirtualServices routing its host, sorted. */
  readonly virtualServices: readonly string[];
  readonly faults: readonly DeclaredFault[];
  /** The declared progressive rollout, stable → canary and the canary's weights, e.g. `v1 → v2: 10 % → 50 % → 100 %`; empty for none. */
  readonly rollout: string;
  readonly authorizationRules: readonly DeclaredAuthorizationRule[];
  /** False for a host that routing names but no Service declares. */
  readonly declared: boolean;
}

/** An Istio Gateway. */
export interface DeclaredGateway {
  /** `gateway:<namespace>/<name>`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  /** Servers as `<protocol> <port> <hosts>`, in declaration order. */
  readonly servers: readonly string[];
}

/** A ServiceEntry: hosts outside the Kubernetes service registry. */
export interface DeclaredExternalService {
  /** `external:<namespace>/<name>`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  /** Sorted. */
  readonly hosts: readonly string[];
  /** Ports as `<protocol> <port>`. */
  readonly ports: readonly string[];
  /** `MESH_EXTERNAL` or `MESH_INTERNAL`. */
  readonly location: string;
  /** `DNS`, `STATIC`, `NONE`, … */
  readonly resolution: string;
}

/**
 * What an edge means: a routing destination, a mirror, a declared dependency (a workload's
 * `mesh.cdk8s.io/dependencies`), or an authorization rule naming the caller.
 */
export type DeclaredEdgeKind = 'route' | 'mirror' | 'dependency' | 'allow' | 'deny';

/** A directed edge between two nodes of the graph. */
export interface DeclaredEdge {
  /** Unique and stable: `<kind>:<from>-><to>#<n>`. */
  readonly id: string;
  readonly kind: DeclaredEdgeKind;
  /** Id of a service, gateway or external service. */
  readonly from: string;
  /** Id of a service, version, gateway or external service. */
  readonly to: string;
  /** Declared weight in percent for routes and mirrors; undefined where none applies. */
  readonly weight?: number;
  /** The route's match summary, empty for every request. */
  readonly match: string;
  /** `<namespace>/<name>` of the object that declares the edge, with the route name after '#'. */
  readonly source: string;
  /** Fault on the route, e.g. `abort 503 · 50 %`; empty for none. */
  readonly fault: string;
}

/**
 * The declared graph of one mesh. Nodes are sorted by id; edges follow the objects sorted by name and
 * each object's routes in declaration order. Equal objects, in any order, give an equal graph.
 */
export interface DeclaredGraph {
  readonly gateways: readonly DeclaredGateway[];
  readonly services: readonly DeclaredService[];
  readonly externalServices: readonly DeclaredExternalService[];
  readonly edges: readonly DeclaredEdge[];
}
