/**
 * Generation work shared between the proxies of one push. Proxies in one scope (same namespace,
 * same labels as far as routing selectors read them, same visible services, same interception
 * mode) get identical clusters, endpoints and routes; each is built once per push and the same
 * resource objects (and lists) go to every proxy of the scope, so the encoder serializes, hashes
 * and versions them once and the proxies' snapshots share them.
 *
 * A memo key must name everything its value is derived from besides the push itself. Listeners
 * (instance IP, inbound policy per workload) and secrets (per identity, rotating) stay per proxy.
 *
 * Each value remembers which endpoints and workloads its build read (the push's read tracker). A
 * push that differs from the previous one only in workloads starts with the previous values that
 * push used and that read none of the changed ones: after an endpoint change, the clusters and
 * routes of the other services are the same objects as before, so the encoder does not serialize
 * them again either.
 */
import { createHash } from 'crypto';
import type { ProxyIdentity } from '../../push/contract';
import type { PushContext } from '../../push/push-context';
import type { MeshService } from '../../push/service-model';
import type { SecurityExtensions } from '../translate/extension-points';
import { PairCache } from '../pair-cache';

interface MemoEntry {
  readonly value: unknown;
  readonly reads: ReadonlySet<string>;
  /** The keys of the values its build used: they are in use whenever it is. */
  readonly parts: readonly string[];
}

export class SharedGeneration {
  private readonly values = new Map<string, MemoEntry>();
  /**
   * The keys this push's generation used. Only those pass to the next push: the values of proxies
   * gone (keyed by their own address, say) end with the push after they left, instead of piling up
   * while only endpoints change. Every connected proxy is generated in each push, so no value in
   * use is dropped.
   */
  private readonly used = new Set<string>();
  /** The part lists of the values being built, innermost last. */
  private readonly building: string[][] = [];
  private readonly serviceDigests = new WeakMap<readonly MeshService[], string>();
  /** Values taken over from the previous push (for tests and metrics). */
  readonly reused: number;

  constructor(private readonly push: PushContext, previous?: SharedGeneration, changed?: ReadonlySet<string>) {
    let reused = 0;
    if (previous && changed) {
      for (const [key, entry] of previous.values) {
        if (previous.used.has(key) && readsNoneOf(entry.reads, changed)) {
          this.values.set(key, entry);
          reused += 1;
        }
      }
    }
    this.reused = reused;
  }

  /** The value built for `key` during this push (or reused from the previous one), built by `build` on first use. */
  memo<T>(key: string, build: () => T): T {
    this.building[this.building.length - 1]?.push(key);
    const known = this.values.get(key);
    if (known) {
      // An enclosing value depends on what this one read.
      this.push.reads.record(known.reads);
      this.markUsed(key, known);
      return known.value as T;
    }
    const parts: string[] = [];
    this.building.push(parts);
    let built: { value: T; reads: ReadonlySet<string> };
    try {
      built = this.push.reads.collect(build);
    } finally {
      this.building.pop();
    }
    this.values.set(key, { value: built.value, reads: built.reads, parts });
    this.used.add(key);
    return built.value;
  }

  /** A value reused whole still uses its parts: a later push that rebuilds it wants them. */
  private markUsed(key: string, entry: MemoEntry): void {
    if (this.used.has(key)) return;
    this.used.add(key);
    for (const part of entry.parts) {
      const partEntry = this.values.get(part);
      if (partEntry) this.markUsed(part, partEntry);
    }
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

const byPush = new PairCache<PushContext, SecurityExtensions, SharedGeneration>();

/** The shared generation of a push and a set of security hooks; released with the push. */
export function sharedGenerationFor(push: PushContext, extensions: SecurityExtensions): SharedGeneration {
  return byPush.get(push, extensions, () => {
    const inherited = push.inherited();
    const previous = inherited ? byPush.peek(inherited.previous, extensions) : undefined;
    return new SharedGeneration(push, previous, inherited?.changes.changed);
  });
}

function readsNoneOf(reads: ReadonlySet<string>, changed: ReadonlySet<string>): boolean {
  const [small, large] = reads.size <= changed.size ? [reads, changed] : [changed, reads];
  for (const key of small) if (large.has(key)) return false;
  return true;
}
