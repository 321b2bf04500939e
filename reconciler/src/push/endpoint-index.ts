/** Which workload instances serve a service port, and on which workload port. */
import { labelsMatch } from './label-selector';
import type { MeshService, ServiceEndpoint, ServicePort, WorkloadInstance } from './service-model';

export class EndpointIndex {
  private readonly selectable = new Map<string, WorkloadInstance[]>();
  /** The WorkloadEntries among them: a service with EndpointSlices adds only these, and a namespace may hold thousands of Pods. */
  private readonly selectableEntries = new Map<string, WorkloadInstance[]>();
  private readonly bySliceService = new Map<string, WorkloadInstance[]>();

  /**
   * @param selectableInstances WorkloadEntries and Pods, chosen by label selectors.
   * @param sliceInstances EndpointSlice endpoints, bound to one named service.
   */
  constructor(selectableInstances: readonly WorkloadInstance[], sliceInstances: readonly WorkloadInstance[]) {
    for (const instance of selectableInstances) {
      pushTo(this.selectable, instance.namespace, instance);
      if (instance.kind === 'WorkloadEntry') pushTo(this.selectableEntries, instance.namespace, instance);
    }
    for (const instance of sliceInstances) {
      pushTo(this.bySliceService, `${instance.namespace}/${instance.boundService}`, instance);
    }
  }

  /** Endpoints of one service port, optionally narrowed to a subset's labels, in a stable order. */
  endpointsFor(service: MeshService, port: ServicePort, subsetLabels?: Readonly<Record<string, string>>): ServiceEndpoint[] {
    const found = new Map<string, ServiceEndpoint>();
    for (const instance of this.candidates(service)) {
      if (!labelsMatch(subsetLabels, instance.labels)) {
        continue;
      }
      const workloadPort = workloadPortFor(instance, port);
      if (workloadPort !== undefined) {
        found.set(`${instance.address}:${workloadPort}`, { instance, port: workloadPort });
      }
    }
    return [...found.entries()].sort(([a], [b]) => compare(a, b)).map(([, endpoint]) => endpoint);
  }

  /** The instances that may serve the service, as text: what any of its endpoints, on any port or subset, is derived from. */
  candidatesFingerprint(service: MeshService): string {
    return JSON.stringify(this.candidates(service));
  }

  private candidates(service: MeshService): readonly WorkloadInstance[] {
    if (service.inlineInstances.length > 0) {
      return service.inlineInstances;
    }
    const sliced = service.kind === 'Service' ? this.bySliceService.get(`${service.namespace}/${service.name}`) : undefined;
    // EndpointSlices are the API server's answer for a Service; its Pods would only duplicate them,
    // but WorkloadEntries (VMs, loopback workloads) never appear in slices.
    if (sliced?.length) {
      return [...sliced, ...(this.selectableEntries.get(service.namespace) ?? []).filter((instance) => selects(service, instance))];
    }
    return (this.selectable.get(service.namespace) ?? []).filter((instance) => selects(service, instance));
  }
}

function selects(service: MeshService, instance: WorkloadInstance): boolean {
  // An absent or empty selector selects nothing, as for a k8s Service without selector.
  return !!service.selector && Object.keys(service.selector).length > 0 && labelsMatch(service.selector, instance.labels);
}

function workloadPortFor(instance: WorkloadInstance, port: ServicePort): number | undefined {
  if (typeof port.targetPort === 'string') {
    return instance.namedPorts[port.targetPort];
  }
  if (instance.boundService !== undefined) {
    const named = instance.namedPorts[port.name] ?? instance.namedPorts[''];
    return named ?? port.targetPort ?? port.number;
  }
  return instance.namedPorts[port.name] ?? port.targetPort ?? port.number;
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
