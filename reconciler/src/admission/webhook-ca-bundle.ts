/**
 * The webhook's caBundle is the mesh root, which exists only once a reconciler has created it, so
 * the Mesh construct leaves it out and the reconciler sets it with server-side apply under its own
 * field manager. Argo CD's and kubectl's server-side diffs of the synthesized YAML then see no
 * change: the field belongs to another manager and is not in their applied config.
 */
import type * as k8s from '@kubernetes/client-node';
import { describeApiError, httpStatusOf } from '../config/http-status';
import type { ObjectClient } from '../config/server-side-apply';
import { WEBHOOK_NAME } from '../model';

export type WebhookConfigurationClient = ObjectClient<k8s.V1ValidatingWebhookConfiguration>;

/** Outcome of one attempt; `missing` while the configuration is not in the cluster. */
export type CaBundleResult = 'set' | 'unchanged' | 'missing';

/** Sets the caBundle of the mesh's webhook when it differs from `rootCertificatePem`. */
export async function ensureWebhookCaBundle(api: WebhookConfigurationClient, configurationName: string, rootCertificatePem: string): Promise<CaBundleResult> {
  const caBundle = Buffer.from(rootCertificatePem).toString('base64');
  let current: k8s.V1ValidatingWebhookConfiguration;
  try {
    current = await api.read(configurationName);
  } catch (error) {
    if (httpStatusOf(error) === 404) return 'missing';
    throw explain(configurationName, 'read', error);
  }
  const webhook = (current.webhooks ?? []).find((entry) => entry.name === WEBHOOK_NAME);
  if (!webhook) {
    throw new Error(`ValidatingWebhookConfiguration ${configurationName} has no webhook named ${WEBHOOK_NAME}; apply the configuration the Mesh construct emits`);
  }
  if (webhook.clientConfig.caBundle === caBundle) return 'unchanged';
  const body = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: configurationName },
    webhooks: [{ name: WEBHOOK_NAME, clientConfig: { caBundle } }],
  };
  try {
    await api.apply(body as k8s.V1ValidatingWebhookConfiguration & { metadata: { name: string } });
  } catch (error) {
    throw explain(configurationName, 'patch', error);
  }
  return 'set';
}

function explain(name: string, verb: string, error: unknown): Error {
  const status = httpStatusOf(error);
  const fix = status === 403 ? '; the reconciler\'s ClusterRole must allow get and patch on it by name (the Mesh construct emits that rule)' : '';
  return new Error(`cannot ${verb} ValidatingWebhookConfiguration ${name}: ${describeApiError(error)}${fix}`);
}
