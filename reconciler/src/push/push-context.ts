/**
 * An immutable snapshot of the mesh config, indexed for the generators. Built once per config
 * change and shared by every proxy's generation, so lookups here must never mutate the config;
 * they only note, for the read tracker, which workload-derived facts generation read.
 */
import { applyChaosWindows } from './chaos-window';
import { applyRolloutWeights, RouteWeight } from './rollout-weights';
import { byNamespaceAndName, DestinationRuleIndex, ScopedConfig, scoped, selectSidecar, VirtualServiceIndex } from './config-index';
import type { MeshObject, ProxyIdentity } from './contract';
import { EndpointIndex } from './endpoint-index';
import { changesSince, PushChanges, WORKLOAD_KINDS } from './push-changes';
import { ReadTracker, virtualServiceReadKey, workloadReadKey } from './read-tracker';
import type { DestinationRuleSpec, SidecarSpec, VirtualServiceSpec } from './istio-spec';
import type { MeshSettings } from './mesh-settings';
import type { MeshService, ServiceEndpoint, ServicePort, WorkloadInstance } from './service-model';
import {
  instanceFromPod, instanceFromWorkloadEntry, instancesFromEndpointSlice, namespaceOf,
  serviceFromKubernetes, servicesFromServiceEntry,
} from './service-registry';

/** Kinds whose objects are indexed per namespace and handed to the security translation as is. */
export const POLICY_KINDS = ['PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy'] as const;
export type PolicyKind = typeof POLICY_KINDS[number];

export class PushContext {
  /**
   * @param now the wall clock (epoch ms) that decides which time-boxed faults are in effect
   * @param rolloutWeights the weights running rollouts serve on their routes, in place of the written ones
   */
  static build(
    objects: readonly MeshObject[], mesh: MeshSettings, now: number = Date.now(), rolloutWeights: readonly RouteWeight[] = [], previous?: PushContext,
  ): PushContext {
    const push = new PushContext(objects, mesh, now, rolloutWeights);
    if (previous) {
      // At most one push is linked to: the previous one lets go of its own predecessor.
      previous.inheritance = undefined;
      const changes = changesSince(previous, push);
      if (changes) push.inheritance = { previous, changes };
    }
    return push;
  }

  /** Collects which endpoints and workloads generation reads (see SharedGeneration). */
  readonly reads = new ReadTracker();
  /**
   * Set when the previous push differed only in workloads (Pods, EndpointSlices, WorkloadEntries)
   * and VirtualServices: generation may reuse what it built then that read none of the changed facts.
   */
  private inheritance: { readonly previous: PushContext; readonly changes: PushChanges } | undefined;

  /** When a chaos window next opens or closes (epoch ms): this context is stale from then on. */
  readonly nextChaosWindowBoundary: number | undefined;
  /**
   * The workload label keys any routing selector reads (DestinationRule `workloadSelector`, Sidecar
   * `workloadSelector`, VirtualService `sourceLabels`), sorted: two proxies of one namespace that
   * agree on these labels get the same routing, whatever their other labels.
   */
  readonly routingLabelKeys: readonly string[];

  private readonly servicesByHost = new Map<string, MeshService>();
  private readonly sortedServices: readonly MeshService[];
  private readonly servicesByNamespace = new Map<string, MeshService[]>();
  /** Services by `name.namespace`, the form dependency annotations use. */
  private readonly servicesByNameAndNamespace = new Map<string, MeshService[]>();
  private readonly endpoints: EndpointIndex;
  private readonly virtualServices: VirtualServiceIndex;
  private readonly allVirtualServices: readonly ScopedConfig<VirtualServiceSpec>[];
  private readonly destinationRules: DestinationRuleIndex;
  private readonly sidecars: readonly ScopedConfig<SidecarSpec>[];
  private readonly gatewayConfigs: readonly ScopedConfig<unknown>[];
  private readonly policies = new Map<string, ScopedConfig<unknown>[]>();
  private readonly workloads = new Map<string, MeshObject>();
  private readonly podInstances = new Map<string, WorkloadInstance>();
  private readonly secrets = new Map<string, MeshObject>();
  /** The objects of workload kinds, in input order. */
  readonly workloadObjects: readonly MeshObject[];
  /** Every other object but the VirtualServices, in input order. */
  readonly configObjects: readonly MeshObject[];
  /** The VirtualServices as generation sees them (after chaos windows and rollout weights). */
  readonly servedVirtualServices: readonly MeshObject[];

