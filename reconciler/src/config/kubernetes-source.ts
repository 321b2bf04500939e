/**
 * Kubernetes mode: a list + watch of the Istio kinds the reconciler serves plus Services,
 * EndpointSlices and Pods, and one watch by name per gateway credential Secret the Gateways name.
 * Every change hands the whole current object set to the reconciler, which re-ingests it atomically
 * like a directory change, so both sources share one validation path. `start` resolves once every
 * cluster-wide watch has completed its first list; until then, and whenever a watch fails later,
 * `status()` says what is wrong and how to fix it.
 */
import * as k8s from '@kubernetes/client-node';
import { ConnectionReusingKubeConfig } from './connection-reusing-kube-config';
import { gatewayCredentialRefs, GatewayCredentialRef } from './gateway-credential-refs';
import type { InvolvedObject } from './rejection-events';
import { ResourceWatch, ResourceWatchStatus, WatchClient } from './resource-watch';
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler, SourceStatus } from './source';
import { LAST_APPLIED_ANNOTATION, watchedObjectTrim } from './watched-object-trim';
import { WATCHED_RESOURCES, WatchedResource } from '../model';

export type { WatchedResource } from '../model';
export { WATCHED_RESOURCES } from '../model';

const SECRET_RESOURCE: WatchedResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };

export interface KubernetesSourceOptions {
  /** Loaded from the in-cluster service account, or `$KUBECONFIG` / `~/.kube/config` when absent. */
  readonly kubeConfig?: k8s.KubeConfig;
  /** @default WATCHED_RESOURCES */
  readonly resources?: readonly WatchedResource[];
  /** Reports every failed list or watch (the watch restarts itself with backoff). */
  readonly onWatchError?: (status: ResourceWatchStatus, error: unknown) => void;
  /**
   * Receives every Pod in the cluster (full objects) with each update, for work that depends on
   * where workloads run, such as publishing the mesh root certificate.
   */
  readonly onPods?: (pods: readonly k8s.V1Pod[]) => void;
  /** First backoff after a failure; doubles up to 30 s. @default 500 */
  readonly initialBackoffMs?: number;
}

export class KubernetesSource implements ConfigSource {
  private readonly kubeConfig: k8s.KubeConfig;
  private readonly resources: readonly WatchedResource[];
  private readonly watches = new Map<WatchedResource, ResourceWatch>();
  /** `<namespace>/<name>` → the watch of that one gateway credential Secret. */
  private readonly credentialWatches = new Map<string, ResourceWatch>();
  /** The document of each object version the watches hold (see snapshotDocuments). */
  private readonly documents = new WeakMap<k8s.KubernetesObject, ConfigDocument>();
  private onUpdate: ConfigUpdateHandler | undefined;
  private stopped = false;

  constructor(private readonly options: KubernetesSourceOptions = {}) {
    this.kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.resources = options.resources ?? WATCHED_RESOURCES;
  }

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    for (const resource of this.resources) {
      const watch = this.newWatch(resource, collectionPath(resource), clusterWideClient(this.kubeConfig, resource));
      this.watches.set(resource, watch);
      watch.start();
    }
    // Serving before every kind is known would hand proxies a partial mesh: wait, reporting failures.
    await Promise.all([...this.watches.values()].map((watch) => watch.whenSynced()));
    if (this.stopped) return;
    this.onUpdate = onUpdate;
    this.emit('config:initial-load');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.onUpdate = undefined;
    await Promise.all([...this.watches.values(), ...this.credentialWatches.values()].map((watch) => watch.stop()));
  }

  status(): SourceStatus {
    const watches = [...this.watches.values(), ...this.credentialWatches.values()].map((watch) => watch.status());
    const waiting = [...this.watches.values()].filter((watch) => !watch.status().synced).map((watch) => watch.status());
    return { ready: waiting.length === 0, watches };
  }

  /** The API object behind a document source (`kubernetes:Kind/namespace/name`), for Events about it. */
  involvedObject(documentSource: string): InvolvedObject | undefined {
    const match = /^kubernetes:([^/]+)\/([^/]*)\/(.+)$/.exec(documentSource);
    if (!match) return undefined;
    const [, kind, namespace, name] = match;
    for (const [resource, watch] of this.watches) {
      if (resource.kind !== kind) continue;
      const object = watch.objects().find((candidate) => candidate.metadata?.name === name && (candidate.metadata?.namespace ?? '') === namespace);
      if (!object) return undefined;
      return { apiVersion: apiVersionOf(resource), kind, namespace, name, ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}) };
    }
    return undefined;
  }

  private newWatch(resource: WatchedResource, path: string, client: WatchClient, fieldSelector?: string, name?: string): ResourceWatch {
    return new ResourceWatch({
      resource,
      path,
      client,
      fieldSelector,
      name,
      initialBackoffMs: this.options.initialBackoffMs,
      trim: watchedObjectTrim(resource),
      onChange: (verb) => this.emit(`kubernetes:${resource.kind}-${verb}`, resource.plural),
      onFailure: (status, error) => this.options.onWatchError?.(status, error),
    });
  }

  /**
   * Hands the reconciler the current set. The documents are gathered when it reads them (once per
   * push, after the debounce), not per watch event: at thousands of objects, sorting them on each
   * of 40 endpoint changes a second was the largest cost of a churn.
   * @param plural the collection that changed; absent: all of them
   */
  private emit(reason: string, plural?: string): void {
    if (!this.onUpdate || this.stopped) return;
    const podsChanged = plural === undefined || plural === 'pods';
    if (podsChanged || plural === 'gateways') this.followGatewayCredentials();
    let documents: ConfigDocument[] | undefined;
    const gather = () => (documents ??= this.snapshotDocuments());
    this.onUpdate({ get documents() { return gather(); }, problems: [], reason });
    if (this.options.onPods && podsChanged) this.options.onPods(this.objectsOf('pods') as k8s.V1Pod[]);
  }

  private objectsOf(plural: string): k8s.KubernetesObject[] {
    return [...this.watches].filter(([resource]) => resource.plural === plural).flatMap(([, watch]) => watch.objects());
  }

  /** Starts a watch for each credential Secret the Gateways name, and stops those no longer named. */
  private followGatewayCredentials(): void {
    const wanted = new Map<string, GatewayCredentialRef>();
    for (const ref of gatewayCredentialRefs(this.objectsOf('gateways'), this.objectsOf('pods') as k8s.V1Pod[])) {
      wanted.set(`${ref.namespace}/${ref.name}`, ref);
    }
    for (const [key, watch] of this.credentialWatches) {
      if (!wanted.has(key)) {
        this.credentialWatches.delete(key);
        void watch.stop();
      }
    }
    for (const [key, ref] of wanted) {
      if (this.credentialWatches.has(key)) continue;
      const watch = this.newWatch(SECRET_RESOURCE, `/api/v1/namespaces/${ref.namespace}/secrets`,
        secretClient(this.kubeConfig, ref), `metadata.name=${ref.name}`, `secrets ${key}`);
      this.credentialWatches.set(key, watch);
      watch.start();
    }
  }

  /**
   * One document per object, in a stable order so an unchanged cluster yields identical input.
   * The watch caches replace an object when it changes, so a document is made once per object
   * version: every watch event hands over the whole set, and re-serializing thousands of unchanged
   * objects per event was most of the CPU an endpoint churn cost.
   */
  private snapshotDocuments(): ConfigDocument[] {
    const documents: ConfigDocument[] = [];
    const add = (resource: WatchedResource, watch: ResourceWatch) => {
      for (const object of watch.objects()) {
        let document = this.documents.get(object);
        if (!document) {
          document = kubernetesDocument(object, resource);
          this.documents.set(object, document);
        }
        documents.push(document);
      }
    };
    for (const [resource, watch] of this.watches) add(resource, watch);
    for (const watch of this.credentialWatches.values()) add(SECRET_RESOURCE, watch);
    return documents.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  }
}

