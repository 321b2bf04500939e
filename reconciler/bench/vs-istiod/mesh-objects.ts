/**
 * The mesh both control planes read from one API server, as Kubernetes objects: per service a
 * ServiceAccount, a Service selecting `app`, two Pods (v1 and the canary v2) whose status carries a
 * pod IP, an EndpointSlice naming both (written here: the controller manager skips pods on no
 * node, and the pods are never scheduled), a DestinationRule with both subsets, connection limits and outlier detection, a VirtualService
 * splitting 90/10, and optionally an Istio Sidecar scoping v1's sidecar to its dependencies.
 * The pods are never run: their addresses are config only (10.0.0.0/8, routed nowhere here).
 */
import { namespaceOf, SERVICE_PORT, serviceName } from '../mesh-config';

export interface BenchMeshScale {
  readonly services: number;
  /** @default 100 */
  readonly servicesPerNamespace?: number;
  /** With a value, each service's v1 pods get an Istio Sidecar limited to the next N services. */
  readonly sidecarDependencies?: number;
}

export type KubeObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [field: string]: unknown } };

export const CLUSTER_DOMAIN = 'cluster.local';
/** The EndpointSlice controller leaves slices another manager owns alone. */
export const ENDPOINT_SLICE_MANAGER = 'vs-istiod-bench';

/** A distinct 10.x.y.z address per pod slot, from 10.0.0.1 (the API server refuses loopback endpoint addresses). */
export function podAddress(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= 256 ** 3 - 1) throw new Error(`pod slot ${slot} is outside 0..${256 ** 3 - 2}; fewer services fit one 10.0.0.0/8`);
  // Slot 0 is 10.0.0.1: never the network's own address.
  const host = slot + 1;
  return `10.${Math.floor(host / 65536)}.${Math.floor(host / 256) % 256}.${host % 256}`;
}

export function hostOf(index: number, scale: BenchMeshScale): string {
  return `${serviceName(index)}.${namespaceOf(index, scale)}.svc.${CLUSTER_DOMAIN}`;
}

export function namespaces(scale: BenchMeshScale): string[] {
  const names = new Set<string>();
  for (let index = 0; index < scale.services; index += 1) names.add(namespaceOf(index, scale));
  return [...names];
}

export interface BenchPod {
  readonly service: number;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly address: string;
  readonly labels: Record<string, string>;
}

/** The two pods of service `index`: v1 at slot 2i, v2 at 2i+1. */
export function podsOf(index: number, scale: BenchMeshScale): BenchPod[] {
  const name = serviceName(index);
  return (['v1', 'v2'] as const).map((version, offset) => ({
    service: index,
    name: `${name}-${version}`,
    namespace: namespaceOf(index, scale),
    serviceAccount: name,
    address: podAddress(index * 2 + offset),
    labels: { app: name, version },
  }));
}

/** The status patch that gives a never-run pod its address and readiness. */
export function podStatus(pod: BenchPod): Record<string, unknown> {
  return {
    status: {
      phase: 'Running',
      podIP: pod.address,
      podIPs: [{ ip: pod.address }],
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }],
    },
  };
}

function podObject(pod: BenchPod): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: { serviceAccountName: pod.serviceAccount, containers: [{ name: 'app', image: 'bench.invalid/app:never-run', ports: [{ containerPort: SERVICE_PORT }] }] },
  };
}

