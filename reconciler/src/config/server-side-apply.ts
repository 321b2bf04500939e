/**
 * Server-side apply under the reconciler's field manager, for the few objects the reconciler writes
 * (its last-accepted ConfigMap, its webhook's caBundle). Loaded only in Kubernetes mode.
 */
import * as k8s from '@kubernetes/client-node';
import { RECONCILER_FIELD_MANAGER } from '../model';

/** Reads and applies one kind of object; the stores and patchers take this, so tests pass fakes. */
export interface ObjectClient<T> {
  read(name: string, namespace?: string): Promise<T>;
  /** Applies `body` (a partial object naming only the fields the reconciler owns), forcing ownership. */
  apply(body: T & { metadata: { name: string; namespace?: string } }): Promise<void>;
}

const APPLY = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

export function configMapClient(kubeConfig: k8s.KubeConfig): ObjectClient<k8s.V1ConfigMap> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  return {
    read: (name, namespace) => core.readNamespacedConfigMap({ name, namespace: namespace! }),
    apply: async (body) => {
      await core.patchNamespacedConfigMap(
        { name: body.metadata.name, namespace: body.metadata.namespace!, body, fieldManager: RECONCILER_FIELD_MANAGER, force: true }, APPLY());
    },
  };
}

export function validatingWebhookConfigurationClient(kubeConfig: k8s.KubeConfig): ObjectClient<k8s.V1ValidatingWebhookConfiguration> {
  const api = kubeConfig.makeApiClient(k8s.AdmissionregistrationV1Api);
  return {
    read: (name) => api.readValidatingWebhookConfiguration({ name }),
    apply: async (body) => {
      await api.patchValidatingWebhookConfiguration({ name: body.metadata.name, body, fieldManager: RECONCILER_FIELD_MANAGER, force: true }, APPLY());
    },
  };
}
