/**
 * Kubernetes mode: informers (list + watch) on the Istio kinds the reconciler serves plus Services,
 * EndpointSlices and Pods. Every change hands the whole current object set to the reconciler, which
 * re-ingests it atomically like a directory change, so both sources share one validation path.
 */
import * as k8s from '@kubernetes/client-node';
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler } from './source';

/** One watched resource type: where to list it and how to label its objects in reports. */
export interface WatchedResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

/** What the reconciler reads; the Mesh construct's ClusterRole grants get/list/watch on exactly these. */
export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice' },
  ...['virtualservices:VirtualService', 'destinationrules:DestinationRule', 'gateways:Gateway',
    'serviceentries:ServiceEntry', 'workloadentries:WorkloadEntry', 'sidecars:Sidecar']
    .map((entry) => istioResource('networking.istio.io', entry)),
  ...['peerauthentications:PeerAuthentication', 'requestauthentications:RequestAuthentication',
    'authorizationpolicies:AuthorizationPolicy']
    .map((entry) => istioResource('security.istio.io', entry)),
];

function istioResource(group: string, entry: string): WatchedResource {
  const [plural, kind] = entry.split(':');
  return { group, version: 'v1', plural, kind };
}

export interface KubernetesSourceOptions {
  /** Loaded from the in-cluster service account, or `$KUBECONFIG` / `~/.kube/config` when absent. */
  readonly kubeConfig?: k8s.KubeConfig;
  /** @default WATCHED_RESOURCES */
  readonly resources?: readonly WatchedResource[];
  /** Reports a watch error (the informer restarts the watch itself). */
  readonly onWatchError?: (resource: WatchedResource, error: unknown) => void;
  /**
   * Receives every Pod in the cluster (full objects) with each update, for work that depends on
   * where workloads run, such as publishing the mesh root certificate.
   */
  readonly onPods?: (pods: readonly k8s.V1Pod[]) => void;
}

type Informer = k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;

export class KubernetesSource implements ConfigSource {
  private readonly kubeConfig: k8s.KubeConfig;
  private readonly resources: readonly WatchedResource[];
  private readonly informers = new Map<WatchedResource, Informer>();
  private onUpdate: ConfigUpdateHandler | undefined;
  private stopped = false;

  constructor(private readonly options: KubernetesSourceOptions = {}) {
    this.kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.resources = options.resources ?? WATCHED_RESOURCES;
  }

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    for (const resource of this.resources) {
      const informer = k8s.makeInformer(this.kubeConfig, collectionPath(resource), lister(this.kubeConfig, resource));
      for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
        informer.on(verb, () => this.emit(`kubernetes:${resource.kind}-${verb}`));
      }
      informer.on(k8s.ERROR, (error) => {
        this.options.onWatchError?.(resource, error);
        // The informer stops on error; restart it unless we are shutting down.
        if (!this.stopped) setTimeout(() => { if (!this.stopped) void informer.start().catch(() => undefined); }, 1000).unref();
      });
      this.informers.set(resource, informer);
    }
    // The first list of every informer completes before start resolves; then one initial update.
    await Promise.all([...this.informers.values()].map((informer) => informer.start()));
    this.onUpdate = onUpdate;
    this.emit('config:initial-load');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.onUpdate = undefined;
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }

  private emit(reason: string): void {
    if (!this.onUpdate) return;
    this.onUpdate({ documents: this.snapshotDocuments(), problems: [], reason });
    if (this.options.onPods) {
      const pods = [...this.informers].filter(([resource]) => resource.group === '' && resource.plural === 'pods')
        .flatMap(([, informer]) => informer.list());
      this.options.onPods(pods as k8s.V1Pod[]);
    }
  }

  /** One document per object, in a stable order so an unchanged cluster yields identical input. */
  private snapshotDocuments(): ConfigDocument[] {
    const documents: ConfigDocument[] = [];
    for (const [resource, informer] of this.informers) {
      for (const object of informer.list()) {
        const meta = object.metadata ?? {};
        documents.push({
          source: `kubernetes:${resource.kind}/${meta.namespace ?? ''}/${meta.name ?? ''}`,
          text: JSON.stringify(servedFields(object, resource)),
        });
      }
    }
    return documents.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  }
}

function defaultKubeConfig(): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** Lists across all namespaces; every non-core group goes through the generic custom-objects path. */
function lister(kubeConfig: k8s.KubeConfig, resource: WatchedResource): k8s.ListPromise<k8s.KubernetesObject> {
  if (resource.group === '') {
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    switch (resource.plural) {
      case 'services': return () => core.listServiceForAllNamespaces();
      case 'pods': return () => core.listPodForAllNamespaces();
      default: throw new Error(`core resource '${resource.plural}' is not watched by the reconciler`);
    }
  }
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const { group, version, plural } = resource;
  return () => custom.listClusterCustomObject({ group, version, plural }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
}

function apiVersionOf(resource: WatchedResource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

function collectionPath(resource: WatchedResource): string {
  return resource.group
    ? `/apis/${resource.group}/${resource.version}/${resource.plural}`
    : `/api/${resource.version}/${resource.plural}`;
}

/** Drops server-managed metadata (managedFields, resourceVersion, …) that the mesh model never reads. */
function servedFields(object: k8s.KubernetesObject, resource: WatchedResource): Record<string, unknown> {
  const { metadata, ...rest } = object as k8s.KubernetesObject & Record<string, unknown>;
  return {
    ...rest,
    apiVersion: object.apiVersion ?? apiVersionOf(resource),
    kind: object.kind ?? resource.kind,
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      ...(metadata?.labels ? { labels: metadata.labels } : {}),
      ...(metadata?.annotations ? { annotations: metadata.annotations } : {}),
    },
  };
}
