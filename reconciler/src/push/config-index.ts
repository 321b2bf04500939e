/** Lookups of Istio routing objects by the host or workload they apply to. */
import type { MeshObject } from './contract';
import { hostMatches, resolveHost } from './host-names';
import type { DestinationRuleSpec, SidecarSpec, VirtualServiceSpec } from './istio-spec';
import { labelsMatch } from './label-selector';
import { namespaceOf } from './service-registry';

/** An Istio object with its spec typed and its namespace resolved. */
export interface ScopedConfig<Spec> {
  readonly name: string;
  readonly namespace: string;
  readonly spec: Spec;
  readonly object: MeshObject;
}

/** A routing object registered under each (resolved) host it names. */
interface HostBinding<Spec> {
  readonly host: string;
  readonly config: ScopedConfig<Spec>;
}

export function scoped<Spec>(object: MeshObject): ScopedConfig<Spec> {
  return { name: object.metadata.name, namespace: namespaceOf(object), spec: (object.spec ?? {}) as Spec, object };
}

/** Orders objects by namespace then name, so "first wins" rules are deterministic. */
export function byNamespaceAndName(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  const left = `${a.namespace}/${a.name}`;
  const right = `${b.namespace}/${b.name}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * VirtualServices bound to the sidecars (`gateways` empty or containing `mesh`). When several name
 * the same host, an exact host beats a wildcard and then the first by namespace/name wins; Istio
 * picks the oldest, which a static config has no notion of.
 */
export class VirtualServiceIndex {
  private readonly bindings = new HostBindingTable<VirtualServiceSpec>();

  constructor(objects: readonly MeshObject[], clusterDomain: string) {
    const configs = objects.map((object) => scoped<VirtualServiceSpec>(object)).sort(byNamespaceAndName);
    for (const config of configs) {
      const gateways = config.spec.gateways ?? [];
      if (gateways.length > 0 && !gateways.includes('mesh')) {
        continue;
      }
      for (const host of config.spec.hosts ?? []) {
        this.bindings.add({ host: resolveHost(host, config.namespace, clusterDomain), config });
      }
    }
  }

  forHost(hostname: string): ScopedConfig<VirtualServiceSpec> | undefined {
    return this.bindings.best(hostname)?.config;
  }
}

/**
 * DestinationRules by host. Istio looks in the client's namespace first, then the service's, then
 * anywhere else; a rule with a `workloadSelector` applies only to the workloads it selects.
 */
export class DestinationRuleIndex {
  private readonly bindings = new HostBindingTable<DestinationRuleSpec>();

  constructor(objects: readonly MeshObject[], clusterDomain: string) {
    for (const config of objects.map((object) => scoped<DestinationRuleSpec>(object)).sort(byNamespaceAndName)) {
      if (config.spec.host) {
        this.bindings.add({ host: resolveHost(config.spec.host, config.namespace, clusterDomain), config });
      }
    }
  }

  forHost(hostname: string, client: { namespace: string; labels: Readonly<Record<string, string>> }, serviceNamespace: string): ScopedConfig<DestinationRuleSpec> | undefined {
    const applies = ({ config }: HostBinding<DestinationRuleSpec>) => {
      const selector = config.spec.workloadSelector?.matchLabels;
      return !selector || (config.namespace === client.namespace && labelsMatch(selector, client.labels));
    };
    for (const namespace of [client.namespace, serviceNamespace]) {
      const found = this.bindings.best(hostname, (binding) => binding.config.namespace === namespace && applies(binding));
      if (found) {
        return found.config;
      }
    }
    return this.bindings.best(hostname, applies)?.config;
  }
}

/** The Sidecar that configures a proxy: one selecting its labels, else its namespace's default. */
export function selectSidecar(sidecars: readonly ScopedConfig<SidecarSpec>[], proxy: { namespace: string; labels: Readonly<Record<string, string>> }): ScopedConfig<SidecarSpec> | undefined {
  const inNamespace = sidecars.filter((sidecar) => sidecar.namespace === proxy.namespace);
  const selecting = inNamespace.find((sidecar) => {
    const selector = sidecar.spec.workloadSelector?.labels;
    return selector && Object.keys(selector).length > 0 && labelsMatch(selector, proxy.labels);
  });
  return selecting ?? inNamespace.find((sidecar) => Object.keys(sidecar.spec.workloadSelector?.labels ?? {}).length === 0);
}

/**
 * Bindings in registration order, indexed by host so a lookup costs the bindings of that host plus
 * the wildcards, not every binding: an exact host wins (the first registered), else the most
 * specific wildcard (longest pattern, the first registered among equals).
 */
class HostBindingTable<Spec> {
  private readonly byHost = new Map<string, HostBinding<Spec>[]>();
  private readonly wildcards: HostBinding<Spec>[] = [];

  add(binding: HostBinding<Spec>): void {
    const sameHost = this.byHost.get(binding.host) ?? [];
    sameHost.push(binding);
    this.byHost.set(binding.host, sameHost);
    if (binding.host.startsWith('*')) {
      this.wildcards.push(binding);
    }
  }

  best(hostname: string, admits: (binding: HostBinding<Spec>) => boolean = () => true): HostBinding<Spec> | undefined {
    const exact = this.byHost.get(hostname)?.find(admits);
    if (exact) {
      return exact;
    }
    let best: HostBinding<Spec> | undefined;
    for (const binding of this.wildcards) {
      if ((!best || binding.host.length > best.host.length) && hostMatches(binding.host, hostname) && admits(binding)) {
        best = binding;
      }
    }
    return best;
  }
}
