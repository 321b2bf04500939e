/**
 * Which Gateway servers a router proxy serves and on which sockets. A Gateway applies to a router
 * whose labels its `selector` matches (any namespace, as Istio does by default); its servers are
 * grouped by port into one listener each.
 */
import type { ScopedConfig } from '../../push/config-index';
import type { ProxyIdentity } from '../../push/contract';
import { labelsMatch } from '../../push/label-selector';
import { ownServices } from '../../push/proxy-scope';
import type { PushContext } from '../../push/push-context';

export interface GatewayServerTls {
  mode?: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
  httpsRedirect?: boolean;
  credentialName?: string;
  serverCertificate?: string;
  privateKey?: string;
}

export interface GatewayServer {
  port: { number: number; name?: string; protocol?: string; targetPort?: number };
  hosts?: string[];
  tls?: GatewayServerTls;
  name?: string;
}

export interface GatewaySpec {
  selector?: Record<string, string>;
  servers?: GatewayServer[];
}

/** How a server's connections are handled: plaintext HTTP, or HTTP behind TLS termination. */
export type GatewayServerKind = 'HTTP' | 'HTTPS';

/** One server of one Gateway, with the field path used in error messages. */
export interface GatewayServerRef {
  readonly gateway: ScopedConfig<GatewaySpec>;
  readonly server: GatewayServer;
  readonly kind: GatewayServerKind;
  /** `Gateway <ns>/<name> spec.servers[<i>]`. */
  readonly field: string;
}

/** One listener of the router: every server sharing a port. */
export interface GatewayListenerPlan {
  readonly bind: string;
  /** The socket port: the gateway Service's target port for the server port, else the server port. */
  readonly listenPort: number;
  /** The port the Gateway servers declare (what clients of the gateway Service dial). */
  readonly serverPort: number;
  readonly kind: GatewayServerKind;
  readonly servers: readonly GatewayServerRef[];
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC']);
const WILDCARD_ADDRESS = '0.0.0.0';

/** Gateways selecting the proxy, sorted by namespace and name. */
export function selectGateways(push: PushContext, proxy: ProxyIdentity): ScopedConfig<GatewaySpec>[] {
  return (push.gateways() as readonly ScopedConfig<GatewaySpec>[])
    .filter((gateway) => labelsMatch(gateway.spec.selector, proxy.labels));
}

/** `<namespace>/<name>` of a Gateway, the form VirtualServices bind to. */
export function gatewayRef(gateway: ScopedConfig<GatewaySpec>): string {
  return `${gateway.namespace}/${gateway.name}`;
}

export function planGatewayListeners(push: PushContext, proxy: ProxyIdentity): GatewayListenerPlan[] {
  const byPort = new Map<number, GatewayServerRef[]>();
  for (const gateway of selectGateways(push, proxy)) {
    (gateway.spec.servers ?? []).forEach((server, index) => {
      const field = `Gateway ${gateway.namespace}/${gateway.name} spec.servers[${index}]`;
      const kind = servedServerKind(server);
      if (!kind) return;
      const ref: GatewayServerRef = { gateway, server, kind, field };
      byPort.set(server.port.number, [...(byPort.get(server.port.number) ?? []), ref]);
    });
  }
  const bind = bindAddress(proxy);
  const targetPorts = serviceTargetPorts(push, proxy);
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([serverPort, servers]) => {
      const kinds = new Set(servers.map((ref) => ref.kind));
      if (kinds.size > 1) {
        throw new Error(`${servers.map((ref) => ref.field).join(' and ')} put HTTP and HTTPS on port ${serverPort}; `
          + 'one port carries either plaintext or TLS: move one of the servers to another port');
      }
      return { bind, listenPort: targetPorts.get(serverPort) ?? serverPort, serverPort, kind: servers[0].kind, servers };
    });
}

/**
 * Kubernetes gateways receive on all addresses; a router that binds real ports on a shared host
 * (interception NONE, e.g. one loopback address per proxy) binds only its own address.
 */
function bindAddress(proxy: ProxyIdentity): string {
  return proxy.interceptionMode === 'NONE' && proxy.instanceIp ? proxy.instanceIp : WILDCARD_ADDRESS;
}

/**
 * Gateway servers name Service ports (80, 443) while the unprivileged proxy listens on the
 * Service's target ports (8080, 8443), so the port is mapped through the Services selecting the
 * router, as Istio does.
 */
function serviceTargetPorts(push: PushContext, proxy: ProxyIdentity): Map<number, number> {
  const mapping = new Map<number, number>();
  for (const service of ownServices(push, proxy)) {
    for (const port of service.ports) {
      if (typeof port.targetPort === 'number' && !mapping.has(port.number)) {
        mapping.set(port.number, port.targetPort);
      }
    }
  }
  return mapping;
}

/**
 * How the reconciler serves a server: HTTP, HTTP2 and GRPC as plaintext HTTP, HTTPS with
 * `tls.mode` SIMPLE as terminated HTTP; undefined for every other server (TCP, TLS, MONGO,
 * passthrough or mutual TLS), which is reported at ingest as not applied and gets no listener.
 */
export function servedServerKind(server: GatewayServer): GatewayServerKind | undefined {
  const protocol = (server.port?.protocol ?? 'HTTP').toUpperCase();
  if (HTTP_PROTOCOLS.has(protocol)) return 'HTTP';
  if (protocol === 'HTTPS' && (server.tls?.mode ?? 'SIMPLE') === 'SIMPLE') return 'HTTPS';
  return undefined;
}

/**
 * A server host is `namespace/host`: `*` any namespace, `.` the Gateway's. It admits VirtualService
 * hosts of the VirtualServices in that namespace; a bare host admits any namespace.
 */
export interface ServerHost {
  readonly namespace: string;
  readonly host: string;
}

export function parseServerHosts(ref: GatewayServerRef): ServerHost[] {
  return (ref.server.hosts ?? []).map((entry) => {
    const slash = entry.indexOf('/');
    if (slash < 0) {
      return { namespace: '*', host: entry };
    }
    const scope = entry.slice(0, slash);
    return { namespace: scope === '.' ? ref.gateway.namespace : scope, host: entry.slice(slash + 1) };
  });
}