/** The document of one API object, as ingest reads it (the admission webhook builds the same). */
export function kubernetesDocument(object: k8s.KubernetesObject, resource: WatchedResource): ConfigDocument {
  const meta = object.metadata ?? {};
  const text = JSON.stringify(servedFields(object, resource));
  return {
    source: `kubernetes:${resource.kind}/${meta.namespace ?? ''}/${meta.name ?? ''}`,
    text,
    apiObject: true,
    // The text is JSON, which the YAML reader would read the same, many times slower; a getter, so
    // a document ingest finds in its cache is never parsed at all.
    get parsed() {
      return [{ index: 0, line: 1, value: JSON.parse(text) as unknown, notes: [] }];
    },
  };
}

function defaultKubeConfig(): k8s.KubeConfig {
  const kubeConfig = new ConnectionReusingKubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** Lists across all namespaces; every non-core group goes through the generic custom-objects path. */
function clusterWideClient(kubeConfig: k8s.KubeConfig, resource: WatchedResource): WatchClient {
  const watch = new k8s.Watch(kubeConfig);
  if (resource.group === '') {
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    switch (resource.plural) {
      case 'services': return { watch, list: () => core.listServiceForAllNamespaces() };
      case 'pods': return { watch, list: () => core.listPodForAllNamespaces() };
      default: throw new Error(`core resource '${resource.plural}' is not watched by the reconciler`);
    }
  }
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const { group, version, plural } = resource;
  return {
    watch,
    list: () => custom.listClusterCustomObject({ group, version, plural }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
  };
}

function secretClient(kubeConfig: k8s.KubeConfig, ref: GatewayCredentialRef): WatchClient {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  return {
    watch: new k8s.Watch(kubeConfig),
    list: () => core.listNamespacedSecret({ namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` }),
  };
}

function apiVersionOf(resource: WatchedResource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

function collectionPath(resource: WatchedResource): string {
  return resource.group
    ? `/apis/${resource.group}/${resource.version}/${resource.plural}`
    : `/api/${resource.version}/${resource.plural}`;
}

/**
 * Drops server-managed metadata (managedFields, resourceVersion, …) that the mesh model never reads;
 * keeps the uid, which Events about the object refer to.
 */
function servedFields(object: k8s.KubernetesObject, resource: WatchedResource): Record<string, unknown> {
  const { metadata, ...rest } = object as k8s.KubernetesObject & Record<string, unknown>;
  return {
    ...rest,
    apiVersion: object.apiVersion ?? apiVersionOf(resource),
    kind: object.kind ?? resource.kind,
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      ...(metadata?.uid ? { uid: metadata.uid } : {}),
      ...(metadata?.labels ? { labels: metadata.labels } : {}),
      ...(metadata?.annotations ? { annotations: withoutLastApplied(metadata.annotations) } : {}),
    },
  };
}

/** kubectl's client-side apply copy of the whole object is not config; it only doubles the size. */
function withoutLastApplied(annotations: Record<string, string>): Record<string, string> {
  const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...rest } = annotations;
  return rest;
}
