import { CHAOS_WINDOW_ANNOTATION, DEPENDENCIES_ANNOTATION, ROLLOUT_ANNOTATION } from '../annotations';
import { RECONCILER_NAME } from '../control-plane';
import { declaredAuthorization } from './authorization-edges';
import {
  DeclaredEdge, DeclaredEdgeKind, DeclaredExternalService, DeclaredFault, DeclaredGateway, DeclaredGraph, DeclaredMtlsMode, DeclaredService,
} from './declared-graph';
import { fullyQualifiedHost } from './host-names';
import { compareText, ManifestObject, nameOf, namespaceOf, objectsOfKind, qualifiedName, selects } from './manifest';
import { effectiveMtls } from './mtls-modes';
import { mirrorPercent, summarizeFault, summarizeMatch, summarizeRollout, summarizeWindow } from './route-summaries';
import { declaredVersions, indexServices, IndexedService, indexWorkloads, versionId } from './service-index';

/** The mesh-wide settings the objects are read against. */
export interface DeclaredGraphOptions {
  /** Namespace of the control plane: its PeerAuthentication and AuthorizationPolicies apply mesh-wide. */
  readonly rootNamespace: string;
  readonly clusterDomain: string;
  readonly trustDomain: string;
  /** mTLS mode of workloads that no PeerAuthentication selects. */
  readonly defaultMtlsMode: DeclaredMtlsMode;
}

/** Istio's name for "the sidecars" among a VirtualService's gateways. */
const MESH_GATEWAY = 'mesh';

/** An edge before its id is made unique. */
type PendingEdge = Omit<DeclaredEdge, 'id'>;

function chaosWindows(virtualService: ManifestObject): Map<string, string> {
  const windows = new Map<string, string>();
  try {
    const declared = JSON.parse(virtualService.metadata?.annotations?.[CHAOS_WINDOW_ANNOTATION] ?? '[]');
    for (const window of Array.isArray(declared) ? declared : []) {
      if (typeof window?.route === 'string') {
        windows.set(window.route, summarizeWindow(window));
      }
    }
  } catch {
    // A malformed annotation only loses the window text; the reconciler reports it.
  }
  return windows;
}

