import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Mesh } from './mesh';
import { defaultPortName, followsPortNaming, isRequestRouted, MeshServicePort, PROTOCOL_NAMING } from './service-port';
import { ServiceVersion, ServiceVersionOptions } from './service-version';
import { DestinationRule, DestinationRuleSpecTrafficPolicy, VirtualService } from '../imports/istio-networking.istio.io';
import { PROXY_UID, DEPENDENCIES_ANNOTATION } from '../model';
import {
  AnnotationContribution, RouteContribution, RoutePolicyContribution, ServiceContributions, TrafficPolicyContribution,
} from '../private/contributions';
import { addAppProtocols } from '../private/control-plane';
import { FirstDeclaredIndex } from '../private/first-declared-index';
import { addSidecarBootstrap, PodInjection, podInjection } from '../private/pod-injection';
import { defaultHttpRoute, renderDestinationRuleSpec, renderVirtualServiceSpec } from '../private/routing-specs';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { isIpv4Cidr, propError, propMessage, requireDnsLabel, requirePort } from '../private/validation';
import { renderVersionDeploymentSpec } from '../private/version-deployment';

/** The first service of each `<namespace>/<name>` in an app: any other is a duplicate. */
const SERVICES_BY_NAME = new FirstDeclaredIndex<MeshService>();

/** A service of a mesh, as other constructs reference it. */
export interface IMeshService extends IConstruct {
  /** Kubernetes name of the Service, ServiceAccount and routing objects. */
  readonly name: string;
  /** Namespace of the service. */
  readonly namespace: string;
  /** Fully qualified host, `<name>.<namespace>.svc.<clusterDomain>`. */
  readonly fqdn: string;
  /** Names of the versions (DestinationRule subsets), in declaration order. */
  readonly versions: string[];
  /** Ports of the service, with their resolved names. */
  readonly ports: MeshServicePort[];
  /** The mesh the service belongs to. */
  readonly mesh: Mesh;
}

/** Properties of a {@link MeshService}. */
export interface MeshServiceProps {
  /** The mesh the service belongs to. */
  readonly mesh: Mesh;

  /** Name of the Service, its ServiceAccount and its routing objects; a DNS-1123 label. */
  readonly name: string;

  /**
   * Namespace of the service.
   * @default 'default'
   */
  readonly namespace?: string;

  /** Ports of the service. */
  readonly ports: MeshServicePort[];

  /**
   * Versions of the service; more can be added with `addVersion()`. At least one is required.
   * @default - none yet
   */
  readonly versions?: ServiceVersion[];

  /**
   * Whether pods get a sidecar (with SYNTH injection) or are left to the Istio webhook.
   * @default true
   */
  readonly injectSidecar?: boolean;

  /**
   * CIDRs whose outbound traffic goes through the sidecar; `*` means all.
   * @default ['*']
   */
  readonly includeOutboundIpRanges?: string[];

  /**
   * CIDRs whose outbound traffic bypasses the sidecar.
   * @default - none
   */
  readonly excludeOutboundIpRanges?: string[];

  /**
   * Inbound ports that bypass the sidecar (its own ports 15090, 15021 and 15020 always do).
   * @default - none
   */
  readonly excludeInboundPorts?: number[];

  /**
   * Outbound destination ports that bypass the sidecar.
   * @default - none
   */
  readonly excludeOutboundPorts?: number[];

  /**
   * Services this one calls; the reconciler sends the sidecars configuration for these only.
   * @default - all services of the mesh
   */
  readonly dependencies?: IMeshService[];
}

/**
 * A service of the mesh with one or more versions. Each version is a Deployment
 * `<name>-<version>`; all share one ServiceAccount and one Service `<name>`, and the service owns
 * one DestinationRule (a subset per version) and one VirtualService.
 */
export class MeshService extends Construct implements IMeshService {
  public readonly name: string;
  public readonly namespace: string;
  public readonly mesh: Mesh;
  public readonly ports: MeshServicePort[];
  /** The ServiceAccount shared by every version. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The Kubernetes Service selecting every version. */
  public readonly service: kplus.Service;