/** The EndpointSlice of service `index`: its v1 pod and `canary` (by default its own v2 pod). */
export function endpointSlice(index: number, scale: BenchMeshScale, canary?: BenchPod): KubeObject {
  const name = serviceName(index);
  const namespace = namespaceOf(index, scale);
  const [v1, v2] = podsOf(index, scale);
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${name}-bench`, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': ENDPOINT_SLICE_MANAGER } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: SERVICE_PORT, protocol: 'TCP' }],
    endpoints: [v1, canary ?? v2].map((pod) => ({
      addresses: [pod.address],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', name: pod.name, namespace },
    })),
  };
}

/**
 * Spare canary pods for the endpoint-churn phase: `poolSize` per churned service (the first
 * `churnedServices`), addressed past every service's own pods. A change moves the service's canary
 * endpoint to its next spare: one pod leaves the endpoints, another joins.
 */
export function canaryPool(scale: BenchMeshScale, churnedServices: number, poolSize: number): BenchPod[][] {
  return Array.from({ length: Math.min(churnedServices, scale.services) }, (_, index) => {
    const v2 = podsOf(index, scale)[1];
    return Array.from({ length: poolSize }, (__, spare) => ({
      ...v2, name: `${v2.name}-spare-${spare}`, address: podAddress(scale.services * 2 + index * poolSize + spare),
    }));
  });
}

/** The VirtualService of service `index` with `canaryWeight` percent to v2. */
export function virtualService(index: number, scale: BenchMeshScale, canaryWeight = 10): KubeObject {
  if (!Number.isInteger(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
    throw new Error(`VirtualService ${serviceName(index)}: canary weight ${canaryWeight} must be a whole number in 0..100`);
  }
  const host = hostOf(index, scale);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: serviceName(index), namespace: namespaceOf(index, scale) },
    spec: {
      hosts: [host],
      http: [{ route: [
        { destination: { host, subset: 'v1' }, weight: 100 - canaryWeight },
        { destination: { host, subset: 'v2' }, weight: canaryWeight },
      ] }],
    },
  };
}

/** Every object of service `index` except the namespace. */
export function serviceObjects(index: number, scale: BenchMeshScale): KubeObject[] {
  const name = serviceName(index);
  const namespace = namespaceOf(index, scale);
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: SERVICE_PORT }] },
    },
    ...podsOf(index, scale).map(podObject),
    endpointSlice(index, scale),
    {
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace },
      spec: {
        host: hostOf(index, scale),
        trafficPolicy: {
          connectionPool: { tcp: { maxConnections: 100, connectTimeout: '250ms' }, http: { http1MaxPendingRequests: 32, http2MaxRequests: 100, maxRetries: 3 } },
          outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
        },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      },
    },
    virtualService(index, scale),
  ];
  if (scale.sidecarDependencies !== undefined) {
    const hosts = Array.from({ length: scale.sidecarDependencies }, (_, k) => (index + 1 + k) % scale.services)
      .map((dependency) => `${namespaceOf(dependency, scale)}/${hostOf(dependency, scale)}`);
    objects.push({
      apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: `${name}-v1`, namespace },
      spec: { workloadSelector: { labels: { app: name, version: 'v1' } }, egress: [{ hosts }] },
    });
  }
  return objects;
}

/** The namespaces, then every service's objects, then the spare canary pods, in creation order. */
export function meshObjects(scale: BenchMeshScale, spares: readonly BenchPod[] = []): KubeObject[] {
  if (!Number.isInteger(scale.services) || scale.services < 1) throw new Error(`services is ${scale.services}; it must be a whole number ≥ 1`);
  return [
    ...namespaces(scale).map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...Array.from({ length: scale.services }, (_, index) => serviceObjects(index, scale)).flat(),
    ...spares.map(podObject),
  ];
}

const COLLECTIONS: Record<string, string> = {
  Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', Service: 'services', Pod: 'pods',
  EndpointSlice: 'endpointslices', DestinationRule: 'destinationrules', VirtualService: 'virtualservices', Sidecar: 'sidecars',
};

/** The REST collection an object is created in. */
export function collectionPath(object: KubeObject): string {
  const plural = COLLECTIONS[object.kind];
  if (!plural) throw new Error(`${object.kind} ${object.metadata.name}: the benchmark writes only ${Object.keys(COLLECTIONS).join(', ')}`);
  const group = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  return object.metadata.namespace ? `${group}/namespaces/${object.metadata.namespace}/${plural}` : `${group}/${plural}`;
}
