/** Who a connected proxy is, from the `node` it sends on its first xDS request. */
import type { InterceptionMode } from '../model';
import { NODE_METADATA } from '../model';
import type { ProxyIdentity, ProxyType } from './contract';
import { structToPlain } from './protobuf-struct';

/** The parts of an Envoy `Node` the reconciler reads; `metadata` may be a Struct or plain JSON. */
export interface XdsNodeLike {
  readonly id?: string;
  readonly cluster?: string;
  readonly metadata?: unknown;
}

/**
 * Parses the identity written by `buildBootstrapNode()`. Namespace falls back to the Istio-style
 * id (`sidecar~<ip>~<pod>.<namespace>~…`) so hand-written bootstraps still work; a node with
 * neither is refused because every scoping decision depends on the namespace.
 */
export function parseProxyIdentity(node: XdsNodeLike | undefined): ProxyIdentity {
  const id = node?.id ?? '';
  const metadata = structToPlain(node?.metadata);
  const fromId = parseIstioNodeId(id);
  const namespace = stringField(metadata, NODE_METADATA.namespace) ?? fromId.namespace;
  if (!namespace) {
    throw new Error(`xDS node '${id}' has no namespace: set node.metadata.${NODE_METADATA.namespace} `
      + '(buildEnvoyBootstrap() does) or use an id of the form sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>');
  }
  const mode = stringField(metadata, NODE_METADATA.interceptionMode) ?? 'REDIRECT';
  if (mode !== 'REDIRECT' && mode !== 'NONE') {
    throw new Error(`xDS node '${id}' has ${NODE_METADATA.interceptionMode} '${mode}'; it must be REDIRECT or NONE`);
  }
  const instanceIp = (stringField(metadata, NODE_METADATA.instanceIps) ?? fromId.ip ?? '').split(',')[0].trim();
  return {
    id,
    namespace,
    serviceAccount: stringField(metadata, NODE_METADATA.serviceAccount) ?? 'default',
    name: stringField(metadata, NODE_METADATA.name) ?? fromId.name ?? id,
    labels: stringRecord(metadata[NODE_METADATA.labels]),
    instanceIp: instanceIp || '127.0.0.1',
    interceptionMode: mode as InterceptionMode,
    proxyType: proxyTypeOf(id),
    metadata,
  };
}

/** Istio's node id starts with the proxy type; gateways built by `IngressGateway` use `router~`. */
function proxyTypeOf(id: string): ProxyType {
  return id.startsWith('router~') ? 'router' : 'sidecar';
}

function parseIstioNodeId(id: string): { ip?: string; name?: string; namespace?: string } {
  const parts = id.split('~');
  if (parts.length !== 4) {
    return {};
  }
  const [, ip, podDotNamespace] = parts;
  const dot = podDotNamespace.lastIndexOf('.');
  return dot > 0
    ? { ip: ip || undefined, name: podDotNamespace.slice(0, dot), namespace: podDotNamespace.slice(dot + 1) || undefined }
    : { ip: ip || undefined, name: podDotNamespace || undefined };
}

function stringField(metadata: Record<string, unknown>, key: string): string | undefined {
  const value = metadata[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) {
    return {};
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
