/**
 * Generation work shared between the proxies of one push. Proxies in one scope (same namespace,
 * same labels as far as routing selectors read them, same visible services, same interception
 * mode) get identical clusters, endpoints and routes; each is built once per push and the same
 * resource objects (and lists) go to every proxy of the scope, so the encoder serializes, hashes
 * and versions them once and the proxies' snapshots share them.
 *
 * A memo key must name everything its value is derived from besides the push itself. Listeners
 * (instance IP, inbound policy per workload) and secrets (per identity, rotating) stay per proxy.
 */
import { createHash } from 'crypto';
import type { ProxyIdentity } from '../../push/contract';
import type { PushContext } from '../../push/push-context';
import type { MeshService } from '../../push/service-model';
import type { SecurityExtensions } from '../translate/extension-points';

export class SharedGeneration {
  private readonly values = new Map<string, unknown>();
  private readonly serviceDigests = new WeakMap<readonly MeshService[], string>();

  constructor(private readonly push: PushContext) {}

  /** The value built for `key` during this push, built by `build` on first use. */
  memo<T>(key: string, build: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = build();
    this.values.set(key, value);
    return value;
  }

  /** Which services a list holds, as a digest: visible service lists run to thousands of hosts. */
  servicesKey(services: readonly MeshService[]): string {
    let digest = this.serviceDigests.get(services);
    if (digest === undefined) {
      digest = createHash('sha256').update(services.map((service) => service.hostname).join('\n')).digest('base64');
      this.serviceDigests.set(services, digest);
    }
    return digest;
  }

  /**
   * What the routing translation reads of a proxy besides its service lists: the namespace
   * (DestinationRule precedence, short host names, `sourceNamespace`), the labels routing
   * selectors read, and the interception mode (catch-all routes, passthrough clusters).
   */
  routingScope(proxy: ProxyIdentity): string {
    const labels = this.push.routingLabelKeys.map((key) => [key, proxy.labels[key] ?? null]);
    return JSON.stringify([proxy.namespace, proxy.interceptionMode, labels]);
  }

  /** Number of memoized values (for tests). */
  get size(): number {
    return this.values.size;
  }
}

const byPush = new WeakMap<PushContext, WeakMap<SecurityExtensions, SharedGeneration>>();

/** The shared generation of a push and a set of security hooks; released with the push. */
export function sharedGenerationFor(push: PushContext, extensions: SecurityExtensions): SharedGeneration {
  let byExtensions = byPush.get(push);
  if (!byExtensions) {
    byExtensions = new WeakMap();
    byPush.set(push, byExtensions);
  }
  let shared = byExtensions.get(extensions);
  if (!shared) {
    shared = new SharedGeneration(push);
    byExtensions.set(extensions, shared);
  }
  return shared;
}
