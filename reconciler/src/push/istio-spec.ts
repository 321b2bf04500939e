/**
 * Named parts of the Istio API objects the translation reads, cut out of the shapes generated from
 * Istio's CRDs (src/model/istio-api.gen.ts), so a field the schema gains or renames shows up here
 * at compile time. The objects have already passed schema validation at ingest; Istio treats an
 * absent field as "use the default", so nearly every field is optional.
 */
import type {
  AuthorizationPolicySpec, DestinationRuleSpec, PeerAuthenticationSpec, RequestAuthenticationSpec,
  ServiceEntrySpec, SidecarSpec, VirtualServiceSpec, WorkloadEntrySpec,
} from '../model';

export type {
  AuthorizationPolicySpec, DestinationRuleSpec, PeerAuthenticationSpec, RequestAuthenticationSpec,
  ServiceEntrySpec, SidecarSpec, VirtualServiceSpec, WorkloadEntrySpec,
};

/** The element type of an optional list field. */
type Item<List> = NonNullable<List> extends ReadonlyArray<infer Element> ? Element : never;
/** An optional object field, present. */
type Field<Parent, Name extends keyof NonNullable<Parent>> = NonNullable<NonNullable<Parent>[Name]>;

export type HttpRoute = Item<VirtualServiceSpec['http']>;
export type HttpMatchRequest = Item<HttpRoute['match']>;
/** exact / prefix / regex: every string match of the API has this shape. */
export type StringMatch = Field<HttpMatchRequest, 'uri'>;
export type HttpRouteDestination = Item<HttpRoute['route']>;
export type Destination = HttpRouteDestination['destination'];
export type PortSelector = Field<Destination, 'port'>;
export type Headers = Field<HttpRoute, 'headers'>;
export type HeaderOperations = Field<Headers, 'request'>;
export type Percent = Field<HttpRoute, 'mirrorPercentage'>;
export type HttpFaultInjection = Field<HttpRoute, 'fault'>;
export type HttpRetry = Field<HttpRoute, 'retries'>;
export type HttpRedirect = Field<HttpRoute, 'redirect'>;
export type HttpRewrite = Field<HttpRoute, 'rewrite'>;
export type CorsPolicy = Field<HttpRoute, 'corsPolicy'>;
export type HttpDirectResponse = Field<HttpRoute, 'directResponse'>;
export type TcpRoute = Item<VirtualServiceSpec['tcp']>;

export type TrafficPolicy = Field<DestinationRuleSpec, 'trafficPolicy'>;
export type PortTrafficPolicy = Item<TrafficPolicy['portLevelSettings']>;
export type LoadBalancerSettings = Field<TrafficPolicy, 'loadBalancer'>;
export type ConsistentHashLb = Field<LoadBalancerSettings, 'consistentHash'>;
export type ConnectionPoolSettings = Field<TrafficPolicy, 'connectionPool'>;
export type OutlierDetection = Field<TrafficPolicy, 'outlierDetection'>;
export type ClientTlsSettings = Field<TrafficPolicy, 'tls'>;
export type Subset = Item<DestinationRuleSpec['subsets']>;

export type IstioPort = Item<ServiceEntrySpec['ports']>;
export type IstioIngressListener = Item<SidecarSpec['ingress']>;
export type IstioEgressListener = Item<SidecarSpec['egress']>;

export type AuthorizationRule = Item<AuthorizationPolicySpec['rules']>;
export type RuleSource = Field<Item<AuthorizationRule['from']>, 'source'>;
export type RuleOperation = Field<Item<AuthorizationRule['to']>, 'operation'>;
export type RuleCondition = Item<AuthorizationRule['when']>;

/** The Kubernetes Service fields the service registry reads (core/v1, not an Istio CRD). */
export interface KubernetesServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface KubernetesServiceSpec {
  selector?: Record<string, string>;
  ports?: KubernetesServicePort[];
  clusterIP?: string;
  type?: string;
  externalName?: string;
}
