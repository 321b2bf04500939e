import { Construct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../imports/istio-networking.istio.io';
import { Mesh } from '../mesh/mesh';
import { PROTOCOL_NAMING, ServiceProtocol } from '../mesh/service-port';
import { nameFromId } from '../private/feature-support';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { isIpv4Cidr, propError, requireDnsLabel, requirePort } from '../private/validation';

/** How the sidecars find the addresses of an external host. */
export enum ExternalResolution {
  /** Resolve the host names (or the endpoints' names) by DNS. */
  DNS = 'DNS',
  /** Use the listed endpoint IP addresses. */
  STATIC = 'STATIC',
}

/** A port of an external service. */
export interface ExternalServicePort {
  /** Port number. */
  readonly port: number;
  /** Protocol on the port. */
  readonly protocol: ServiceProtocol;
}

/** Properties of an {@link ExternalService}. */
export interface ExternalServiceProps {
  /** The mesh whose sidecars may call the service (needed with `OutboundTrafficPolicy.REGISTRY_ONLY`). */
  readonly mesh: Mesh;

  /** Host names, e.g. `api.stripe.com`. */
  readonly hosts: string[];

  /** Ports called. */
  readonly ports: ExternalServicePort[];

  /**
   * How addresses are found.
   * @default ExternalResolution.DNS
   */
  readonly resolution?: ExternalResolution;

  /**
   * Endpoint addresses: IPs for STATIC (required), host names for DNS (optional).
   * @default - the hosts themselves (DNS)
   */
  readonly endpoints?: string[];

  /**
   * The IP addresses or CIDR blocks clients connect to. A sidecar sees only the destination address
   * of a TCP connection, not a host name, so a TCP port is told apart from other services on the
   * same port number by these.
   * @default - the STATIC endpoints when a port is TCP; none otherwise (a TCP port with DNS
   * resolution must list them)
   */
  readonly addresses?: string[];

  /**
   * Namespace of the ServiceEntry.
   * @default - the mesh namespace (visible to the whole mesh)
   */
  readonly namespace?: string;
}

/**
 * A host outside the mesh the sidecars may call (a ServiceEntry, MESH_EXTERNAL), which is how
 * egress is opened when the mesh's outbound policy is REGISTRY_ONLY.
 *
 * @example
 * new ExternalService(chart, 'Payments', { mesh, hosts: ['api.payments.example'], ports: [{ port: 443, protocol: ServiceProtocol.TLS }] });
 */
export class ExternalService extends Construct {
  /** Host names of the service. */
  public readonly hosts: string[];

  public constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    const resolution = props.resolution ?? ExternalResolution.DNS;
    const namespace = props.namespace ?? props.mesh.namespace;
    requireDnsLabel(this, 'namespace', namespace);
    if (props.hosts.length === 0) {
      throw propError(this, 'hosts', props.hosts, 'an external service needs at least one host', 'List its host names.');
    }
    props.hosts.forEach((host, index) => {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(host)) {
        throw propError(this, `hosts[${index}]`, host, 'it must be a fully qualified DNS name', 'Use e.g. "api.example.com".');
      }
    });
    if (props.ports.length === 0) {
      throw propError(this, 'ports', props.ports, 'an external service needs at least one port', 'Add e.g. { port: 443, protocol: ServiceProtocol.TLS }.');
    }
    props.ports.forEach((port, index) => requirePort(this, `ports[${index}].port`, port.port));
    const endpoints = props.endpoints ?? [];
    if (resolution === ExternalResolution.STATIC) {
      if (endpoints.length === 0) {
        throw propError(this, 'endpoints', endpoints, 'STATIC resolution needs endpoint addresses', 'List the IP addresses, or use DNS resolution.');
      }
      endpoints.forEach((address, index) => {
        if (!isIpv4Cidr(address) || address.includes('/')) {
          throw propError(this, `endpoints[${index}]`, address, 'STATIC endpoints must be IP addresses', 'Use e.g. "203.0.113.10", or DNS resolution.');
        }
      });
    }
    (props.addresses ?? []).forEach((address, index) => {
      if (!isIpv4Cidr(address)) {
        throw propError(this, `addresses[${index}]`, address, 'it must be an IPv4 address or CIDR block', 'Use e.g. "10.20.0.15" or "10.20.0.0/24".');
      }
      if (address.includes('/') && resolution === ExternalResolution.DNS) {
        throw propError(this, `addresses[${index}]`, address, 'a CIDR block needs STATIC resolution (with DNS, Istio accepts single addresses only)',
          'List single IP addresses, or use STATIC resolution with endpoints.');
      }
    });
    const tcpPort = props.ports.find(port => port.protocol === ServiceProtocol.TCP);
    const addresses = props.addresses ?? (tcpPort && resolution === ExternalResolution.STATIC ? endpoints : []);
    if (tcpPort && addresses.length === 0) {
      // Without addresses Istio listens for the port on every address, taking over all TCP traffic
      // to that port number (istioctl analyze IST0134).
      throw propError(this, 'addresses', props.addresses, `port ${tcpPort.port} is TCP, and a sidecar tells TCP destinations apart by address only`,
        'List the IP addresses or CIDR blocks the clients connect to, or use STATIC resolution with endpoints.');
    }
    this.hosts = props.hosts;

    const serviceEntry = new ServiceEntry(this, 'Resource', {
      metadata: { name: nameFromId(id), namespace },
      spec: {
        hosts: props.hosts,
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        resolution: resolution === ExternalResolution.STATIC ? ServiceEntrySpecResolution.STATIC : ServiceEntrySpecResolution.DNS,
        ports: props.ports.map(port => ({
          number: port.port,
          name: `${PROTOCOL_NAMING[port.protocol].prefix}-${port.port}`,
          protocol: port.protocol,
        })),
        ...(addresses.length > 0 ? { addresses } : {}),
        ...(endpoints.length > 0 ? { endpoints: endpoints.map(address => ({ address })) } : {}),
      },
    });
    applySyncWave(serviceEntry, SyncWave.ROUTING);
  }
}