  private constructor(objects: readonly MeshObject[], readonly mesh: MeshSettings, now: number, rolloutWeights: readonly RouteWeight[]) {
    const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
    this.workloadObjects = objects.filter((object) => WORKLOAD_KINDS.has(object.kind));

    // Services: a ServiceEntry never replaces a k8s Service of the same host (Istio keeps the first).
    const services = [
      ...ofKind('Service').map((object) => serviceFromKubernetes(object, mesh.clusterDomain)),
      ...ofKind('ServiceEntry').slice().sort((a, b) => byNamespaceAndName(scoped(a), scoped(b))).flatMap(servicesFromServiceEntry),
    ];
    for (const service of services) {
      if (!this.servicesByHost.has(service.hostname)) {
        this.servicesByHost.set(service.hostname, service);
      }
    }
    this.sortedServices = [...this.servicesByHost.values()].sort(byHostname);
    for (const service of this.sortedServices) {
      const inNamespace = this.servicesByNamespace.get(service.namespace) ?? [];
      inNamespace.push(service);
      this.servicesByNamespace.set(service.namespace, inNamespace);
      const key = `${service.name}.${service.namespace}`;
      const named = this.servicesByNameAndNamespace.get(key) ?? [];
      named.push(service);
      this.servicesByNameAndNamespace.set(key, named);
    }

    const workloadEntries = ofKind('WorkloadEntry');
    const pods = ofKind('Pod');
    for (const object of [...pods, ...workloadEntries]) {
      this.workloads.set(`${namespaceOf(object)}/${object.metadata.name}`, object);
    }
    const podInstances = pods.map(instanceFromPod).filter((instance): instance is WorkloadInstance => !!instance);
    podInstances.forEach((instance) => this.podInstances.set(`${instance.namespace}/${instance.name}`, instance));
    const sliceInstances = ofKind('EndpointSlice').flatMap((slice) =>
      instancesFromEndpointSlice(slice, (namespace, name) => this.podInstances.get(`${namespace}/${name}`)));
    const entryInstances = workloadEntries.map(instanceFromWorkloadEntry).filter((instance): instance is WorkloadInstance => !!instance);
    this.endpoints = new EndpointIndex([...entryInstances, ...podInstances], sliceInstances);

    const timed = applyChaosWindows(ofKind('VirtualService'), now);
    this.nextChaosWindowBoundary = timed.nextBoundary;
    const served = applyRolloutWeights(timed.objects, rolloutWeights);
    this.configObjects = objects.filter((object) => !WORKLOAD_KINDS.has(object.kind) && object.kind !== 'VirtualService');
    this.servedVirtualServices = served;
    this.virtualServices = new VirtualServiceIndex(served, mesh.clusterDomain);
    this.allVirtualServices = served.map((object) => scoped<VirtualServiceSpec>(object)).sort(byNamespaceAndName);
    ofKind('Secret').forEach((object) => this.secrets.set(`${namespaceOf(object)}/${object.metadata.name}`, object));
    this.destinationRules = new DestinationRuleIndex(ofKind('DestinationRule'), mesh.clusterDomain);
    this.sidecars = ofKind('Sidecar').map((object) => scoped<SidecarSpec>(object)).sort(byNamespaceAndName);
    this.gatewayConfigs = ofKind('Gateway').map((object) => scoped(object)).sort(byNamespaceAndName);
    this.routingLabelKeys = routingSelectorKeys(ofKind('DestinationRule'), this.sidecars, this.allVirtualServices);
    for (const kind of POLICY_KINDS) {
      for (const config of ofKind(kind).map((object) => scoped(object)).sort(byNamespaceAndName)) {
        const key = `${kind}/${config.namespace}`;
        this.policies.set(key, [...(this.policies.get(key) ?? []), config]);
      }
    }
  }

  /** Every service, sorted by host name. */
  services(): readonly MeshService[] {
    return this.sortedServices;
  }

  serviceByHost(hostname: string): MeshService | undefined {
    return this.servicesByHost.get(hostname);
  }