  private readonly injectSidecar: boolean;
  private readonly props: MeshServiceProps;
  private readonly contributions = new ServiceContributions();
  private readonly versionDeployments = new Map<string, ApiObject>();
  private bootstrapConfigMap?: kplus.ConfigMap;
  private virtualService?: VirtualService;

  public constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    this.props = props;
    this.mesh = props.mesh;
    this.name = props.name;
    this.namespace = props.namespace ?? 'default';
    requireDnsLabel(this, 'name', this.name);
    requireDnsLabel(this, 'namespace', this.namespace);
    this.ports = this.resolvePorts(props.ports);
    this.validateCapture(props);
    this.injectSidecar = props.injectSidecar ?? true;
    this.mesh._declareWorkloadNamespace(this.namespace);
    this.mesh._registerService(this);
    SERVICES_BY_NAME.declare(this, this.qualifiedName);

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(this.name) });
    this.service = new kplus.Service(this, 'Service', {
      metadata: { ...this.metadata(this.name), annotations: this.dependencyAnnotations() },
      ports: this.ports.map(port => ({ name: port.name, port: port.port, targetPort: port.targetPort ?? port.port })),
    });
    this.service.selectLabel('app', this.name);
    addAppProtocols(ApiObject.of(this.service), this.ports.map(port => PROTOCOL_NAMING[port.protocol].appProtocol));
    [this.serviceAccount, this.service].forEach(o => applySyncWave(ApiObject.of(o), SyncWave.WORKLOADS));
    this.addRoutingObjects();
    // Mesh- and namespace-wide policies (e.g. mTLS) may be declared after the service.
    this.contributions.addTrafficPolicySource(() => this.mesh._serviceTrafficPolicies(this));

    for (const version of props.versions ?? []) {
      this.addVersion(version.name, version);
    }
    this.node.addValidation({ validate: () => this.validateService() });
  }

  /** Fully qualified host, `<name>.<namespace>.svc.<clusterDomain>`. */
  public get fqdn(): string {
    return `${this.name}.${this.namespace}.svc.${this.mesh.clusterDomain}`;
  }

  /** Names of the versions, in declaration order. */
  public get versions(): string[] {
    return [...this.versionDeployments.keys()];
  }

  /** Adds a version: a Deployment `<name>-<version>` labelled `version=<version>`, and a subset. Returns the Deployment. */
  public addVersion(name: string, options: ServiceVersionOptions): ApiObject {
    requireDnsLabel(this, `versions[${name}].name`, name);
    if (this.versionDeployments.has(name)) {
      throw propError(this, 'versions', name, 'the version is declared twice', 'Give each version a unique name.');
    }
    if (!options.image || options.image.trim() !== options.image) {
      throw propError(this, `versions[${name}].image`, options.image ?? '', 'it must be a container image reference',
        'Set it to an image such as "docker.io/org/app:1.0".');
    }
    if (options.user === PROXY_UID) {
      throw propError(this, `versions[${name}].user`, options.user, `UID ${PROXY_UID} is the proxy's, whose traffic is never captured`,
        'Run the application as another UID.');
    }
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw propError(this, `versions[${name}].replicas`, replicas, 'it must be a non-negative integer', 'Fix the replica count.');
    }
    const port = options.port ?? this.ports[0]?.targetPort ?? this.ports[0]?.port;
    if (port !== undefined) requirePort(this, `versions[${name}].port`, port);

    const selectorLabels = { app: this.name, version: name };
    const injection = this.injection(name, selectorLabels);
    const deployment = new ApiObject(this, `Deployment-${name}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...this.metadata(`${this.name}-${name}`), labels: selectorLabels },
      spec: renderVersionDeploymentSpec({
        serviceName: this.name,
        version: name,
        replicas,
        image: options.image,
        port,
        command: options.command,
        args: options.args,
        env: options.env ?? {},
        resources: options.resources,
        user: options.user,
        readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
        selectorLabels,
        podLabels: injection.labels,
        podAnnotations: { ...this.dependencyAnnotations(), ...injection.annotations },
        initContainers: injection.initContainers,
        volumes: injection.volumes,
      }),
    });
    applySyncWave(deployment, SyncWave.WORKLOADS);
    this.versionDeployments.set(name, deployment);
    return deployment;
  }

  /**
   * Adds an HTTP route to the service's VirtualService.
   * @internal
   */
  public _contributeRoute(contribution: RouteContribution): void {
    this.contributions.addRoute(contribution);
  }

  /**
   * Sets fields (retries, timeout, fault...) on every HTTP route of the service.
   * @internal
   */
  public _contributeRoutePolicy(contribution: RoutePolicyContribution): void {
    this.contributions.addRoutePolicy(contribution);
  }

  /**
   * Adds a traffic policy fragment to the service's DestinationRule (host-wide or one subset).
   * @internal
   */
  public _contributeTrafficPolicy(contribution: TrafficPolicyContribution): void {
    this.contributions.addTrafficPolicy(contribution);
  }

  /**
   * Adds an annotation (JSON, produced at synth time) to the service's VirtualService.
   * @internal
   */
  public _contributeAnnotation(contribution: AnnotationContribution): void {
    if (this.contributions.addAnnotation(contribution) && this.virtualService) {
      // Resolved at synth time like the spec; cdk8s resolves lazy values anywhere in the object.
      const value = Lazy.any({ produce: () => this.contributions.annotation(contribution.key) });
      this.virtualService.metadata.addAnnotation(contribution.key, value as unknown as string);
    }
  }

  /**
   * Names of the HTTP routes a route policy applies to, as rendered.
   * @internal
   */
  public _routeNamesOf(policy: RoutePolicyContribution): string[] {
    return this.contributions.routeNamesOf(policy, defaultHttpRoute(this.fqdn));
  }

  /**
   * The merged DestinationRule traffic policy of the host or of one subset.
   * @internal
   */
  public _trafficPolicy(subset?: string): DestinationRuleSpecTrafficPolicy | undefined {
    return this.contributions.trafficPolicy(subset);
  }

  /** What injection adds to a version's pods: nothing, webhook opt-out, or the SYNTH sidecar. */
  private injection(version: string, selectorLabels: Record<string, string>): PodInjection {
    return podInjection({
      mesh: this.mesh,
      appName: this.name,
      namespace: this.namespace,
      version,
      selectorLabels,
      injectSidecar: this.injectSidecar,
      capture: {
        includeOutboundIpRanges: this.props.includeOutboundIpRanges,
        excludeOutboundIpRanges: this.props.excludeOutboundIpRanges,
        excludeInboundPorts: this.props.excludeInboundPorts,
        excludeOutboundPorts: this.props.excludeOutboundPorts,
      },
      // Shared by the sidecars of every version, created on first use.
      bootstrap: () => (this.bootstrapConfigMap ??= addSidecarBootstrap(this, this.mesh, this.name, this.namespace)),
    });
  }

  private addRoutingObjects(): void {
    const routed = () => ({
      fqdn: this.fqdn,
      versions: this.versions,
      hasRequestRoutedPorts: this.ports.some(port => isRequestRouted(port.protocol)),
      hasConnectionRoutedPorts: this.ports.some(port => !isRequestRouted(port.protocol)),
    });
    const destinationRule = new DestinationRule(this, 'DestinationRule', {
      metadata: this.metadata(this.name),
      spec: Lazy.any({ produce: () => renderDestinationRuleSpec(routed(), this.contributions) }),
    });
    const virtualService = new VirtualService(this, 'VirtualService', {
      metadata: this.metadata(this.name),
      spec: Lazy.any({ produce: () => renderVirtualServiceSpec(routed(), this.contributions) }),
    });
    [destinationRule, virtualService].forEach(o => applySyncWave(o, SyncWave.ROUTING));
    this.virtualService = virtualService;
  }

  private resolvePorts(ports: MeshServicePort[]): MeshServicePort[] {
    if (ports.length === 0) {
      throw propError(this, 'ports', ports, 'a service needs at least one port', 'Add a port such as { port: 8080, protocol: ServiceProtocol.HTTP }.');
    }
    const resolved = ports.map(port => ({ ...port, name: port.name ?? defaultPortName(port) }));
    resolved.forEach((port, index) => {
      requirePort(this, `ports[${index}].port`, port.port);
      if (port.targetPort !== undefined) requirePort(this, `ports[${index}].targetPort`, port.targetPort);
      const prefix = PROTOCOL_NAMING[port.protocol].prefix;
      if (!followsPortNaming(port.name, port.protocol)) {
        throw propError(this, `ports[${index}].name`, port.name, `a ${port.protocol} port name must be "${prefix}" or start with "${prefix}-"`,
          `Rename it to "${port.name.trim() === '' ? prefix : `${prefix}-${port.name}`}" or omit it.`);
      }
      if (port.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(port.name)) {
        throw propError(this, `ports[${index}].name`, port.name, 'it must be an IANA service name (at most 15 lowercase letters, digits and \'-\')',
          'Use a shorter name.');
      }
    });
    for (const key of ['port', 'name'] as const) {
      const seen = new Set<unknown>();
      for (const port of resolved) {
        if (seen.has(port[key])) {
          throw propError(this, 'ports', port[key], `two ports have the same ${key}`, `Give each port a unique ${key}.`);
        }
        seen.add(port[key]);
      }
    }
    return resolved;
  }

  private validateCapture(props: MeshServiceProps): void {
    const include = props.includeOutboundIpRanges ?? ['*'];
    include.filter(cidr => cidr !== '*' && !isIpv4Cidr(cidr)).forEach(cidr => {
      throw propError(this, 'includeOutboundIpRanges', cidr, 'it must be an IPv4 CIDR or "*"', 'Use a range such as "10.0.0.0/8".');
    });
    (props.excludeOutboundIpRanges ?? []).filter(cidr => !isIpv4Cidr(cidr)).forEach(cidr => {
      throw propError(this, 'excludeOutboundIpRanges', cidr, 'it must be an IPv4 CIDR', 'Use a range such as "169.254.169.254/32".');
    });
    (props.excludeInboundPorts ?? []).forEach(port => requirePort(this, 'excludeInboundPorts', port));
    (props.excludeOutboundPorts ?? []).forEach(port => requirePort(this, 'excludeOutboundPorts', port));
  }

  private validateService(): string[] {
    const messages: string[] = [];
    if (this.versionDeployments.size === 0) {
      messages.push(propMessage('versions', [], 'a service needs at least one version', 'Pass `versions` or call addVersion().'));
    }
    const twin = SERVICES_BY_NAME.firstDeclared(this, this.qualifiedName);
    if (twin && twin !== this) {
      messages.push(propMessage('name', this.name, `"${twin.node.path}" already declares a service with this name in namespace "${this.namespace}"`,
        'Rename one of them or move it to another namespace.'));
    }
    return [...messages, ...this.contributions.validate(this.versions)];
  }

  /** `<namespace>/<name>`, unique among the services of an app. */
  private get qualifiedName(): string {
    return `${this.namespace}/${this.name}`;
  }

  private dependencyAnnotations(): Record<string, string> {
    const dependencies = (this.props.dependencies ?? []).map(dependency => dependency.fqdn).sort();
    return dependencies.length > 0 ? { [DEPENDENCIES_ANNOTATION]: dependencies.join(',') } : {};
  }

  private metadata(name: string): { name: string; namespace: string; labels: Record<string, string> } {
    return { name, namespace: this.namespace, labels: { app: this.name } };
  }
}
