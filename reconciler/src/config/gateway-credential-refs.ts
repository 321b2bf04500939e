/**
 * Which Secrets the Gateways' HTTPS servers need. As in Istio, a server's `tls.credentialName` names
 * a Secret in the namespace of the gateway workload (the pods the Gateway's selector picks); while no
 * such pod exists, the Gateway's own namespace is assumed, which is where the IngressGateway
 * construct puts both.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { labelsMatch } from '../push/label-selector';

export interface GatewayCredentialRef {
  readonly namespace: string;
  readonly name: string;
}

interface GatewayShape {
  readonly metadata?: { readonly namespace?: string };
  readonly spec?: {
    readonly selector?: Record<string, string>;
    readonly servers?: readonly { readonly tls?: { readonly credentialName?: unknown } }[];
  };
}

/** Every (namespace, Secret name) a Gateway server names, sorted and without duplicates. */
export function gatewayCredentialRefs(gateways: readonly KubernetesObject[], pods: readonly V1Pod[]): GatewayCredentialRef[] {
  const refs = new Map<string, GatewayCredentialRef>();
  for (const gateway of gateways as readonly GatewayShape[]) {
    const names = (gateway.spec?.servers ?? [])
      .map((server) => server?.tls?.credentialName)
      .filter((name): name is string => typeof name === 'string' && name.length > 0);
    if (names.length === 0) continue;
    for (const namespace of workloadNamespaces(gateway, pods)) {
      for (const name of names) refs.set(`${namespace}/${name}`, { namespace, name });
    }
  }
  return [...refs.keys()].sort().map((key) => refs.get(key)!);
}

function workloadNamespaces(gateway: GatewayShape, pods: readonly V1Pod[]): string[] {
  const selector = gateway.spec?.selector;
  const selected = selector && Object.keys(selector).length > 0
    ? pods.filter((pod) => labelsMatch(selector, pod.metadata?.labels ?? {})).map((pod) => pod.metadata?.namespace ?? 'default')
    : [];
  return selected.length > 0 ? [...new Set(selected)] : [gateway.metadata?.namespace ?? 'default'];
}
