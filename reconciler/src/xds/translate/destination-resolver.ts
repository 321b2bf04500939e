/** Resolves VirtualService destinations to cluster names and their DestinationRule hash policy. */
import type { ProxyIdentity } from '../../push/contract';
import { resolveHost } from '../../push/host-names';
import type { ConsistentHashLb, Destination } from '../../push/istio-spec';
import type { PushContext } from '../../push/push-context';
import { outboundClusterName } from '../naming';
import { toProtoDuration } from './duration';
import { effectiveTrafficPolicy } from './traffic-policy';

export interface ResolvedDestination {
  readonly clusterName: string;
  readonly hostname: string;
  readonly port: number;
  readonly subset?: string;
}

export class DestinationResolver {
  constructor(private readonly push: PushContext, private readonly proxy: ProxyIdentity) {}

  /**
   * A destination without a port goes to the service's only port, else to the port the request
   * arrived on (Istio requires the port only when the service has several).
   */
  resolve(destination: Destination, configNamespace: string, requestPort: number): ResolvedDestination {
    const hostname = resolveHost(destination.host, configNamespace, this.push.mesh.clusterDomain);
    const servicePorts = this.push.serviceByHost(hostname)?.ports ?? [];
    const port = destination.port?.number ?? (servicePorts.length === 1 ? servicePorts[0].number : requestPort);
    return { clusterName: outboundClusterName(port, destination.subset, hostname), hostname, port, subset: destination.subset };
  }

  /** Envoy `hash_policy` for a destination whose DestinationRule asks for consistent hashing. */
  hashPolicy(destination: ResolvedDestination, field: string): Record<string, unknown>[] | undefined {
    const rule = this.push.destinationRuleFor(destination.hostname, this.proxy);
    const hash = effectiveTrafficPolicy(rule?.spec, destination.port, destination.subset).loadBalancer?.consistentHash;
    return hash ? translateHashPolicy(hash, `${field}.trafficPolicy.loadBalancer.consistentHash`) : undefined;
  }
}

function translateHashPolicy(hash: ConsistentHashLb, field: string): Record<string, unknown>[] | undefined {
  if (hash.httpHeaderName) {
    return [{ header: { header_name: hash.httpHeaderName } }];
  }
  if (hash.httpCookie) {
    return [{
      cookie: {
        name: hash.httpCookie.name,
        ...(hash.httpCookie.path ? { path: hash.httpCookie.path } : {}),
        ...(hash.httpCookie.ttl ? { ttl: toProtoDuration(hash.httpCookie.ttl, `${field}.httpCookie.ttl`) } : {}),
      },
    }];
  }
  if (hash.useSourceIp) {
    return [{ connection_properties: { source_ip: true } }];
  }
  if (hash.httpQueryParameterName) {
    return [{ query_parameter: { name: hash.httpQueryParameterName } }];
  }
  return undefined;
}
