import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Gateway, GatewaySpecServers, GatewaySpecServersTlsMode, VirtualService, VirtualServiceSpecHttp } from '../imports/istio-networking.istio.io';
import { Mesh } from '../mesh/mesh';
import { IMeshService } from '../mesh/mesh-service';
import { isRequestRouted } from '../mesh/service-port';
import { renderContainerResources } from '../private/container-resources';
import { nameFromId, owningService, requireInteger, unknownVersionMessages } from '../private/feature-support';
import { buildGatewayBootstrap, GATEWAY_BOOTSTRAP_FILE, renderGatewayDeploymentSpec } from '../private/gateway-proxy';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { propError, propMessage, requireDnsLabel, requirePort } from '../private/validation';

/** How the gateway's Service is exposed. */
export enum GatewayServiceType {
  /** A cloud load balancer. */
  LOAD_BALANCER = 'LoadBalancer',
  /** A port on every node. */
  NODE_PORT = 'NodePort',
  /** Inside the cluster only (e.g. behind another ingress). */
  CLUSTER_IP = 'ClusterIP',
}

/** A plaintext HTTP server of the gateway. */
export interface GatewayHttpServerOptions {
  /** Hosts served, e.g. `bookinfo.example.com` or `*.example.com`. */
  readonly hosts: string[];

  /**
   * Service port.
   * @default 80
   */
  readonly port?: number;

  /**
   * Answer every request with a redirect to HTTPS.
   * @default false
   */
  readonly httpsRedirect?: boolean;
}

/** An HTTPS server of the gateway, terminating TLS. */
export interface GatewayHttpsServerOptions {
  /** Hosts served. */
  readonly hosts: string[];

  /** Name of the `kubernetes.io/tls` Secret (in the gateway namespace) holding the certificate and key. */
  readonly credentialName: string;

  /**
   * Service port.
   * @default 443
   */
  readonly port?: number;
}

/** Properties of an {@link IngressGateway}. */
export interface IngressGatewayProps {
  /** The mesh whose reconciler configures the gateway. */
  readonly mesh: Mesh;

  /**
   * Name of the Deployment, Service and Gateway.
   * @default 'ingress-gateway'
   */
  readonly name?: string;

  /**
   * Namespace of the gateway.
   * @default - the mesh namespace
   */
  readonly namespace?: string;

  /**
   * How the gateway's Service is exposed.
   * @default GatewayServiceType.LOAD_BALANCER
   */
  readonly serviceType?: GatewayServiceType;

  /**
   * Number of gateway pods.
   * @default 2
   */
  readonly replicas?: number;
}

interface GatewayRoute {
  readonly pathPrefix: string;
  readonly service: IMeshService;
  readonly version?: string;
}

/** Envoy in the pod listens above 1024 so it needs no privilege; the Service maps the public port. */
const UNPRIVILEGED_PORT_OFFSET = 8000;

/**
 * An ingress gateway: an Envoy Deployment and its Service, an Istio Gateway with HTTP and HTTPS
 * servers, and one VirtualService per host bound to the gateway (separate from the services'
 * mesh VirtualServices).
 *
 * @example
 * const gateway = new IngressGateway(chart, 'Ingress', { mesh });
 * gateway.addHttpsServer({ hosts: ['shop.example.com'], credentialName: 'shop-tls' });
 * gateway.addRoute('shop.example.com', '/', productpage);
 */
export class IngressGateway extends Construct {
  /** Name of the Deployment, Service and Gateway. */
  public readonly name: string;
  /** Namespace of the gateway. */
  public readonly namespace: string;

  private readonly mesh: Mesh;
  private readonly servers: GatewaySpecServers[] = [];
  private readonly routesByHost = new Map<string, GatewayRoute[]>();

