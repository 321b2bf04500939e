/**
 * One list + watch of a Kubernetes collection that never goes silently stale: it is `synced` once its
 * first list has succeeded, every failure (a refused list, a dropped watch, an unreachable API
 * server) is reported with what to fix, and it restarts with exponential backoff until stopped.
 * The object cache and the resume-from-resourceVersion logic are `@kubernetes/client-node`'s ListWatch.
 */
import * as k8s from '@kubernetes/client-node';
import { describeApiError, httpStatusOf } from './http-status';
import type { WatchHealth } from './source';
import type { WatchedResource } from '../model';

/** What `/readyz` and the metrics show of one watch; `name` is e.g. `virtualservices.networking.istio.io`. */
export type ResourceWatchStatus = WatchHealth;

/** The bits of the client the watch needs, so tests can drive it with fakes. */
export interface WatchClient {
  readonly list: () => Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
  readonly watch: Pick<k8s.Watch, 'watch'>;
}

export interface ResourceWatchOptions {
  readonly resource: WatchedResource;
  /** Collection path, e.g. `/apis/networking.istio.io/v1/virtualservices`. */
  readonly path: string;
  readonly client: WatchClient;
  /** Restricts the watch, e.g. `metadata.name=shop-tls` (authorized against RBAC resourceNames). */
  readonly fieldSelector?: string;
  /** Label of this watch in reports. @default `<plural>.<group>` */
  readonly name?: string;
  /** Called after every change of the cached objects, with the verb (`add`, `update`, `delete`). */
  readonly onChange: (verb: string) => void;
  /** Called with every failure; the watch restarts by itself after the backoff. */
  readonly onFailure: (status: ResourceWatchStatus, error: unknown) => void;
  /** What the cache keeps of each listed or watched object (see watched-object-trim.ts). @default the whole object */
  readonly trim?: (object: k8s.KubernetesObject) => k8s.KubernetesObject;
  /** @default 500 */
  readonly initialBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
}

/** Watch events that carry an object of the collection (not ERROR's Status, not BOOKMARK's bare metadata). */
const OBJECT_PHASES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);

export class ResourceWatch {
  readonly name: string;
  private readonly listWatch: k8s.ListWatch<k8s.KubernetesObject>;
  private synced = false;
  private consecutiveFailures = 0;
  private failuresTotal = 0;
  private lastError: string | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(private readonly options: ResourceWatchOptions) {
    const { resource } = options;
    this.name = options.name ?? (resource.group ? `${resource.plural}.${resource.group}` : resource.plural);
    const trim = options.trim;
    const list = async () => {
      const listed = await options.client.list();
      const result = trim ? { ...listed, items: listed.items.map(trim) } : listed;
      this.markHealthy();
      if (!this.synced) {
        this.synced = true;
        this.syncWaiters.splice(0).forEach((resolve) => resolve());
      }
      return result;
    };
    const watch: Pick<k8s.Watch, 'watch'> = trim ? {
      watch: (path, query, callback, done) => options.client.watch.watch(path, query,
        (phase, object, event) => callback(phase, OBJECT_PHASES.has(phase) ? trim(object as k8s.KubernetesObject) : object, event), done),
    } : options.client.watch;
    this.listWatch = new k8s.ListWatch(options.path, watch as k8s.Watch, list, false, undefined, options.fieldSelector);
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
      this.listWatch.on(verb, () => {
        this.markHealthy();
        if (this.synced) options.onChange(verb);
      });
    }
    this.listWatch.on(k8s.ERROR, (error) => this.failed(error));
  }

  /** Starts listing and watching; returns at once (see `whenSynced`). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.listWatch.start();
  }

  /** Resolves once the first list has succeeded (immediately if it has). */
  whenSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.listWatch.stop();
  }

  objects(): readonly k8s.KubernetesObject[] {
    return this.listWatch.list();
  }

  status(): ResourceWatchStatus {
    return {
      name: this.name,
      synced: this.synced,
      consecutiveFailures: this.consecutiveFailures,
      failuresTotal: this.failuresTotal,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private markHealthy(): void {
    this.consecutiveFailures = 0;
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.consecutiveFailures += 1;
    this.failuresTotal += 1;
    this.lastError = explainWatchFailure(this.options.resource, this.name, error);
    this.options.onFailure(this.status(), error);
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const backoff = Math.min(max, initial * 2 ** Math.min(this.consecutiveFailures - 1, 16));
    // Jitter keeps replicas from hammering a recovering API server in step.
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) void this.listWatch.start();
    }, delay);
    this.restartTimer.unref();
  }
}

/** A failure as an operator can act on it: what failed, why, and the fix. */
export function explainWatchFailure(resource: WatchedResource, name: string, error: unknown): string {
  const status = httpStatusOf(error);
  const message = describeApiError(error).replace(/^HTTP \d+: /, '');
  switch (status) {
    case 401:
      return `listing/watching ${name} failed: HTTP 401 Unauthorized; the reconciler's credentials were refused (check its ServiceAccount token or --kubeconfig)`;
    case 403:
      return `listing/watching ${name} failed: HTTP 403 Forbidden; the reconciler's ServiceAccount may not get/list/watch ${name}: apply the ClusterRole and RoleBindings the Mesh construct emits`;
    case 404:
      return `listing/watching ${name} failed: HTTP 404 Not Found; the API server does not serve ${resource.group || 'core'}/${resource.version} ${resource.plural}`
        + (resource.group.endsWith('istio.io') ? ': install the Istio CRDs first (Mesh({ emitCrds: true }) emits them)' : '');
    default:
      return `listing/watching ${name} failed${status ? `: HTTP ${status}` : ''}: ${message}; retrying with backoff (check that the API server is reachable)`;
  }
}
