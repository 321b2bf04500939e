/**
 * Everything the generators need to know about one proxy, computed once per generation: the
 * Sidecar that applies, the visible services, and which listeners to build on which addresses.
 * Both interception modes produce the same plan shape, so routes and clusters are shared.
 */
import type { ScopedConfig } from '../../push/config-index';
import type { ProxyIdentity } from '../../push/contract';
import type { SidecarSpec } from '../../push/istio-spec';
import type { OutboundTrafficPolicyMode } from '../../push/mesh-settings';
import { egressHostsAdmit, ownServices, visibleServices } from '../../push/proxy-scope';
import type { PushContext } from '../../push/push-context';
import { MeshService, PortProtocol, selectPortProtocol } from '../../push/service-model';
import { instanceFromPod, instanceFromWorkloadEntry } from '../../push/service-registry';
import { sharedGenerationFor, SharedGeneration } from '../generators/shared-generation';
import { DestinationResolver } from './destination-resolver';
import { NO_SECURITY_EXTENSIONS, SecurityExtensions } from './extension-points';

/** One outbound listener: an address and port and the services reachable through it. */
export interface OutboundListenerPlan {
  readonly bind: string;
  readonly port: number;
  /** Services with this port, sorted by host. */
  readonly services: readonly MeshService[];
}

/** One inbound port of the proxy's workload and where the application listens. */
export interface InboundPortPlan {
  readonly port: number;
  readonly protocol: PortProtocol;
  /** Listener address in NONE mode; REDIRECT mode receives through `virtualInbound`. */
  readonly bind: string;
  readonly endpoint: { readonly address: string; readonly port: number };
}

export interface ProxyView {
  readonly push: PushContext;
  readonly proxy: ProxyIdentity;
  readonly extensions: SecurityExtensions;
  readonly sidecar?: ScopedConfig<SidecarSpec>;
  readonly services: readonly MeshService[];
  readonly outboundPolicy: OutboundTrafficPolicyMode;
  readonly outboundListeners: readonly OutboundListenerPlan[];
  readonly inboundPorts: readonly InboundPortPlan[];
  readonly resolver: DestinationResolver;
  /** Work shared with the other proxies of this push. */
  readonly shared: SharedGeneration;
}

const WILDCARD_ADDRESS = '0.0.0.0';
const LOCALHOST = '127.0.0.1';

export function buildProxyView(push: PushContext, proxy: ProxyIdentity, extensions: SecurityExtensions = NO_SECURITY_EXTENSIONS): ProxyView {
  const sidecar = push.sidecarFor(proxy);
  const services = visibleServices(push, proxy, sidecar);
  const inboundPorts = planInbound(push, proxy, sidecar);
  return {
    push,
    proxy,
    extensions,
    sidecar,
    services,
    outboundPolicy: sidecar?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy,
    outboundListeners: withoutInboundCollisions(planOutbound(push, proxy, sidecar, services), inboundPorts, proxy),
    inboundPorts,
    resolver: new DestinationResolver(push, proxy),
    shared: sharedGenerationFor(push, extensions),
  };
}

/** Each port's services, by service list: the plans of proxies that see the same list differ only in the bind address. */
const portsByServices = new WeakMap<readonly MeshService[], { port: number; services: readonly MeshService[] }[]>();

function planOutbound(push: PushContext, proxy: ProxyIdentity, sidecar: ScopedConfig<SidecarSpec> | undefined, services: readonly MeshService[]): OutboundListenerPlan[] {
  const egress = sidecar?.spec.egress ?? [];
  if (proxy.interceptionMode === 'NONE' && egress.length > 0) return planOutboundListeners(push, proxy, egress, services);
  const bind = proxy.interceptionMode === 'NONE' ? proxy.instanceIp : WILDCARD_ADDRESS;
  let ports = portsByServices.get(services);
  if (!ports) {
    ports = planOutboundListeners(push, proxy, [], services, WILDCARD_ADDRESS).map(({ port, services: onPort }) => ({ port, services: onPort }));
    portsByServices.set(services, ports);
  }
  return ports.map(({ port, services: onPort }) => ({ bind, port, services: onPort }));
}

