/**
 * The specs of a service's one DestinationRule and one VirtualService, merged from the
 * contributions of feature constructs. When nobody contributes routes, the VirtualService holds
 * a single default route to the whole host, so every service has the same two routing objects.
 */
import { ServiceContributions } from './contributions';
import { DestinationRuleSpec, DestinationRuleSpecSubsetsTrafficPolicy, VirtualServiceSpec, VirtualServiceSpecHttp } from '../imports/istio-networking.istio.io';

export interface RoutedService {
  /** Fully qualified host, `<name>.<ns>.svc.<clusterDomain>`. */
  readonly fqdn: string;
  /** Version names, the DestinationRule subsets, in declaration order. */
  readonly versions: readonly string[];
  /** Whether the service has ports routed per request (HTTP, HTTP2, gRPC). */
  readonly hasRequestRoutedPorts: boolean;
  /** Whether the service has ports routed per connection (TCP, TLS, HTTPS). */
  readonly hasConnectionRoutedPorts: boolean;
}

export function renderDestinationRuleSpec(service: RoutedService, contributions: ServiceContributions): DestinationRuleSpec {
  const trafficPolicy = contributions.trafficPolicy();
  return {
    host: service.fqdn,
    ...(trafficPolicy ? { trafficPolicy } : {}),
    subsets: service.versions.map(version => {
      const subsetPolicy = contributions.trafficPolicy(version);
      // The generated subset policy type repeats the host one with its own (identical) enums.
      const subsetTrafficPolicy = subsetPolicy as DestinationRuleSpecSubsetsTrafficPolicy | undefined;
      return { name: version, labels: { version }, ...(subsetTrafficPolicy ? { trafficPolicy: subsetTrafficPolicy } : {}) };
    }),
  };
}

/** The route of a service nobody contributed a catch-all route to: the whole host. */
export function defaultHttpRoute(fqdn: string): VirtualServiceSpecHttp {
  return { name: 'default', route: [{ destination: { host: fqdn } }] };
}

export function renderVirtualServiceSpec(service: RoutedService, contributions: ServiceContributions): VirtualServiceSpec {
  return {
    hosts: [service.fqdn],
    ...(service.hasRequestRoutedPorts ? { http: contributions.httpRoutes(defaultHttpRoute(service.fqdn)) } : {}),
    ...(service.hasConnectionRoutedPorts ? { tcp: [{ route: [{ destination: { host: service.fqdn } }] }] } : {}),
  };
}
