/**
 * Kubernetes mode's LastAcceptedStore: a ConfigMap in the reconciler's namespace, one key per saved
 * object, written by server-side apply with the reconciler's field manager. Every replica computes
 * the same accepted set from the same API state, so concurrent writes converge on the same content.
 */
import type * as k8s from '@kubernetes/client-node';
import { describeApiError, httpStatusOf } from './http-status';
import { heldObjectKey, LastAcceptedStore, parseHeldObjects } from './last-accepted-store';
import type { ServedVersion } from './last-good';
import type { ObjectClient } from './server-side-apply';
import { LAST_ACCEPTED_CONFIG_MAP, RECONCILER_FIELD_MANAGER } from '../model';

export class ConfigMapLastAcceptedStore implements LastAcceptedStore {
  readonly description: string;

  constructor(private readonly api: ObjectClient<k8s.V1ConfigMap>, private readonly namespace: string, private readonly name = LAST_ACCEPTED_CONFIG_MAP) {
    this.description = `ConfigMap ${namespace}/${name}`;
  }

  async load(): Promise<ServedVersion[]> {
    let configMap: k8s.V1ConfigMap;
    try {
      configMap = await this.api.read(this.name, this.namespace);
    } catch (error) {
      if (httpStatusOf(error) === 404) return [];
      throw withFix(this.description, 'read', error);
    }
    const entries = Object.fromEntries(Object.entries(configMap.data ?? {}).map(([key, text]) => [key, parseEntry(this.description, key, text)]));
    return parseHeldObjects(entries, this.description);
  }

  async save(versions: readonly ServedVersion[]): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': RECONCILER_FIELD_MANAGER } },
      data: Object.fromEntries(versions.map((version) => [heldObjectKey(version.object), JSON.stringify(version)])),
    };
    try {
      await this.api.apply(body);
    } catch (error) {
      throw withFix(this.description, 'write', error);
    }
  }
}

function parseEntry(description: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${description}: entry '${key}' is not JSON; delete the entry and the reconciler writes it again`);
  }
}

function withFix(description: string, verb: 'read' | 'write', error: unknown): Error {
  const status = httpStatusOf(error);
  const fix = status === 403
    ? `; the reconciler's Role must allow get and patch on it (the Mesh construct emits that Role)`
    : '';
  return new Error(`cannot ${verb} ${description}: ${describeApiError(error)}${fix}`);
}
