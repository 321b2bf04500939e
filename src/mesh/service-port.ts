/** Application protocol of a service port; it decides how sidecars proxy the traffic. */
export enum ServiceProtocol {
  /** HTTP/1.1 (and HTTP/2 with prior knowledge); routed per request. */
  HTTP = 'HTTP',
  /** HTTP/2; routed per request. */
  HTTP2 = 'HTTP2',
  /** gRPC over HTTP/2; routed per request. */
  GRPC = 'GRPC',
  /** Opaque TCP; routed per connection. */
  TCP = 'TCP',
  /** TLS the application terminates itself; routed by SNI. */
  TLS = 'TLS',
  /** HTTPS the application terminates itself; routed per connection. */
  HTTPS = 'HTTPS',
}

/** A port of a {@link MeshService}. */
export interface MeshServicePort {
  /**
   * Port name; it must start with the protocol prefix (`http`, `http2`, `grpc`, `tcp`, `tls`,
   * `https`), alone or followed by `-suffix`, as Istio selects protocols by port name.
   * @default - `<prefix>-<port>`, e.g. `http-9080`
   */
  readonly name?: string;

  /** Port the Service exposes. */
  readonly port: number;

  /**
   * Port the application container listens on.
   * @default - the same as `port`
   */
  readonly targetPort?: number;

  /** Application protocol of the port. */
  readonly protocol: ServiceProtocol;
}

/** Port name prefix and Kubernetes `appProtocol` of each protocol. */
export const PROTOCOL_NAMING: Record<ServiceProtocol, { readonly prefix: string; readonly appProtocol: string }> = {
  [ServiceProtocol.HTTP]: { prefix: 'http', appProtocol: 'http' },
  [ServiceProtocol.HTTP2]: { prefix: 'http2', appProtocol: 'http2' },
  [ServiceProtocol.GRPC]: { prefix: 'grpc', appProtocol: 'grpc' },
  [ServiceProtocol.TCP]: { prefix: 'tcp', appProtocol: 'tcp' },
  [ServiceProtocol.TLS]: { prefix: 'tls', appProtocol: 'tls' },
  [ServiceProtocol.HTTPS]: { prefix: 'https', appProtocol: 'https' },
};

/** Protocols routed per request (VirtualService `http` routes); the rest are routed per connection. */
export function isRequestRouted(protocol: ServiceProtocol): boolean {
  return protocol === ServiceProtocol.HTTP || protocol === ServiceProtocol.HTTP2 || protocol === ServiceProtocol.GRPC;
}

/**
 * The workload ports (target ports) of the request-routed ports, as AuthorizationPolicy writes
 * them: a DENY rule on request attributes must name them, or Istio applies it to the TCP ports
 * too, where it cannot read those attributes and so denies every connection.
 */
export function requestRoutedTargetPorts(ports: readonly MeshServicePort[]): string[] {
  return ports.filter(port => isRequestRouted(port.protocol)).map(port => String(port.targetPort ?? port.port));
}

/** The port name used when none is given. */
export function defaultPortName(port: MeshServicePort): string {
  return `${PROTOCOL_NAMING[port.protocol].prefix}-${port.port}`;
}

/** True when `name` follows the naming convention of `protocol` (`http` or `http-web` for HTTP). */
export function followsPortNaming(name: string, protocol: ServiceProtocol): boolean {
  const prefix = PROTOCOL_NAMING[protocol].prefix;
  return name === prefix || name.startsWith(`${prefix}-`);
}
