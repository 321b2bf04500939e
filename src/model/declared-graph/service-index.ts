import { DeclaredVersion } from './declared-graph';
import { serviceHost } from './host-names';
import { compareText, ManifestObject, nameOf, namespaceOf, objectsOfKind, qualifiedName, selects } from './manifest';

/** Kinds whose pod template makes a workload. */
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A workload (pod template) of the mesh. */
export interface IndexedWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: { readonly [key: string]: string };
  readonly podAnnotations: { readonly [key: string]: string };
  readonly serviceAccount: string;
}

/** A Service with the workloads it selects: what the graph's service nodes are built from. */
export interface IndexedService {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
  readonly ports: string[];
  readonly workloads: IndexedWorkload[];
  /** Version name → workload names; filled from pod labels, then from DestinationRule subsets. */
  readonly versions: Map<string, string[]>;
}

/** The `version` label a workload runs as; Istio's canonical revision falls back to `latest`. */
const UNVERSIONED = 'latest';

export function indexWorkloads(objects: readonly ManifestObject[]): IndexedWorkload[] {
  return WORKLOAD_KINDS.flatMap(kind => objectsOfKind(objects, kind)).map(object => ({
    name: nameOf(object),
    namespace: namespaceOf(object),
    podLabels: object.spec?.template?.metadata?.labels ?? {},
    podAnnotations: object.spec?.template?.metadata?.annotations ?? {},
    serviceAccount: object.spec?.template?.spec?.serviceAccountName ?? 'default',
  })).sort((a, b) => compareText(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
}

function portText(port: any): string {
  return port?.name ? `${port.name} ${port.port}` : `${port?.port}`;
}

/**
 * Services with a selector (a Service without one has no workloads the mesh can draw), except
 * those in `excluded` (`<namespace>/<name>`: the control plane's and the gateways' own Services).
 */
export function indexServices(
  objects: readonly ManifestObject[], workloads: readonly IndexedWorkload[], clusterDomain: string, excluded: ReadonlySet<string>,
): IndexedService[] {
  return objectsOfKind(objects, 'Service')
    .filter(service => !excluded.has(qualifiedName(service)))
    .map(service => {
      const namespace = namespaceOf(service);
      const selector = service.spec?.selector;
      const selected = selector && Object.keys(selector).length > 0
        ? workloads.filter(workload => workload.namespace === namespace && selects(selector, workload.podLabels))
        : [];
      const versions = new Map<string, string[]>();
      for (const workload of selected) {
        const version = workload.podLabels.version ?? UNVERSIONED;
        versions.set(version, [...(versions.get(version) ?? []), workload.name]);
      }
      return {
        id: `service:${namespace}/${nameOf(service)}`,
        name: nameOf(service),
        namespace,
        host: serviceHost(nameOf(service), namespace, clusterDomain),
        ports: ((service.spec?.ports ?? []) as any[]).map(portText).sort(compareText),
        workloads: selected,
        versions,
      };
    });
}

/** The versions of a service, sorted by name, each with its workloads. */
export function declaredVersions(service: IndexedService): DeclaredVersion[] {
  return [...service.versions.keys()].sort(compareText).map(version => ({
    id: versionId(service.id, version),
    name: version,
    workloads: [...service.versions.get(version)!].sort(compareText),
  }));
}

export function versionId(serviceId: string, version: string): string {
  return `version:${serviceId.slice('service:'.length)}/${version}`;
}
