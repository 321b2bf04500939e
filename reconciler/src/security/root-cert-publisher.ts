/**
 * Kubernetes mode: publishes the mesh root certificate as a ConfigMap into every namespace whose
 * pods mount it, where sidecars read it to verify the reconciler's xDS TLS certificate. Writes
 * are create-or-update and skipped when the content is already there, so several replicas and
 * frequent config updates converge without churn. A failed namespace is retried on the next call.
 */
import type { CoreV1Api, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { describeApiError, httpStatusOf } from '../config/http-status';
import { XDS_CREDENTIALS } from '../model';

/** The three CoreV1Api ConfigMap calls the publisher needs, so tests can pass a fake. */
export type ConfigMapApi = Pick<CoreV1Api, 'readNamespacedConfigMap' | 'createNamespacedConfigMap' | 'replaceNamespacedConfigMap'>;

export interface RootCertificatePublisherOptions {
  /** The root certificate PEM; asked for on the first publish, after the CA is loaded. */
  readonly rootCertificatePem: () => Promise<string>;
  /** Reports a namespace that could not be written (it is retried on the next publish). */
  readonly onError?: (namespace: string, error: Error) => void;
}

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-mesh-reconciler' };

/** Namespaces with at least one pod mounting the root certificate ConfigMap, sorted. */
export function namespacesMountingRootCertificate(pods: readonly V1Pod[]): string[] {
  const namespaces = pods
    .filter((pod) => (pod.spec?.volumes ?? []).some((volume) => volume.configMap?.name === XDS_CREDENTIALS.rootCertConfigMap))
    .map((pod) => pod.metadata?.namespace)
    .filter((namespace): namespace is string => Boolean(namespace));
  return [...new Set(namespaces)].sort();
}

export class RootCertificatePublisher {
  /** Namespace → the PEM known to be in its ConfigMap. */
  private readonly published = new Map<string, string>();
  private pem: string | undefined;
  /** Publishes run one after another, so two updates never race on the same ConfigMap. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly api: ConfigMapApi, private readonly options: RootCertificatePublisherOptions) {}

  /** Publishes into the namespaces of `pods` that mount the root; resolves when done. */
  publishForPods(pods: readonly V1Pod[]): Promise<void> {
    return this.publish(namespacesMountingRootCertificate(pods));
  }

  /** Publishes into each namespace not yet holding the current root; resolves when done. */
  publish(namespaces: readonly string[]): Promise<void> {
    this.queue = this.queue.then(() => this.publishNow(namespaces));
    return this.queue;
  }

  private async publishNow(namespaces: readonly string[]): Promise<void> {
    if (namespaces.length === 0) return;
    let pem: string;
    try {
      pem = this.pem ??= await this.options.rootCertificatePem();
    } catch (error) {
      namespaces.forEach((namespace) => this.options.onError?.(namespace, error as Error));
      return;
    }
    for (const namespace of namespaces) {
      if (this.published.get(namespace) === pem) continue;
      try {
        await this.writeConfigMap(namespace, pem);
        this.published.set(namespace, pem);
      } catch (error) {
        this.options.onError?.(namespace, withFix(namespace, error));
      }
    }
  }

  private async writeConfigMap(namespace: string, pem: string): Promise<void> {
    const name = XDS_CREDENTIALS.rootCertConfigMap;
    const data = { [XDS_CREDENTIALS.rootCertKey]: pem };
    const existing = await this.read(namespace);
    if (!existing) {
      try {
        await this.api.createNamespacedConfigMap({
          namespace,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: MANAGED_BY }, data },
        });
        return;
      } catch (error) {
        // Another replica created it first: fall through and check its content.
        if (httpStatusOf(error) !== HTTP_CONFLICT) throw error;
      }
    }
    const current = existing ?? await this.read(namespace);
    if (!current) throw new Error(`ConfigMap ${namespace}/${name}: create reported 409 Conflict but it cannot be read`);
    if (current.data?.[XDS_CREDENTIALS.rootCertKey] === pem) return;
    // The resourceVersion of `current` makes the API server refuse a replace that races another writer.
    await this.api.replaceNamespacedConfigMap({ name, namespace, body: { ...current, data: { ...current.data, ...data } } });
  }

  private async read(namespace: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.api.readNamespacedConfigMap({ name: XDS_CREDENTIALS.rootCertConfigMap, namespace });
    } catch (error) {
      if (httpStatusOf(error) === HTTP_NOT_FOUND) return undefined;
      throw error;
    }
  }
}

/** The failure with what to check: RBAC for a refusal, otherwise the API server's answer. */
function withFix(namespace: string, error: unknown): Error {
  const status = httpStatusOf(error);
  const reason = status === 403
    ? `the reconciler may not get/create/update ConfigMaps in namespace ${namespace}; check the ClusterRole the Mesh construct emits`
    : describeApiError(error);
  return new Error(`publishing the mesh root certificate to ConfigMap ${namespace}/${XDS_CREDENTIALS.rootCertConfigMap} failed`
    + `${status ? ` (HTTP ${status})` : ''}: ${reason}; sidecars in ${namespace} cannot start until it exists`);
}
