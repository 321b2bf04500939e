/**
 * The endpoints of each service's first port, looked up once per push context: the graph, its
 * checks and the service page ask for a service's and each of its subsets' endpoints many times,
 * and a lookup in the registry scans the namespace's instances.
 */
import { labelsMatch } from '../push/label-selector';
import type { PushContext } from '../push/push-context';
import type { MeshService, ServiceEndpoint } from '../push/service-model';

const cache = new WeakMap<PushContext, Map<string, readonly ServiceEndpoint[]>>();

export function serviceEndpoints(push: PushContext, service: MeshService): readonly ServiceEndpoint[] {
  let byHost = cache.get(push);
  if (!byHost) {
    byHost = new Map();
    cache.set(push, byHost);
  }
  let endpoints = byHost.get(service.hostname);
  if (!endpoints) {
    const port = service.ports[0];
    endpoints = port ? push.endpointsFor(service, port) : [];
    byHost.set(service.hostname, endpoints);
  }
  return endpoints;
}

/** The service's endpoints whose workload carries every one of `labels` (a subset's). */
export function subsetEndpoints(push: PushContext, service: MeshService, labels: Readonly<Record<string, string>>): readonly ServiceEndpoint[] {
  return serviceEndpoints(push, service).filter((endpoint) => labelsMatch(labels, endpoint.instance.labels));
}