  /** The services named `name.namespace`, sorted by host name. */
  servicesNamed(nameAndNamespace: string): readonly MeshService[] {
    return this.servicesByNameAndNamespace.get(nameAndNamespace) ?? [];
  }

  servicesInNamespace(namespace: string): readonly MeshService[] {
    return this.servicesByNamespace.get(namespace) ?? [];
  }

  endpointsFor(service: MeshService, port: ServicePort, subsetLabels?: Readonly<Record<string, string>>): readonly ServiceEndpoint[] {
    this.reads.note(service.hostname);
    return this.endpoints.endpointsFor(service, port, subsetLabels);
  }

  /** What every endpoint of a service is made of, as text: equal texts mean equal endpoints on every port and subset. */
  endpointFingerprint(hostname: string): string {
    const service = this.servicesByHost.get(hostname);
    return service ? this.endpoints.candidatesFingerprint(service) : '';
  }

  /** What the previous push left that generation may reuse, if it differed only in workloads and VirtualServices. */
  inherited(): { readonly previous: PushContext; readonly changes: PushChanges } | undefined {
    return this.inheritance;
  }

  /** Ends the link to the previous push once every connected proxy's generation has run. */
  releasePrevious(): void {
    this.inheritance = undefined;
  }

  virtualServiceFor(hostname: string): ScopedConfig<VirtualServiceSpec> | undefined {
    this.reads.note(virtualServiceReadKey(hostname));
    return this.virtualServices.forHost(hostname);
  }

  /** Every VirtualService, gateway-bound ones included, sorted by namespace and name. */
  allVirtualServiceConfigs(): readonly ScopedConfig<VirtualServiceSpec>[] {
    return this.allVirtualServices;
  }

  destinationRuleFor(hostname: string, client: Pick<ProxyIdentity, 'namespace' | 'labels'>): ScopedConfig<DestinationRuleSpec> | undefined {
    const service = this.servicesByHost.get(hostname);
    return this.destinationRules.forHost(hostname, client, service?.namespace ?? client.namespace);
  }

  sidecarFor(proxy: Pick<ProxyIdentity, 'namespace' | 'labels'>): ScopedConfig<SidecarSpec> | undefined {
    return selectSidecar(this.sidecars, proxy);
  }

  gateways(namespace?: string): readonly ScopedConfig<unknown>[] {
    return namespace === undefined ? this.gatewayConfigs : this.gatewayConfigs.filter((gateway) => gateway.namespace === namespace);
  }

  /** A Secret of the config (gateway TLS credentials), by namespace and name. */
  secret(namespace: string, name: string): MeshObject | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }

  /** PeerAuthentication, RequestAuthentication or AuthorizationPolicy objects of one namespace. */
  policiesIn(kind: PolicyKind, namespace: string): readonly ScopedConfig<unknown>[] {
    return this.policies.get(`${kind}/${namespace}`) ?? [];
  }

  /** The WorkloadEntry or Pod a proxy runs for, when the config declares it. */
  workloadOf(proxy: Pick<ProxyIdentity, 'namespace' | 'name'>): MeshObject | undefined {
    this.reads.note(workloadReadKey(proxy.namespace, proxy.name));
    return this.workloads.get(`${proxy.namespace}/${proxy.name}`);
  }
}

function routingSelectorKeys(
  destinationRules: readonly MeshObject[], sidecars: readonly ScopedConfig<SidecarSpec>[], virtualServices: readonly ScopedConfig<VirtualServiceSpec>[],
): string[] {
  const selectors = [
    ...destinationRules.map((object) => (object.spec as DestinationRuleSpec | undefined)?.workloadSelector?.matchLabels),
    ...sidecars.map((sidecar) => sidecar.spec.workloadSelector?.labels),
    ...virtualServices.flatMap((config) => [
      ...(config.spec.http ?? []).flatMap((route) => (route.match ?? []).map((match) => match.sourceLabels)),
      ...(config.spec.tcp ?? []).flatMap((route) => (route.match ?? []).map((match) => match.sourceLabels)),
    ]),
  ];
  return [...new Set(selectors.flatMap((selector) => Object.keys(selector ?? {})))].sort();
}

/** Orders services by host name. */
export function byHostname(a: MeshService, b: MeshService): number {
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;
}
