/**
 * Places synthesized workloads on loopback the way Istio places VM workloads: a WorkloadEntry per
 * instance (selected by the synthesized Service like a Pod would be) and a Sidecar per proxy with
 * interception NONE, whose ingress binds the instance address and forwards to the application and
 * whose egress binds the caller's address for every service port. Pure: objects in, objects out.
 */

/** Labels every placed proxy with its instance name, so each Sidecar selects exactly one proxy. */
export const INSTANCE_LABEL = 'e2e.cdk8s-mesh.dev/instance';

export interface ServicePortInfo {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  /** Istio protocol, e.g. `HTTP`, `GRPC`, `TCP`. */
  readonly protocol: string;
}

/** A k8s Service as synthesized, reduced to what placement needs. */
export interface SynthesizedService {
  readonly name: string;
  readonly namespace: string;
  readonly ports: readonly ServicePortInfo[];
}

export interface PlacedInstance {
  readonly service: string;
  readonly namespace: string;
  readonly version: string;
  /** Unique instance name, e.g. `reviews-v1-0`: the WorkloadEntry and proxy name. */
  readonly name: string;
  readonly address: string;
  /** Where the application listens on `address`. */
  readonly appPort: number;
  /** With a sidecar, traffic enters through it on the Service's target ports. */
  readonly serverSidecar: boolean;
}

export interface PlacedClient {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

type PlacementObject = Record<string, unknown>;

/** The objects to serve next to the synthesized YAML. Throws when a workload names no synthesized Service. */
export function loopbackPlacement(
  services: readonly SynthesizedService[], instances: readonly PlacedInstance[], clients: readonly PlacedClient[]): PlacementObject[] {
  const serviceOf = (instance: PlacedInstance) => {
    const found = services.find((service) => service.name === instance.service && service.namespace === instance.namespace);
    if (!found) {
      const known = services.map((service) => `${service.namespace}/${service.name}`).join(', ') || 'none';
      throw new Error(`workload ${instance.name}: no synthesized Service ${instance.namespace}/${instance.service} (synthesized: ${known}); `
        + 'declare a MeshService with that name and namespace in `build`, or fix the workload\'s service/namespace');
    }
    return found;
  };
  const placedServices = uniqueBy(instances.map(serviceOf), (service) => `${service.namespace}/${service.name}`);
  const egressPorts = uniqueBy(placedServices.flatMap((service) => service.ports), (port) => String(port.port));

  const objects: PlacementObject[] = [];
  for (const instance of instances) {
    const service = serviceOf(instance);
    objects.push(workloadEntry(instance, service));
    if (instance.serverSidecar) {
      objects.push(sidecar(instance.name, instance.namespace, instance.address, egressPorts, service.ports.map((port) => ({
        port: { number: port.targetPort, protocol: port.protocol, name: port.name },
        bind: instance.address,
        defaultEndpoint: `${instance.address}:${instance.appPort}`,
      }))));
    }
  }
  for (const client of clients) {
    objects.push(sidecar(client.name, client.namespace, client.address, egressPorts, []));
  }
  return objects;
}

/** The labels a placed proxy runs with; they must match what its Sidecar and WorkloadEntry select. */
export function instanceLabels(app: string, instanceName: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { app, ...extra, [INSTANCE_LABEL]: instanceName };
}

function workloadEntry(instance: PlacedInstance, service: SynthesizedService): PlacementObject {
  // Without a server sidecar the callers' Envoys dial the application directly.
  const ports = Object.fromEntries(service.ports.map((port) => [port.name, instance.serverSidecar ? port.targetPort : instance.appPort]));
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name: instance.name, namespace: instance.namespace },
    spec: {
      address: instance.address,
      labels: instanceLabels(instance.service, instance.name, { version: instance.version }),
      // The reconciler takes a WorkloadEntry with a service account to run a sidecar and sends it
      // mTLS; a bare application must be called in plaintext.
      ...(instance.serverSidecar ? { serviceAccount: instance.service } : {}),
      ports,
    },
  };
}

function sidecar(
  name: string, namespace: string, address: string, egressPorts: readonly ServicePortInfo[], ingress: PlacementObject[]): PlacementObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: `${name}-loopback`, namespace },
    spec: {
      workloadSelector: { labels: { [INSTANCE_LABEL]: name } },
      ...(ingress.length > 0 ? { ingress } : {}),
      egress: egressPorts.map((port) => ({
        port: { number: port.port, protocol: port.protocol, name: port.name },
        bind: address,
        hosts: ['*/*'],
      })),
    },
  };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  items.forEach((item) => seen.has(key(item)) || seen.set(key(item), item));
  return [...seen.values()];
}
