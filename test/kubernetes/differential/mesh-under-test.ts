/**
 * The fixed mesh every differential case runs on, as Kubernetes objects both control planes read
 * from one API server: services with versioned pods whose addresses are given by a status patch
 * (the pods never run; an echo backend answers at each address), EndpointSlices naming them,
 * DestinationRules with a subset per version, and a mesh-wide PeerAuthentication DISABLE so
 * upstream Envoy needs no istio-agent for certificates on either side.
 */
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export const MESH_NAMESPACE = 'diff';
export const SERVICE_PORT = 9080;
export const CLUSTER_DOMAIN = 'cluster.local';
/** The EndpointSlice controller leaves slices another manager owns alone. */
const ENDPOINT_SLICE_MANAGER = 'differential-suite';

export interface MeshPod {
  readonly app: string;
  readonly version: string;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly address: string;
  readonly labels: Record<string, string>;
}

export interface MeshServiceSpec {
  readonly name: string;
  readonly versions: readonly string[];
}

/** Hand-written cases route between these; generated cases each own one `gen-<n>` service. */
export const NAMED_SERVICES: readonly MeshServiceSpec[] = [
  { name: 'reviews', versions: ['v1', 'v2', 'v3'] },
  { name: 'ratings', versions: ['v1', 'v2'] },
  // Every case routes a marker request here first: when both sides answer it, the case is served.
  { name: 'probe', versions: ['v1'] },
];
export const GENERATED_VERSIONS = ['v1', 'v2', 'v3'] as const;

export function generatedService(index: number): MeshServiceSpec {
  return { name: `gen-${index}`, versions: GENERATED_VERSIONS };
}

export function hostOf(service: string): string {
  return `${service}.${MESH_NAMESPACE}.svc.${CLUSTER_DOMAIN}`;
}

/** Pod addresses come from the suite's pod range (the API server refuses loopback endpoints), far from the node agent's. */
function podAddress(slot: number): string {
  return `198.18.${200 + Math.floor(slot / 250)}.${(slot % 250) + 1}`;
}

export function podsOf(services: readonly MeshServiceSpec[]): MeshPod[] {
  let slot = 0;
  return services.flatMap((service) => service.versions.map((version) => ({
    app: service.name,
    version,
    name: `${service.name}-${version}`,
    namespace: MESH_NAMESPACE,
    serviceAccount: service.name,
    address: podAddress(slot++),
    labels: { app: service.name, version },
  })));
}

/** The sidecar the requests leave from: a pod no Service selects, so it is nobody's backend. */
export const CLIENT_POD: MeshPod = {
  app: 'client',
  version: 'v1',
  name: 'client-v1',
  namespace: MESH_NAMESPACE,
  serviceAccount: 'client',
  address: '198.18.250.1',
  labels: { app: 'client', version: 'v1' },
};

export function podStatus(pod: MeshPod): Record<string, unknown> {
  return {
    status: {
      phase: 'Running',
      podIP: pod.address,
      podIPs: [{ ip: pod.address }],
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }],
    },
  };
}

/** A pod that never runs: an echo backend answers at its address (given by `podStatus`). */
export function podObject(pod: MeshPod): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: { serviceAccountName: pod.serviceAccount, containers: [{ name: 'app', image: 'differential.invalid/echo:never-run', ports: [{ containerPort: SERVICE_PORT }] }] },
  };
}

/** The suite's own EndpointSlice for `service`: every pod ready, on `port` (the service port unless said). */
export function endpointSliceObject(service: string, namespace: string, pods: readonly MeshPod[], port = SERVICE_PORT): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-differential`, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': ENDPOINT_SLICE_MANAGER } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: pods.map((pod) => ({ addresses: [pod.address], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: pod.name, namespace: pod.namespace } })),
  };
}

function serviceObjects(service: MeshServiceSpec, pods: readonly MeshPod[]): KubeObject[] {
  const own = pods.filter((pod) => pod.app === service.name);
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: service.name, namespace: MESH_NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service.name, namespace: MESH_NAMESPACE },
      spec: { selector: { app: service.name }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: SERVICE_PORT }] },
    },
    ...own.map(podObject),
    endpointSliceObject(service.name, MESH_NAMESPACE, own),
  ];
  if (service.versions.length > 1) {
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: service.name, namespace: MESH_NAMESPACE },
      spec: { host: hostOf(service.name), subsets: service.versions.map((version) => ({ name: version, labels: { version } })) },
    });
  }
  return objects;
}

/** Every object of the mesh, in the order they can be created (namespaces and accounts first). */
export function meshObjects(services: readonly MeshServiceSpec[]): KubeObject[] {
  const pods = podsOf(services);
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MESH_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: CLIENT_POD.serviceAccount, namespace: MESH_NAMESPACE } },
    podObject(CLIENT_POD),
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'istio-system' },
      spec: { mtls: { mode: 'DISABLE' } },
    },
    ...services.flatMap((service) => serviceObjects(service, pods)),
  ];
}
