/** Deterministic Envoy resource names, following Istio's conventions so operators recognise them. */

/** `outbound|<port>|<subset>|<host>`; the subset part is empty for the whole service. */
export function outboundClusterName(port: number, subset: string | undefined, hostname: string): string {
  return `outbound|${port}|${subset ?? ''}|${hostname}`;
}

/** `inbound|<port>||`: the local application behind one inbound port. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
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