/** Objects → the declared graph of one mesh. Pure: equal objects (in any order) give an equal graph. */
export function buildDeclaredGraph(objects: readonly ManifestObject[], options: DeclaredGraphOptions): DeclaredGraph {
  const host = (name: string, namespace: string) => fullyQualifiedHost(name, namespace, options.clusterDomain);
  const workloads = indexWorkloads(objects);
  const gatewayObjects = objectsOfKind(objects, 'Gateway');
  const gateways: DeclaredGateway[] = gatewayObjects.map(gateway => ({
    id: `gateway:${qualifiedName(gateway)}`,
    name: nameOf(gateway),
    namespace: namespaceOf(gateway),
    servers: ((gateway.spec?.servers ?? []) as any[]).map(server =>
      `${server?.port?.protocol ?? '?'} ${server?.port?.number ?? '?'} ${((server?.hosts ?? []) as string[]).join(',')}`),
  }));

  // The control plane's and the gateways' own Services are drawn as the gateway, not as services.
  const excluded = new Set(objectsOfKind(objects, 'Service').filter(service => {
    const selector = service.spec?.selector ?? {};
    const isControlPlane = namespaceOf(service) === options.rootNamespace && selector.app === RECONCILER_NAME;
    const isGateway = gatewayObjects.some(gateway => Object.keys(gateway.spec?.selector ?? {}).length > 0
      && selects(gateway.spec.selector, selector));
    return isControlPlane || isGateway;
  }).map(qualifiedName));
  const services = indexServices(objects, workloads, options.clusterDomain, excluded);
  const serviceByHost = new Map(services.map(service => [service.host, service]));

  // Subset name → version label, per host; a subset naming a version with no workload still shows.
  const subsetVersions = new Map<string, Map<string, string>>();
  for (const rule of objectsOfKind(objects, 'DestinationRule')) {
    const ruleHost = host(rule.spec?.host ?? '', namespaceOf(rule));
    const subsets = subsetVersions.get(ruleHost) ?? new Map<string, string>();
    for (const subset of (rule.spec?.subsets ?? []) as any[]) {
      const version = subset?.labels?.version ?? subset?.name;
      if (typeof subset?.name === 'string' && typeof version === 'string') {
        subsets.set(subset.name, version);
        const service = serviceByHost.get(ruleHost);
        if (service && !service.versions.has(version)) {
          service.versions.set(version, []);
        }
      }
    }
    subsetVersions.set(ruleHost, subsets);
  }

  const externalServices: DeclaredExternalService[] = objectsOfKind(objects, 'ServiceEntry').map(entry => ({
    id: `external:${qualifiedName(entry)}`,
    name: nameOf(entry),
    namespace: namespaceOf(entry),
    hosts: [...((entry.spec?.hosts ?? []) as string[])].sort(compareText),
    ports: ((entry.spec?.ports ?? []) as any[]).map(port => `${port?.protocol ?? '?'} ${port?.number ?? '?'}`),
    location: entry.spec?.location ?? 'MESH_EXTERNAL',
    resolution: entry.spec?.resolution ?? 'NONE',
  }));
  const externalByHost = new Map(externalServices.flatMap(external => external.hosts.map(name => [name, external.id] as const)));

  // Hosts that routing or dependencies name with no Service or ServiceEntry behind them.
  const undeclaredHosts = new Set<string>();
  const nodeOfHost = (name: string): string => {
    const service = serviceByHost.get(name);
    if (service) {
      return service.id;
    }
    const external = externalByHost.get(name);
    if (external) {
      return external;
    }
    undeclaredHosts.add(name);
    return `host:${name}`;
  };

  const pending: PendingEdge[] = [];
  const faultsByService = new Map<string, DeclaredFault[]>();
  const virtualServicesByService = new Map<string, string[]>();
  const rolloutByService = new Map<string, string>();
  const routedServices = new Set<string>();
  const edge = (kind: DeclaredEdgeKind, from: string, to: string, fields: Partial<PendingEdge> & { source: string }) =>
    pending.push({ kind, from, to, match: '', fault: '', ...fields });

  /** Destination targets: a version of a service with a subset, else the service's versions when routing its own host. */
  const destinations = (from: string, destinationHost: string, subset: string | undefined): { to: string; spread: boolean }[] => {
    const service = serviceByHost.get(destinationHost);
    if (!service) {
      return [{ to: nodeOfHost(destinationHost), spread: false }];
    }
    if (subset !== undefined) {
      const version = subsetVersions.get(destinationHost)?.get(subset) ?? subset;
      if (!service.versions.has(version)) {
        service.versions.set(version, []);
      }
      return [{ to: versionId(service.id, version), spread: false }];
    }
    if (from !== service.id || service.versions.size === 0) {
      return [{ to: service.id, spread: false }];
    }
    const versions = [...service.versions.keys()].sort(compareText);
    return versions.map(version => ({ to: versionId(service.id, version), spread: versions.length > 1 }));
  };

  for (const virtualService of objectsOfKind(objects, 'VirtualService')) {
    const namespace = namespaceOf(virtualService);
    const name = qualifiedName(virtualService);
    const spec = virtualService.spec ?? {};
    const windows = chaosWindows(virtualService);
    const declaredGateways: string[] = Array.isArray(spec.gateways) && spec.gateways.length > 0 ? spec.gateways : [MESH_GATEWAY];
    const gatewayIds = declaredGateways.filter(gateway => gateway !== MESH_GATEWAY)
      .map(gateway => `gateway:${gateway.includes('/') ? gateway : `${namespace}/${gateway}`}`);
    const hosts = ((spec.hosts ?? []) as string[]).map(declared => host(declared, namespace));
    // Sidecars route from the host's own node; a gateway routes from its node, for the hosts it serves.
    const sidecarSources = declaredGateways.includes(MESH_GATEWAY)
      ? hosts.filter(routed => !routed.includes('*')).map(routed => ({ from: nodeOfHost(routed), hostPrefix: '' }))
      : [];
    const sources = [...sidecarSources, ...gatewayIds.flatMap(id => hosts.map(routed => ({ from: id, hostPrefix: routed })))];
    for (const routed of hosts) {
      const service = serviceByHost.get(routed);
      if (service && declaredGateways.includes(MESH_GATEWAY)) {
        virtualServicesByService.set(service.id, [...(virtualServicesByService.get(service.id) ?? []), name]);
        const rollout = summarizeRollout(virtualService.metadata?.annotations?.[ROLLOUT_ANNOTATION]);
        if (rollout && !rolloutByService.has(service.id)) {
          rolloutByService.set(service.id, rollout);
        }
        routedServices.add(service.id);
      }
    }
    const routes: any[] = ['http', 'tls', 'tcp'].flatMap(protocol => Array.isArray(spec[protocol]) ? spec[protocol] : []);
    routes.forEach((route, index) => {
      const routeName = typeof route?.name === 'string' ? route.name : `#${index}`;
      const match = summarizeMatch(route?.match);
      const fault = summarizeFault(route?.fault);
      const targets: any[] = Array.isArray(route?.route) ? route.route : [];
      for (const { from, hostPrefix } of sources) {
        const edgeMatch = [hostPrefix, match].filter(text => text.length > 0).join(' ');
        for (const target of targets) {
          const destinationHost = host(target?.destination?.host ?? '', namespace);
          const weight = typeof target?.weight === 'number' ? target.weight : targets.length === 1 ? 100 : undefined;
          for (const { to, spread } of destinations(from, destinationHost, target?.destination?.subset)) {
            edge('route', from, to, { weight: spread ? undefined : weight, match: edgeMatch, fault, source: `${name}#${routeName}` });
          }
        }
        if (route?.mirror?.host) {
          const mirrorHost = host(route.mirror.host, namespace);
          // A mirror without a subset copies to the host as a whole, never spread over its versions.
          for (const { to } of destinations(`mirror:${from}`, mirrorHost, route.mirror.subset)) {
            edge('mirror', from, to, { weight: mirrorPercent(route), match: edgeMatch, source: `${name}#${routeName}` });
          }
        }
        if (fault && from.startsWith('service:')) {
          faultsByService.set(from, [...(faultsByService.get(from) ?? []), { route: routeName, summary: fault, match, window: windows.get(routeName) ?? '' }]);
        }
      }
    });
  }

  // A service no VirtualService routes is balanced by Kubernetes over every version.
  for (const service of services.filter(indexed => !routedServices.has(indexed.id))) {
    const versions = [...service.versions.keys()].sort(compareText);
    for (const version of versions) {
      edge('route', service.id, versionId(service.id, version), { weight: versions.length === 1 ? 100 : undefined, source: '' });
    }
  }

  for (const service of services) {
    const called = new Set(service.workloads.flatMap(workload =>
      (workload.podAnnotations[DEPENDENCIES_ANNOTATION] ?? '').split(',').map(name => name.trim()).filter(name => name.length > 0)));
    for (const dependency of [...called].sort(compareText)) {
      edge('dependency', service.id, nodeOfHost(host(dependency, service.namespace)), { source: `${service.namespace}/${service.name}` });
    }
  }

  const authorization = declaredAuthorization(objects, services, options.rootNamespace, options.trustDomain);
  pending.push(...authorization.edges);

  const peerAuthentications = objectsOfKind(objects, 'PeerAuthentication');
  const declaredServices: DeclaredService[] = [
    ...services.map(service => serviceNode(service, peerAuthentications, options, {
      virtualServices: virtualServicesByService.get(service.id) ?? [],
      faults: faultsByService.get(service.id) ?? [],
      rollout: rolloutByService.get(service.id) ?? '',
      authorizationRules: authorization.rulesByService.get(service.id) ?? [],
    })),
    ...[...undeclaredHosts].map(name => undeclaredHostNode(name, options)),
  ].sort((a, b) => compareText(a.id, b.id));

  return { gateways, services: declaredServices, externalServices, edges: uniqueEdges(pending) };
}

