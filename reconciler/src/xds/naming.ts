/** Deterministic Envoy resource names, following Istio's conventions so operators recognise them. */

/** `outbound|<port>|<subset>|<host>`; the subset part is empty for the whole service. */
export function outboundClusterName(port: number, subset: string | undefined, hostname: string): string {
  return `outbound|${port}|${subset ?? ''}|${hostname}`;
}

/** `inbound|<port>||`: the local application behind one inbound port. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** What a cluster name built by the functions above says about its destination. */
export type ParsedClusterName =
  | { readonly direction: 'outbound'; readonly port: number; readonly subset?: string; readonly hostname: string }
  | { readonly direction: 'inbound'; readonly port: number };

/** The inverse of `outboundClusterName` / `inboundClusterName`; undefined for any other name. */
export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, portText, subset, hostname] = parts;
  const port = Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || String(port) !== portText) return undefined;
  if (direction === 'inbound' && subset === '' && hostname === '') return { direction, port };
  if (direction === 'outbound' && hostname !== '') return { direction, port, hostname, ...(subset ? { subset } : {}) };
  return undefined;
}

/** Outbound HTTP routes are shared per port: every service on that port is a virtual host in it. */
export function outboundRouteName(port: number): string {
  return `${port}`;
}

/** Outbound listener per bind address and port, e.g. `0.0.0.0_9080`. */
export function outboundListenerName(bind: string, port: number): string {
  return `${bind}_${port}`;
}

/** Inbound listener per bind address and port when the proxy binds real ports (NONE mode). */
export function inboundListenerName(bind: string, port: number): string {
  return `inbound|${bind}_${port}`;
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughClusterIpv4';
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
