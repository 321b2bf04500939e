/** Turns Kubernetes Services, ServiceEntries and workload objects into the registry model. */
import type { MeshObject } from './contract';
import { resolveHost } from './host-names';
import type { KubernetesServiceSpec, ServiceEntrySpec, WorkloadEntrySpec } from './istio-spec';
import { MeshService, selectPortProtocol, ServicePort, WorkloadInstance } from './service-model';

const DEFAULT_NAMESPACE = 'default';

export function namespaceOf(object: MeshObject): string {
  return object.metadata.namespace ?? DEFAULT_NAMESPACE;
}

/** A k8s Service becomes one mesh service at `<name>.<ns>.svc.<domain>`. */
export function serviceFromKubernetes(object: MeshObject, clusterDomain: string): MeshService {
  const spec = (object.spec ?? {}) as KubernetesServiceSpec;
  const namespace = namespaceOf(object);
  const ports: ServicePort[] = (spec.ports ?? []).map((port) => ({
    name: port.name ?? `port-${port.port}`,
    number: port.port,
    protocol: selectPortProtocol(port.appProtocol, port.name),
    targetPort: port.targetPort,
  }));
  const clusterIp = spec.clusterIP && spec.clusterIP !== 'None' ? [spec.clusterIP] : [];
  return {
    hostname: resolveHost(object.metadata.name, namespace, clusterDomain),
    namespace,
    kind: 'Service',
    name: object.metadata.name,
    ports,
    selector: spec.selector,
    resolution: 'EDS',
    external: false,
    addresses: clusterIp,
    inlineInstances: [],
  };
}

/** A ServiceEntry becomes one mesh service per host, sharing ports, endpoints and resolution. */
export function servicesFromServiceEntry(object: MeshObject): MeshService[] {
  const spec = (object.spec ?? {}) as ServiceEntrySpec;
  const namespace = namespaceOf(object);
  const ports: ServicePort[] = (spec.ports ?? []).map((port) => ({
    name: port.name ?? `port-${port.number}`,
    number: port.number,
    protocol: selectPortProtocol(port.protocol, port.name),
    targetPort: port.targetPort,
  }));
  const inlineInstances = (spec.endpoints ?? []).map((endpoint, index) => instanceFromWorkloadSpec(endpoint, namespace, `${object.metadata.name}/${index}`, 'ServiceEntry'));
  const resolution = spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN' || spec.resolution === 'STATIC' ? spec.resolution : 'NONE';
  return (spec.hosts ?? []).map((host) => ({
    hostname: host,
    namespace,
    kind: 'ServiceEntry' as const,
    name: object.metadata.name,
    ports,
    // Inline endpoints and a workload selector are alternatives; an entry with neither selects none.
    selector: spec.workloadSelector?.labels,
    // STATIC and inline/selected endpoints are served over EDS like Istio does.
    resolution: resolution === 'STATIC' ? 'EDS' : resolution,
    external: spec.location !== 'MESH_INTERNAL',
    addresses: spec.addresses ?? [],
    inlineInstances,
  }));
}

export function instanceFromWorkloadEntry(object: MeshObject): WorkloadInstance | undefined {
  const spec = (object.spec ?? {}) as WorkloadEntrySpec;
  if (!spec.address) {
    return undefined;
  }
  return instanceFromWorkloadSpec({ ...spec, labels: { ...(object.metadata.labels ?? {}), ...(spec.labels ?? {}) } }, namespaceOf(object), object.metadata.name, 'WorkloadEntry');
}

function instanceFromWorkloadSpec(spec: WorkloadEntrySpec, namespace: string, name: string, kind: WorkloadInstance['kind']): WorkloadInstance {
  return {
    kind,
    namespace,
    name,
    address: spec.address ?? '',
    labels: spec.labels ?? {},
    namedPorts: spec.ports ?? {},
    serviceAccount: spec.serviceAccount,
    weight: spec.weight,
  };
}

/** A Pod with an IP: labels from metadata, named ports from its containers. */
export function instanceFromPod(object: MeshObject): WorkloadInstance | undefined {
  const status = object.status as { podIP?: string } | undefined;
  if (!status?.podIP) {
    return undefined;
  }
  const namedPorts: Record<string, number> = {};
  for (const container of (object.spec?.containers ?? []) as { ports?: { name?: string; containerPort: number }[] }[]) {
    for (const port of container.ports ?? []) {
      if (port.name) {
        namedPorts[port.name] = port.containerPort;
      }
    }
  }
  return {
    kind: 'Pod',
    namespace: namespaceOf(object),
    name: object.metadata.name,
    address: status.podIP,
    labels: object.metadata.labels ?? {},
    namedPorts,
    serviceAccount: object.spec?.serviceAccountName,
  };
}

interface EndpointSliceShape {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[];
  ports?: { name?: string; port?: number }[];
}

/**
 * EndpointSlice endpoints serve exactly the service named by `kubernetes.io/service-name`; their
 * labels and service account come from the Pod they point at, when that Pod is known, so subsets
 * still select them and a sidecar-injected Pod is still called with mTLS.
 */
export function instancesFromEndpointSlice(object: MeshObject, podOf: (namespace: string, name: string) => WorkloadInstance | undefined): WorkloadInstance[] {
  const slice = object as unknown as EndpointSliceShape;
  const serviceName = object.metadata.labels?.['kubernetes.io/service-name'];
  if (!serviceName) {
    return [];
  }
  const namespace = namespaceOf(object);
  const namedPorts: Record<string, number> = {};
  for (const port of slice.ports ?? []) {
    if (port.port !== undefined) {
      namedPorts[port.name ?? ''] = port.port;
    }
  }
  return (slice.endpoints ?? [])
    .filter((endpoint) => endpoint.conditions?.ready !== false)
    .flatMap((endpoint) => {
      const pod = endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.name ? podOf(namespace, endpoint.targetRef.name) : undefined;
      return (endpoint.addresses ?? []).map((address) => ({
        kind: 'EndpointSlice' as const,
        namespace,
        name: `${object.metadata.name}/${address}`,
        address,
        labels: { ...(pod?.labels ?? {}) },
        namedPorts,
        ...(pod?.serviceAccount ? { serviceAccount: pod.serviceAccount } : {}),
        boundService: serviceName,
      }));
    });
}
