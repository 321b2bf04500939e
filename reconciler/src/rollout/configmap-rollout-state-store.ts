/**
 * Kubernetes mode's RolloutStateStore: one ConfigMap in the reconciler's namespace that no manifest
 * declares (so Argo CD never sees it drift), labelled as the reconciler's. Only the Lease holder
 * writes it, and every write carries the resourceVersion of the last read or write: a write based on
 * stale state (a former leader still saving) fails with 409 Conflict instead of overwriting a newer
 * step, and the writer re-reads. The other replicas watch it and serve the weights it holds.
 */
import type * as k8s from '@kubernetes/client-node';
import { describeApiError, httpStatusOf } from '../config/http-status';
import { RECONCILER_FIELD_MANAGER, ROLLOUT_STATE_CONFIG_MAP } from '../model';
import type { RolloutRecord } from './rollout-record';
import { parseRolloutRecords, ROLLOUT_STATE_FORMAT_VERSION, RolloutStateConflict, RolloutStateStore } from './rollout-state-store';

/** The key holding `{ version, rollouts }` as JSON. */
export const ROLLOUT_STATE_KEY = 'rollouts.json';

/** The ConfigMap calls the store makes, so tests pass a fake; each fails with the API's HTTP status. */
export interface ConfigMapApi {
  read(name: string, namespace: string): Promise<k8s.V1ConfigMap>;
  create(namespace: string, body: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap>;
  /** Fails with 409 when `body.metadata.resourceVersion` is not the stored one. */
  replace(name: string, namespace: string, body: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap>;
}

export interface ConfigMapRolloutStateStoreOptions {
  readonly api: ConfigMapApi;
  readonly namespace: string;
  /** @default ROLLOUT_STATE_CONFIG_MAP */
  readonly name?: string;
  /**
   * Follows the ConfigMap (a list + watch by name): calls `onChange` with it after every change and
   * returns the function that stops following. Without it the store cannot be watched.
   */
  readonly follow?: (onChange: (configMap: k8s.V1ConfigMap | undefined) => void) => () => Promise<void>;
  /** Saved state a follower read but could not parse. */
  readonly onWatchError?: (message: string) => void;
}

export class ConfigMapRolloutStateStore implements RolloutStateStore {
  readonly description: string;
  private readonly name: string;
  /** resourceVersion of the last read or write; null once a read found no ConfigMap; undefined before any read. */
  private resourceVersion: string | null | undefined;

  constructor(private readonly options: ConfigMapRolloutStateStoreOptions) {
    this.name = options.name ?? ROLLOUT_STATE_CONFIG_MAP;
    this.description = `ConfigMap ${options.namespace}/${this.name}`;
  }

  async load(): Promise<RolloutRecord[]> {
    let configMap: k8s.V1ConfigMap;
    try {
      configMap = await this.options.api.read(this.name, this.options.namespace);
    } catch (error) {
      if (httpStatusOf(error) === 404) {
        this.resourceVersion = null;
        return [];
      }
      throw this.failure('read', error);
    }
    this.resourceVersion = configMap.metadata?.resourceVersion ?? null;
    return this.recordsOf(configMap);
  }

  async save(records: readonly RolloutRecord[]): Promise<void> {
    if (this.resourceVersion === undefined) await this.load();
    const body: k8s.V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.options.namespace,
        labels: { 'app.kubernetes.io/managed-by': RECONCILER_FIELD_MANAGER },
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      },
      data: { [ROLLOUT_STATE_KEY]: JSON.stringify({ version: ROLLOUT_STATE_FORMAT_VERSION, rollouts: records }) },
    };
    let written: k8s.V1ConfigMap;
    try {
      written = this.resourceVersion
        ? await this.options.api.replace(this.name, this.options.namespace, body)
        : await this.options.api.create(this.options.namespace, body);
    } catch (error) {
      if (httpStatusOf(error) === 409) {
        // The next save must not reuse the stale version: the caller re-reads (load) first.
        this.resourceVersion = undefined;
        throw new RolloutStateConflict(`${this.description} was written by another replica since this one read it (${describeApiError(error)}); re-reading it`);
      }
      throw this.failure('write', error);
    }
    this.resourceVersion = written.metadata?.resourceVersion ?? undefined;
  }

  /** Calls `onRecords` with the saved records on every change of the ConfigMap; returns the stop function. */
  watch(onRecords: (records: RolloutRecord[]) => void): () => Promise<void> {
    const follow = this.options.follow;
    if (!follow) throw new Error(`${this.description} cannot be watched: the store was made without a way to follow it`);
    return follow((configMap) => {
      // Deleted: the leader writes it again with its next save; meanwhile the served weights stay.
      if (!configMap) return;
      try {
        onRecords(this.recordsOf(configMap));
      } catch (error) {
        this.options.onWatchError?.((error as Error).message);
      }
    });
  }

  private recordsOf(configMap: k8s.V1ConfigMap): RolloutRecord[] {
    const text = configMap.data?.[ROLLOUT_STATE_KEY];
    if (text === undefined) return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${this.description}: key ${ROLLOUT_STATE_KEY} is not JSON; delete the ConfigMap and every declared rollout starts again at step 1`);
    }
    return parseRolloutRecords(value, this.description);
  }

  private failure(verb: 'read' | 'write', error: unknown): Error {
    const fix = httpStatusOf(error) === 403
      ? `; the reconciler's Role must allow get, update, list and watch on ConfigMap ${this.name} and create on configmaps (the Mesh construct emits that Role)`
      : '';
    return new Error(`cannot ${verb} ${this.description}: ${describeApiError(error)}${fix}`);
  }
}