function serviceNode(
  service: IndexedService, peerAuthentications: readonly ManifestObject[], options: DeclaredGraphOptions,
  extra: Pick<DeclaredService, 'virtualServices' | 'faults' | 'rollout' | 'authorizationRules'>,
): DeclaredService {
  const mtls = effectiveMtls(peerAuthentications, service.workloads.map(workload => workload.podLabels), service.namespace,
    options.rootNamespace, options.defaultMtlsMode);
  return {
    id: service.id,
    name: service.name,
    namespace: service.namespace,
    host: service.host,
    ports: service.ports,
    versions: declaredVersions(service),
    mtlsMode: mtls.mode,
    mtlsSource: mtls.source,
    virtualServices: [...new Set(extra.virtualServices)].sort(compareText),
    faults: extra.faults,
    rollout: extra.rollout,
    authorizationRules: extra.authorizationRules,
    declared: true,
  };
}

function undeclaredHostNode(name: string, options: DeclaredGraphOptions): DeclaredService {
  return {
    id: `host:${name}`,
    name,
    namespace: '',
    host: name,
    ports: [],
    versions: [],
    mtlsMode: options.defaultMtlsMode,
    mtlsSource: '',
    virtualServices: [],
    faults: [],
    rollout: '',
    authorizationRules: [],
    declared: false,
  };
}

/**
 * Edges keep the order they were found in (objects by name, routes as declared, which is the order
 * Istio evaluates them); edges that would share an id (a destination listed twice) get `~2`, `~3`.
 */
function uniqueEdges(pending: readonly PendingEdge[]): DeclaredEdge[] {
  const counts = new Map<string, number>();
  return pending.map(edge => {
    const base = `${edge.kind}:${edge.from}->${edge.to}#${edge.source}`;
    const count = (counts.get(base) ?? 0) + 1;
    counts.set(base, count);
    return { ...edge, id: count === 1 ? base : `${base}~${count}` };
  });
}