  public constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id);
    this.mesh = props.mesh;
    this.name = props.name ?? 'ingress-gateway';
    this.namespace = props.namespace ?? props.mesh.namespace;
    requireDnsLabel(this, 'name', this.name);
    requireDnsLabel(this, 'namespace', this.namespace);
    const replicas = requireInteger(this, 'replicas', props.replicas ?? 2, 1);
    this.mesh._declareWorkloadNamespace(this.namespace);
    const labels = { app: this.name, istio: 'ingressgateway' };
    const metadata = { name: this.name, namespace: this.namespace, labels };

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata });
    const bootstrap = new kplus.ConfigMap(this, 'Bootstrap', {
      metadata: { ...metadata, name: `${this.name}-bootstrap` },
      data: {
        [GATEWAY_BOOTSTRAP_FILE]: JSON.stringify(buildGatewayBootstrap({
          name: this.name,
          namespace: this.namespace,
          clusterDomain: this.mesh.clusterDomain,
          labels,
          xds: { host: this.mesh.xdsHost, port: this.mesh.xdsTlsPort, serverName: this.mesh.xdsHost },
        }), undefined, 2),
      },
    });
    const deployment = new ApiObject(this, 'Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: Lazy.any({
        produce: () => renderGatewayDeploymentSpec({
          name: this.name,
          namespace: this.namespace,
          clusterDomain: this.mesh.clusterDomain,
          labels,
          xds: { host: this.mesh.xdsHost, port: this.mesh.xdsTlsPort, serverName: this.mesh.xdsHost },
          image: this.mesh.proxyImage,
          replicas,
          resources: renderContainerResources(this.mesh.proxyResources),
          bootstrapConfigMap: bootstrap.name,
          containerPorts: this.servers.map(server => ({ name: server.port.name, port: server.port.number + UNPRIVILEGED_PORT_OFFSET })),
        }),
      }),
    });
    const service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: Lazy.any({
        produce: () => ({
          type: props.serviceType ?? GatewayServiceType.LOAD_BALANCER,
          selector: labels,
          ports: this.servers.map(server => ({
            name: server.port.name, port: server.port.number, targetPort: server.port.number + UNPRIVILEGED_PORT_OFFSET,
          })),
        }),
      }),
    });
    const gateway = new Gateway(this, 'Gateway', {
      metadata,
      spec: Lazy.any({ produce: () => ({ selector: labels, servers: this.servers }) }),
    });
    [serviceAccount, bootstrap].forEach(o => applySyncWave(ApiObject.of(o), SyncWave.WORKLOADS));
    [deployment, service].forEach(o => applySyncWave(o, SyncWave.WORKLOADS));
    applySyncWave(gateway, SyncWave.ROUTING);
    this.node.addValidation({ validate: () => this.validateGateway() });
  }

  /** `<namespace>/<name>`, how VirtualServices name the gateway. */
  public get gatewayRef(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Serves plaintext HTTP for `hosts`. */
  public addHttpServer(options: GatewayHttpServerOptions): void {
    const port = this.serverPort('addHttpServer', options.port ?? 80);
    this.servers.push({
      port: { number: port, name: `http-${port}`, protocol: 'HTTP' },
      hosts: this.serverHosts('addHttpServer', options.hosts),
      ...(options.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
    });
  }

  /** Serves HTTPS for `hosts`, with the certificate of the Secret `credentialName`. */
  public addHttpsServer(options: GatewayHttpsServerOptions): void {
    const port = this.serverPort('addHttpsServer', options.port ?? 443);
    requireDnsLabel(this, 'addHttpsServer.credentialName', options.credentialName);
    this.servers.push({
      port: { number: port, name: `https-${port}`, protocol: 'HTTPS' },
      hosts: this.serverHosts('addHttpsServer', options.hosts),
      tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: options.credentialName },
    });
    // The reconciler reads the Secret from the gateway's namespace, as Istio does, and nothing else.
    this.mesh._grantGatewayCredential(this.namespace, options.credentialName);
  }

  /**
   * Routes requests for `host` whose path starts with `pathPrefix` to a service (one version,
   * optionally). Longer prefixes are tried first.
   */
  public addRoute(host: string, pathPrefix: string, service: IMeshService, version?: string): void {
    const target = owningService(this, 'addRoute.service', service);
    if (target.mesh !== this.mesh) {
      throw propError(this, 'addRoute.service', target.node.path, 'the service belongs to another mesh', 'Route to a service of the gateway\'s mesh.');
    }
    if (!target.ports.some(port => isRequestRouted(port.protocol))) {
      throw propError(this, 'addRoute.service', target.node.path, 'the service has no HTTP, HTTP2 or gRPC port', 'Add such a port to the service.');
    }
    if (!pathPrefix.startsWith('/')) {
      throw propError(this, 'addRoute.pathPrefix', pathPrefix, 'a path prefix must start with "/"', `Use "/${pathPrefix}".`);
    }
    const routes = this.routesByHost.get(host) ?? [];
    if (routes.some(route => route.pathPrefix === pathPrefix)) {
      throw propError(this, 'addRoute.pathPrefix', pathPrefix, `host "${host}" already routes this prefix`, 'Route each prefix once.');
    }
    if (!this.routesByHost.has(host)) {
      this.routesByHost.set(host, routes);
      const virtualService = new VirtualService(this, `Routes-${host}`, {
        metadata: { name: `${this.name}-${nameFromId(host)}`.slice(0, 63).replace(/-$/, ''), namespace: this.namespace, labels: { app: this.name } },
        spec: Lazy.any({ produce: () => ({ hosts: [host], gateways: [this.gatewayRef], http: this.renderRoutes(host) }) }),
      });
      applySyncWave(virtualService, SyncWave.ROUTING);
    }
    routes.push({ pathPrefix, service: target, version });
  }

  private renderRoutes(host: string): VirtualServiceSpecHttp[] {
    const routes = [...this.routesByHost.get(host)!].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
    return routes.map(route => {
      const port = route.service.ports.find(candidate => isRequestRouted(candidate.protocol))!;
      return {
        name: `${nameFromId(route.service.name)}${route.pathPrefix === '/' ? '' : `-${nameFromId(route.pathPrefix)}`}`,
        match: [{ uri: { prefix: route.pathPrefix } }],
        route: [{ destination: { host: route.service.fqdn, port: { number: port.port }, ...(route.version ? { subset: route.version } : {}) } }],
      };
    });
  }

  private serverPort(method: string, port: number): number {
    requirePort(this, `${method}.port`, port);
    if (port + UNPRIVILEGED_PORT_OFFSET > 65535) {
      throw propError(this, `${method}.port`, port, `the gateway listens on port + ${UNPRIVILEGED_PORT_OFFSET} in the pod, beyond 65535`,
        `Use a port below ${65536 - UNPRIVILEGED_PORT_OFFSET}.`);
    }
    if (this.servers.some(server => server.port.number === port)) {
      throw propError(this, `${method}.port`, port, 'another server of the gateway uses this port', 'Use another port.');
    }
    return port;
  }

  private serverHosts(method: string, hosts: string[]): string[] {
    if (hosts.length === 0) {
      throw propError(this, `${method}.hosts`, hosts, 'a server needs at least one host', 'List the host names it serves.');
    }
    hosts.forEach((host, index) => {
      if (!/^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/.test(host)) {
        throw propError(this, `${method}.hosts[${index}]`, host, 'it must be a DNS name, optionally starting with "*.", or "*"',
          'Use e.g. "shop.example.com".');
      }
    });
    return hosts;
  }

  private validateGateway(): string[] {
    const messages: string[] = [];
    if (this.servers.length === 0) {
      messages.push(propMessage('servers', [], 'the gateway has no server', 'Call addHttpServer() or addHttpsServer().'));
    }
    const served = this.servers.flatMap(server => server.hosts);
    for (const [host, routes] of this.routesByHost) {
      if (!served.some(pattern => hostMatches(pattern, host))) {
        messages.push(propMessage('addRoute.host', host, `no server of the gateway serves this host (servers: ${JSON.stringify(served)})`,
          'Add the host to a server or fix the route.'));
      }
      routes.forEach(route => messages.push(...unknownVersionMessages('addRoute.version', route.service, [route.version])));
    }
    return messages;
  }
}

/** Whether a server host pattern (`*`, `*.example.com` or a name) covers `host`. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || host === pattern;
  return pattern === host;
}
