import { ApiObject, App, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { AccessLogOptions } from './access-log';
import { AdmissionFailurePolicy, InjectionMode, MtlsMode, OutboundTrafficPolicy } from './mesh-policy';
import type { IMeshService } from './mesh-service';
import { RECONCILER_NAME, RECONCILER_PORTS } from '../model';
import { renderAccessLog } from '../private/access-log-config';
import { TrafficPolicyContribution } from '../private/contributions';
import { addControlPlane, addGatewayCredentialAccess } from '../private/control-plane';
import { addIstioCrds } from '../private/istio-crds';
import { writeMeshDiagram } from '../private/mesh-diagram';
import { gatewayCredentialRules } from '../private/rbac';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { requireDnsLabel } from '../private/validation';

/** Properties of a {@link Mesh}. */
export interface MeshProps {
  /**
   * Namespace of the control plane (the mesh root namespace).
   * @default 'mesh-system'
   */
  readonly namespace?: string;

  /**
   * SPIFFE trust domain of workload identities (`spiffe://<trustDomain>/ns/<ns>/sa/<sa>`).
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * DNS suffix of the cluster, used in service host names (`<name>.<ns>.svc.<clusterDomain>`).
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * Mutual TLS mode of workloads that no PeerAuthentication selects.
   * @default MtlsMode.PERMISSIVE
   */
  readonly defaultMtlsMode?: MtlsMode;

  /**
   * What sidecars do with requests for hosts the mesh does not know.
   * @default OutboundTrafficPolicy.ALLOW_ANY
   */
  readonly outboundTrafficPolicy?: OutboundTrafficPolicy;

  /**
   * Image of the reconciler (`reconciler/Dockerfile`; it has no iptables).
   * @default 'ghcr.io/cdk8s-mesh/reconciler:0.1.0'
   */
  readonly reconcilerImage?: string;

  /**
   * Image of the `istio-init` container that sets up traffic capture: it needs `sh` and `iptables`
   * (`reconciler/proxy-init.Dockerfile`).
   * @default 'ghcr.io/cdk8s-mesh/proxy-init:0.1.0'
   */
  readonly proxyInitImage?: string;

  /**
   * Number of reconciler replicas.
   * @default 2
   */
  readonly replicas?: number;

  /**
   * Resources of the reconciler container.
   * @default - requests 100m CPU and 256Mi memory, limits 1 CPU and 1Gi memory
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Envoy image of the sidecars.
   * @default 'envoyproxy/envoy:v1.40.0'
   */
  readonly proxyImage?: string;

  /**
   * Resources of every injected `istio-proxy` container.
   * @default - requests 100m CPU and 128Mi memory, limits 2 CPU and 1Gi memory
   */
  readonly proxyResources?: kplus.ContainerResources;

  /**
   * Also emit the Istio CustomResourceDefinitions (sync wave -10), for clusters without Istio.
   * @default false
   */
  readonly emitCrds?: boolean;

  /**
   * How workloads get their sidecar.
   * @default InjectionMode.SYNTH
   */
  readonly injectionMode?: InjectionMode;

  /**
   * What the API server does with the mesh's Istio objects when the reconciler's validating webhook
   * cannot be reached.
   * @default AdmissionFailurePolicy.IGNORE
   */
  readonly admissionFailurePolicy?: AdmissionFailurePolicy;

  /**
   * Write a picture of the declared mesh (services, versions, routing weights, matches, mirrors,
   * faults, mTLS modes, authorization, gateways and external services) next to the YAML when the
   * app is synthesized: `mesh.html`, or `<namespace>.mesh.html` when the app has several meshes.
   * @default true
   */
  readonly diagram?: boolean;

  /**
   * Access logs of every sidecar and gateway: one line per request or connection, with its status
   * and Envoy's response flags.
   * @default - no access logs
   */
  readonly accessLog?: AccessLogOptions;
}

/**
 * The control plane of one service mesh: the reconciler (an xDS server for the sidecars), its
 * RBAC, Service and mesh config. Every {@link MeshService} names the mesh it belongs to.
 */
export class Mesh extends Construct {
  /** Namespace of the control plane. */
  public readonly namespace: string;
  /** SPIFFE trust domain of workload identities. */
  public readonly trustDomain: string;
  /** DNS suffix of the cluster. */
  public readonly clusterDomain: string;
  /** Mutual TLS mode of workloads that no PeerAuthentication selects. */
  public readonly defaultMtlsMode: MtlsMode;
  /** What sidecars do with requests for unknown hosts. */
  public readonly outboundTrafficPolicy: OutboundTrafficPolicy;
  /** How workloads get their sidecar. */
  public readonly injectionMode: InjectionMode;
  /** Image of the reconciler. */
  public readonly reconcilerImage: string;
  /** Image of the `istio-init` capture setup (`sh` and `iptables`). */
  public readonly proxyInitImage: string;
  /** Envoy image of the sidecars. */
  public readonly proxyImage: string;
  /** Resources of every injected `istio-proxy` container. */
  public readonly proxyResources: kplus.ContainerResources;
  /** Name of the reconciler's Service. */
  public readonly xdsServiceName: string = RECONCILER_NAME;
  /** Port of the plaintext ADS gRPC server, bound to loopback inside the reconciler's pod (in no Service). */
  public readonly xdsPort: number = RECONCILER_PORTS.xdsPlaintext;
  /** Port of the TLS ADS gRPC server, the one sidecars and gateways dial. */
  public readonly xdsTlsPort: number = RECONCILER_PORTS.xdsTls;
  /** Port serving `/healthz`, `/readyz`, `/metrics` and the `/debug` views. */
  public readonly monitoringPort: number = RECONCILER_PORTS.monitoring;
  /** Container port of the validating admission webhook (Service port 443). */
  public readonly webhookPort: number = RECONCILER_PORTS.webhook;
  /** What the API server does with the mesh's Istio objects when the webhook cannot be reached. */
  public readonly admissionFailurePolicy: AdmissionFailurePolicy;

  private readonly workloadNamespaces = new Map<string, kplus.Namespace>();
  /** Namespace → names of the gateway credential Secrets the reconciler may read there. */
  private readonly gatewayCredentials = new Map<string, Set<string>>();
  private readonly serviceTrafficPolicySources: ((service: IMeshService) => TrafficPolicyContribution[])[] = [];
  // Indexed at declaration so mesh- and namespace-wide validations never walk the construct tree.
  private readonly services: IMeshService[] = [];
  private readonly servicesByNamespace = new Map<string, IMeshService[]>();

  public constructor(scope: Construct, id: string, props: MeshProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? 'mesh-system';
    requireDnsLabel(this, 'namespace', this.namespace);
    this.trustDomain = props.trustDomain ?? 'cluster.local';
    this.clusterDomain = props.clusterDomain ?? 'cluster.local';
    this.defaultMtlsMode = props.defaultMtlsMode ?? MtlsMode.PERMISSIVE;
    this.outboundTrafficPolicy = props.outboundTrafficPolicy ?? OutboundTrafficPolicy.ALLOW_ANY;
    this.injectionMode = props.injectionMode ?? InjectionMode.SYNTH;
    this.reconcilerImage = props.reconcilerImage ?? 'ghcr.io/cdk8s-mesh/reconciler:0.1.0';
    this.proxyInitImage = props.proxyInitImage ?? 'ghcr.io/cdk8s-mesh/proxy-init:0.1.0';
    this.proxyImage = props.proxyImage ?? 'envoyproxy/envoy:v1.40.0';
    this.proxyResources = props.proxyResources ?? {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(2000) },
      memory: { request: Size.mebibytes(128), limit: Size.gibibytes(1) },
    };
    this.admissionFailurePolicy = props.admissionFailurePolicy ?? AdmissionFailurePolicy.IGNORE;
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`[${this.node.path}] 'replicas' is ${replicas}; it must be a positive integer. Use 2 or more for availability.`);
    }

    if (props.diagram ?? true) {
      this.node.addValidation({ validate: () => this.writeDiagram() });
    }
    if (props.emitCrds) {
      addIstioCrds(new Construct(this, 'Crds'));
    }
    addControlPlane(new Construct(this, 'ControlPlane'), {
      namespace: this.namespace,
      accessLog: props.accessLog ? renderAccessLog(this.node.path, props.accessLog) : undefined,
      trustDomain: this.trustDomain,
      clusterDomain: this.clusterDomain,
      defaultMtlsMode: this.defaultMtlsMode,
      outboundTrafficPolicy: this.outboundTrafficPolicy,
      injectionMode: this.injectionMode,
      image: this.reconcilerImage,
      replicas,
      admissionFailurePolicy: this.admissionFailurePolicy,
      meshNamespaces: () => [this.namespace, ...this.workloadNamespaces.keys()],
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
    });
  }

  /** File name of the mesh's diagram in the app's output directory. */
  public get diagramFileName(): string {
    const meshes = App.of(this).node.findAll().filter((construct): construct is Mesh => construct instanceof Mesh);
    return meshes.length > 1 ? `${this.namespace}.mesh.html` : 'mesh.html';
  }

  /** Host name of the reconciler's Service, the address sidecars dial for ADS. */
  public get xdsHost(): string {
    return `${this.xdsServiceName}.${this.namespace}.svc`;
  }

  /** Writes the diagram during synthesis; returns no validation errors of its own. */
  private writeDiagram(): string[] {
    writeMeshDiagram(this, {
      rootNamespace: this.namespace,
      clusterDomain: this.clusterDomain,
      trustDomain: this.trustDomain,
      defaultMtlsMode: this.defaultMtlsMode,
      namespaces: () => [this.namespace, ...this.workloadNamespaces.keys()],
      fileName: () => this.diagramFileName,
    });
    return [];
  }

  /**
   * Records a service of the mesh, once, when it is constructed.
   * @internal
   */
  public _registerService(service: IMeshService): void {
    this.services.push(service);
    const inNamespace = this.servicesByNamespace.get(service.namespace);
    if (inNamespace) {
      inNamespace.push(service);
    } else {
      this.servicesByNamespace.set(service.namespace, [service]);
    }
  }

  /**
   * The services of the mesh in declaration order, only those of `namespace` when it is given.
   * @internal
   */
  public _services(namespace?: string): readonly IMeshService[] {
    return namespace === undefined ? this.services : this.servicesByNamespace.get(namespace) ?? [];
  }

  /**
   * Registers a producer of DestinationRule fragments for every service of the mesh, for
   * mesh- or namespace-wide policies (e.g. the client side of mTLS).
   * @internal
   */
  public _addServiceTrafficPolicySource(source: (service: IMeshService) => TrafficPolicyContribution[]): void {
    this.serviceTrafficPolicySources.push(source);
  }

  /**
   * The mesh-wide DestinationRule fragments of one service.
   * @internal
   */
  public _serviceTrafficPolicies(service: IMeshService): TrafficPolicyContribution[] {
    return this.serviceTrafficPolicySources.flatMap(source => source(service));
  }

  /**
   * Declares a namespace that workloads of this mesh run in (once per namespace). With
   * ISTIO_WEBHOOK injection it is labelled for Istio's webhook; with SYNTH injection it is
   * labelled to keep an Istio webhook, if any, from injecting a second sidecar.
   * @internal
   */
  public _declareWorkloadNamespace(namespace: string): void {
    if (namespace === this.namespace || this.workloadNamespaces.has(namespace)) {
      return;
    }
    const injection = this.injectionMode === InjectionMode.ISTIO_WEBHOOK ? 'enabled' : 'disabled';
    const declared = new kplus.Namespace(this, `Namespace-${namespace}`, {
      metadata: { name: namespace, labels: { 'istio-injection': injection } },
    });
    applySyncWave(ApiObject.of(declared), SyncWave.CONTROL_PLANE);
    this.workloadNamespaces.set(namespace, declared);
  }

  /**
   * Lets the reconciler read the gateway credential Secret `secretName` in `namespace` (by name only),
   * so it can serve the certificate over SDS.
   * @internal
   */
  public _grantGatewayCredential(namespace: string, secretName: string): void {
    const existing = this.gatewayCredentials.get(namespace);
    if (existing) {
      existing.add(secretName);
      return;
    }
    const names = new Set([secretName]);
    this.gatewayCredentials.set(namespace, names);
    addGatewayCredentialAccess(new Construct(this, `GatewayCredentials-${namespace}`), this.namespace, namespace, () => gatewayCredentialRules([...names]));
  }
}