function planOutboundListeners(
  push: PushContext, proxy: ProxyIdentity, egress: NonNullable<SidecarSpec['egress']>, services: readonly MeshService[], catchAllBind = WILDCARD_ADDRESS,
): OutboundListenerPlan[] {
  const plans = new Map<string, { bind: string; port: number; services: Map<string, MeshService> }>();
  const add = (bind: string, port: number, service: MeshService) => {
    const key = `${bind}_${port}`;
    const plan = plans.get(key) ?? { bind, port, services: new Map() };
    plan.services.set(service.hostname, service);
    plans.set(key, plan);
  };
  if (egress.length > 0) {
    for (const listener of egress) {
      const bind = listener.bind ?? proxy.instanceIp;
      const admitted = services.filter((service) => egressHostsAdmit(listener.hosts ?? [], proxy, push.mesh.clusterDomain, service));
      for (const service of admitted) {
        for (const port of service.ports) {
          if (listener.port === undefined || listener.port.number === port.number) {
            add(bind, port.number, service);
          }
        }
      }
    }
  } else {
    services.forEach((service) => service.ports.forEach((port) => add(catchAllBind, port.number, service)));
  }
  return [...plans.values()]
    .map((plan) => ({ bind: plan.bind, port: plan.port, services: [...plan.services.values()].sort(byHostname) }))
    .sort((a, b) => a.port - b.port || (a.bind < b.bind ? -1 : a.bind > b.bind ? 1 : 0));
}

/**
 * In NONE mode both directions bind real sockets and egress binds default to the instance IP, so
 * an egress port equal to an ingress port would clash; the workload's own ingress keeps the port.
 */
function withoutInboundCollisions(outbound: OutboundListenerPlan[], inbound: readonly InboundPortPlan[], proxy: ProxyIdentity): OutboundListenerPlan[] {
  if (proxy.interceptionMode !== 'NONE') {
    return outbound;
  }
  return outbound.filter((plan) => !inbound.some((port) => port.port === plan.port
    && (port.bind === plan.bind || port.bind === WILDCARD_ADDRESS || plan.bind === WILDCARD_ADDRESS)));
}

function planInbound(push: PushContext, proxy: ProxyIdentity, sidecar: ScopedConfig<SidecarSpec> | undefined): InboundPortPlan[] {
  const ingress = sidecar?.spec.ingress ?? [];
  if (ingress.length > 0) {
    // The ingest check guarantees every ingress port a number (semantic-checks.ts).
    return ingress.map((listener, index) => ({
      port: listener.port.number!,
      protocol: selectPortProtocol(listener.port.protocol, listener.port.name),
      bind: listener.bind ?? proxy.instanceIp,
      endpoint: parseDefaultEndpoint(listener.defaultEndpoint, listener.port.number!, proxy,
        `Sidecar ${sidecar?.namespace}/${sidecar?.name} spec.ingress[${index}].defaultEndpoint`),
    })).sort((a, b) => a.port - b.port);
  }
  if (proxy.interceptionMode === 'NONE') {
    // Without iptables nothing reaches an undeclared port, so NONE mode needs Sidecar ingress.
    return [];
  }
  const workload = push.workloadOf(proxy);
  const workloadInstance = workload?.kind === 'Pod' ? instanceFromPod(workload) : workload ? instanceFromWorkloadEntry(workload) : undefined;
  const byPort = new Map<number, InboundPortPlan>();
  for (const service of ownServices(push, proxy)) {
    for (const port of service.ports) {
      const target = typeof port.targetPort === 'number' ? port.targetPort
        : typeof port.targetPort === 'string' ? workloadInstance?.namedPorts[port.targetPort] ?? port.number
          : workloadInstance?.namedPorts[port.name] ?? port.number;
      if (!byPort.has(target)) {
        byPort.set(target, { port: target, protocol: port.protocol, bind: WILDCARD_ADDRESS, endpoint: { address: LOCALHOST, port: target } });
      }
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

/** `host:port`; `0.0.0.0` means the instance IP as in Istio; absent means localhost on the same port. */
function parseDefaultEndpoint(value: string | undefined, port: number, proxy: ProxyIdentity, field: string): { address: string; port: number } {
  if (!value) {
    return { address: LOCALHOST, port };
  }
  const match = /^(?<host>[^:]+|\[[^\]]+\]):(?<port>\d+)$/.exec(value);
  if (!match?.groups) {
    throw new Error(`${field} is '${value}'; use '<ip>:<port>', e.g. '127.0.0.1:${port}'`);
  }
  const host = match.groups.host.replace(/^\[|\]$/g, '');
  return { address: host === WILDCARD_ADDRESS ? proxy.instanceIp : host, port: Number(match.groups.port) };
}

function byHostname(a: MeshService, b: MeshService): number {
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;
}
