/** `build*`: the virtual hosts of an outbound route configuration. */
import { isIP } from 'net';
import type { OutboundTrafficPolicyMode } from '../../push/mesh-settings';
import type { MeshService } from '../../push/service-model';
import { PASSTHROUGH_CLUSTER } from '../naming';

/**
 * The names a client may use for a service: a k8s Service `reviews` in `bookinfo` is reachable as
 * `reviews.bookinfo.svc.cluster.local`, its absolute form with a trailing dot, `reviews.bookinfo.svc`,
 * `reviews.bookinfo` and, from its own namespace only, `reviews`; each also with `:<port>`, plus
 * its virtual IPs.
 */
export function serviceDomains(service: MeshService, port: number, clientNamespace: string, clusterDomain: string): string[] {
  // A client that resolved the absolute name sends it as the Host, as istiod also admits.
  const names = isIP(service.hostname) ? [service.hostname] : [service.hostname, `${service.hostname}.`];
  const kubernetesSuffix = `.${service.namespace}.svc.${clusterDomain}`;
  if (service.kind === 'Service' && service.hostname.endsWith(kubernetesSuffix)) {
    const shortName = service.hostname.slice(0, -kubernetesSuffix.length);
    names.push(`${shortName}.${service.namespace}.svc`, `${shortName}.${service.namespace}`);
    if (service.namespace === clientNamespace) {
      names.push(shortName);
    }
  }
  names.push(...service.addresses.filter((address) => !address.includes('/')));
  return names.flatMap((name) => [name, `${name}:${port}`]);
}

/**
 * Envoy rejects a route configuration in which two virtual hosts share a domain, so a domain is
 * kept only by the first virtual host (services are visited in host order).
 */
export class DomainAllocator {
  private readonly taken = new Set<string>();

  claim(domains: readonly string[]): string[] {
    const free = domains.filter((domain) => !this.taken.has(domain));
    free.forEach((domain) => this.taken.add(domain));
    return free;
  }
}

/**
 * Requests for hosts outside the registry: ALLOW_ANY passes them to the original destination,
 * REGISTRY_ONLY answers 502 like Istio's `block_all`. Without an original destination (NONE
 * mode binds real ports) there is nowhere to pass through, so no catch-all is added.
 */
export function buildCatchAllVirtualHost(mode: OutboundTrafficPolicyMode, hasOriginalDestination: boolean): Record<string, unknown> | undefined {
  if (mode === 'REGISTRY_ONLY') {
    return { name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] };
  }
  if (!hasOriginalDestination) {
    return undefined;
  }
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s' } }],
  };
}
