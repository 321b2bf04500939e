/**
 * Which Secrets the Gateways' HTTPS servers need. As in Istio, a server's `tls.credentialName` names
 * a Secret in the namespace of the gateway workload (the pods the Gateway's selector picks); while no
 * such pod exists, the Gateway's own namespace is assumed, which is where the IngressGateway
 * construct puts both.
 */
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

/** One HTTPS server's credential: its index in `spec.servers`, the Secret name, where it is looked for. */
export interface ServerCredential {
  readonly serverIndex: number;
  readonly name: string;
  readonly namespaces: readonly string[];
}

/** The credentials the servers of one Gateway name. */
export function serverCredentials(gateway: object, pods: readonly PodShape[]): ServerCredential[] {
  const shape = gateway as GatewayShape;
  const namespaces = workloadNamespaces(shape, pods);
  return (shape.spec?.servers ?? []).flatMap((server, serverIndex) => {
    const name = server?.tls?.credentialName;
    return typeof name === 'string' && name.length > 0 ? [{ serverIndex, name, namespaces }] : [];
  });
}

/** Every (namespace, Secret name) a Gateway server names, sorted and without duplicates. */
export function gatewayCredentialRefs(gateways: readonly object[], pods: readonly PodShape[]): GatewayCredentialRef[] {
  const refs = new Map<string, GatewayCredentialRef>();
  for (const gateway of gateways) {
    for (const { name, namespaces } of serverCredentials(gateway, pods)) {
      for (const namespace of namespaces) refs.set(`${namespace}/${name}`, { namespace, name });
    }
  }
  return [...refs.keys()].sort().map((key) => refs.get(key)!);
}

/** What is read of a pod (a client-node `V1Pod` is one): its namespace and labels. */
export interface PodShape {
  readonly metadata?: { readonly namespace?: string; readonly labels?: Record<string, string> };
}

function workloadNamespaces(gateway: GatewayShape, pods: readonly PodShape[]): string[] {
  const selector = gateway.spec?.selector;
  const selected = selector && Object.keys(selector).length > 0
    ? pods.filter((pod) => labelsMatch(selector, pod.metadata?.labels ?? {})).map((pod) => pod.metadata?.namespace ?? 'default')
    : [];
  return selected.length > 0 ? [...new Set(selected)] : [gateway.metadata?.namespace ?? 'default'];
}
