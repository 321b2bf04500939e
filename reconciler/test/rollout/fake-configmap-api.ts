/**
 * The ConfigMap calls of the rollout store against an in-memory API server: resourceVersions that
 * change on every write, 409 Conflict on a stale replace or a second create, 404 when absent, and
 * followers notified of every change, as a watch would.
 */
import type * as k8s from '@kubernetes/client-node';
import type { ConfigMapApi } from '../../src/rollout/configmap-rollout-state-store';

/** An error shaped like client-node's ApiException. */
export function apiError(code: number, message: string): Error & { code: number; body: string } {
  return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!`), { code, body: JSON.stringify({ kind: 'Status', code, message }) });
}

export class FakeConfigMapApi implements ConfigMapApi {
  private readonly stored = new Map<string, k8s.V1ConfigMap>();
  private version = 100;
  private readonly followers = new Set<(configMap: k8s.V1ConfigMap | undefined) => void>();
  /** Every write that succeeded, in order. */
  readonly writes: k8s.V1ConfigMap[] = [];
  /** Answers every call with this HTTP status while set. */
  refuseWith: number | undefined;

  async read(name: string, namespace: string): Promise<k8s.V1ConfigMap> {
    this.checkRefusal();
    const found = this.stored.get(`${namespace}/${name}`);
    if (!found) throw apiError(404, `configmaps "${name}" not found`);
    return structuredClone(found);
  }

  async create(namespace: string, body: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap> {
    this.checkRefusal();
    const key = `${namespace}/${body.metadata!.name}`;
    if (this.stored.has(key)) throw apiError(409, `configmaps "${body.metadata!.name}" already exists`);
    return this.store(key, body);
  }

  async replace(name: string, namespace: string, body: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap> {
    this.checkRefusal();
    const key = `${namespace}/${name}`;
    const current = this.stored.get(key);
    if (!current) throw apiError(404, `configmaps "${name}" not found`);
    if (body.metadata?.resourceVersion !== current.metadata!.resourceVersion) {
      throw apiError(409, `Operation cannot be fulfilled on configmaps "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    return this.store(key, body);
  }

  /** What a watch of the ConfigMap would deliver: its content after each change. */
  follow(onChange: (configMap: k8s.V1ConfigMap | undefined) => void): () => Promise<void> {
    this.followers.add(onChange);
    return async () => {
      this.followers.delete(onChange);
    };
  }

  /** An edit from outside the reconciler (kubectl edit). */
  overwrite(namespace: string, name: string, data: Record<string, string>): void {
    this.store(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
  }

  private store(key: string, body: k8s.V1ConfigMap): k8s.V1ConfigMap {
    const saved: k8s.V1ConfigMap = structuredClone({ ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } });
    this.stored.set(key, saved);
    this.writes.push(saved);
    for (const follower of this.followers) follower(structuredClone(saved));
    return structuredClone(saved);
  }

  private checkRefusal(): void {
    if (this.refuseWith !== undefined) throw apiError(this.refuseWith, `configmaps is forbidden: User "system:serviceaccount:mesh-system:mesh-reconciler" cannot do that`);
  }
}
