/** The registry's view of services and the workload instances behind them. */

/** How the sidecar speaks to a port: HTTP gets routes, everything else is proxied as TCP. */
export type PortProtocol = 'HTTP' | 'TCP';

export interface ServicePort {
  readonly name: string;
  readonly number: number;
  readonly protocol: PortProtocol;
  /** The workload port: a number, a named container/WorkloadEntry port, or absent (same as `number`). */
  readonly targetPort?: number | string;
}

/**
 * How a sidecar finds the addresses behind a service, after Istio's ServiceEntry `resolution`:
 * `DNS` keeps every address a name resolves to, `DNS_ROUND_ROBIN` connects to the first one.
 */
export type ServiceResolution = 'EDS' | 'DNS' | 'DNS_ROUND_ROBIN' | 'STATIC' | 'NONE';

export function resolvedByDns(resolution: ServiceResolution): boolean {
  return resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
}

export interface MeshService {
  /** Fully qualified host, the key of every index. */
  readonly hostname: string;
  readonly namespace: string;
  /** The object that declared it (`Service` or `ServiceEntry`) and its name. */
  readonly kind: 'Service' | 'ServiceEntry';
  readonly name: string;
  readonly ports: readonly ServicePort[];
  /** Labels that select the workloads behind the service; absent means none are selected. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly resolution: ServiceResolution;
  readonly external: boolean;
  /** Virtual IPs (k8s clusterIP, ServiceEntry addresses); used to tell TCP services apart on a port. */
  readonly addresses: readonly string[];
  /** Addresses declared inline (ServiceEntry `endpoints`). */
  readonly inlineInstances: readonly WorkloadInstance[];
}

/** One workload (WorkloadEntry, Pod or EndpointSlice endpoint) that may serve services. */
export interface WorkloadInstance {
  /** The object it came from; ServiceEntry means an inline endpoint. */
  readonly kind: 'WorkloadEntry' | 'Pod' | 'EndpointSlice' | 'ServiceEntry';
  readonly namespace: string;
  /** Object name, or `<slice>/<address>` for EndpointSlice endpoints. */
  readonly name: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named ports (WorkloadEntry `ports`, container ports). */
  readonly namedPorts: Readonly<Record<string, number>>;
  readonly serviceAccount?: string;
  readonly weight?: number;
  /** Only set for EndpointSlice endpoints: the one service it serves. */
  readonly boundService?: string;
}

/** A workload instance bound to a concrete port of one service. */
export interface ServiceEndpoint {
  readonly instance: WorkloadInstance;
  readonly port: number;
}

const HTTP_PROTOCOLS = new Set(['http', 'http2', 'grpc', 'grpc-web', 'h2c']);
const TCP_PROTOCOLS = new Set(['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis', 'mqtt', 'thrift', 'udp']);

/**
 * Istio's protocol selection: explicit protocol/appProtocol first, then the port name prefix
 * (`http-web`, `grpc`, `tcp-db`). Istio sniffs undeclared ports; the reconciler has no sniffing,
 * so an undeclared port is treated as HTTP, the common case in this mesh.
 */
export function selectPortProtocol(declared: string | undefined, portName: string | undefined): PortProtocol {
  const candidates = [declared, portName?.split('-')[0]].filter((value): value is string => !!value).map((value) => value.toLowerCase());
  for (const candidate of candidates) {
    if (HTTP_PROTOCOLS.has(candidate)) {
      return 'HTTP';
    }
    if (TCP_PROTOCOLS.has(candidate)) {
      return 'TCP';
    }
  }
  return 'HTTP';
}
