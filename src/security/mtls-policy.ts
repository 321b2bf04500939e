import { Construct } from 'constructs';
import { MtlsPolicyRegistry } from './mtls-policy-registry';
import {
  DestinationRuleSpecTrafficPolicy, DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode, DestinationRuleSpecTrafficPolicyTlsMode,
} from '../imports/istio-networking.istio.io';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode, PeerAuthenticationSpecPortLevelMtlsMode } from '../imports/istio-security.istio.io';
import { Mesh } from '../mesh/mesh';
import { MtlsMode } from '../mesh/mesh-policy';
import { IMeshService, MeshService } from '../mesh/mesh-service';
import { TrafficPolicyContribution } from '../private/contributions';
import { owningService } from '../private/feature-support';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { propError, requireDnsLabel } from '../private/validation';

/** A port whose mTLS mode differs from the workload's. */
export interface PortMtls {
  /** Service port (its target port is what the PeerAuthentication names). */
  readonly port: number;
  /** Mode on that port. */
  readonly mode: MtlsMode;
}

/** Properties of an {@link MtlsPolicy}. */
export interface MtlsPolicyProps {
  /** The mesh the policy belongs to. */
  readonly mesh: Mesh;

  /** What the servers in scope accept. */
  readonly mode: MtlsMode;

  /**
   * Applies to this service's workloads only.
   * @default - the namespace, or the whole mesh
   */
  readonly service?: IMeshService;

  /**
   * Applies to every workload of this namespace.
   * @default - the service, or the whole mesh
   */
  readonly namespace?: string;

  /**
   * Per-port modes; only for a service (port-level mTLS needs a workload selector).
   * @default - none
   */
  readonly portOverrides?: PortMtls[];
}

/** Where an mTLS policy applies, most specific last. */
enum MtlsScope {
  MESH = 0,
  NAMESPACE = 1,
  WORKLOAD = 2,
}

const CLIENT_TLS: Record<MtlsMode, DestinationRuleSpecTrafficPolicyTlsMode> = {
  [MtlsMode.STRICT]: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL,
  [MtlsMode.PERMISSIVE]: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL,
  [MtlsMode.DISABLE]: DestinationRuleSpecTrafficPolicyTlsMode.DISABLE,
};

/** Meshes whose services already consult the mTLS policies for their DestinationRule. */
const meshesWithClientTls = new WeakSet<Mesh>();

/**
 * Mutual TLS of the servers of the mesh, a namespace or a service (a PeerAuthentication), and
 * the matching client side in the DestinationRule of every service in scope (`ISTIO_MUTUAL`
 * for STRICT and PERMISSIVE), so moving from PERMISSIVE to STRICT never breaks callers. The
 * most specific policy of a service decides.
 *
 * @example
 * new MtlsPolicy(chart, 'MeshStrict', { mesh, mode: MtlsMode.STRICT });
 * new MtlsPolicy(chart, 'LegacyPermissive', { mesh, mode: MtlsMode.PERMISSIVE, service: legacy,
 *   portOverrides: [{ port: 9090, mode: MtlsMode.DISABLE }] });
 */
export class MtlsPolicy extends Construct {
  /** The mesh the policy belongs to. */
  public readonly mesh: Mesh;
  /** What the servers in scope accept. */
  public readonly mode: MtlsMode;
  /** Namespace of the PeerAuthentication (the mesh namespace for a mesh-wide policy). */
  public readonly namespace: string;

  private readonly scope: MtlsScope;
  private readonly service?: MeshService;
  private readonly portOverrides: PortMtls[];

  public constructor(scope: Construct, id: string, props: MtlsPolicyProps) {
    super(scope, id);
    this.mesh = props.mesh;
    this.mode = props.mode;
    this.portOverrides = props.portOverrides ?? [];
    if (this.node.root !== this.mesh.node.root) {
      throw propError(this, 'mesh', this.mesh.node.path, 'the mesh is not part of this app', 'Declare the policy in the app of its mesh.');
    }
    if (props.service && props.namespace !== undefined) {
      throw propError(this, 'namespace', props.namespace, 'a policy applies to a service or a namespace, not both',
        'Remove namespace (the service\'s namespace is used) or service.');
    }
    if (props.service) {
      this.service = owningService(this, 'service', props.service);
      if (this.service.mesh !== this.mesh) {
        throw propError(this, 'service', this.service.node.path, 'the service belongs to another mesh', 'Use the service\'s mesh.');
      }
    }
    if (props.namespace !== undefined) requireDnsLabel(this, 'namespace', props.namespace);
    this.scope = this.service ? MtlsScope.WORKLOAD : props.namespace !== undefined ? MtlsScope.NAMESPACE : MtlsScope.MESH;
    this.namespace = this.service?.namespace ?? props.namespace ?? this.mesh.namespace;
    if (this.portOverrides.length > 0 && !this.service) {
      throw propError(this, 'portOverrides', this.portOverrides, 'port-level mTLS needs a workload selector, which only a service policy has',
        'Set `service`, or remove portOverrides.');
    }
    const ports = this.portOverrides.map((override, index) => this.targetPort(override, index));

    const peerAuthentication = new PeerAuthentication(this, 'Resource', {
      metadata: { name: this.service?.name ?? 'default', namespace: this.namespace },
      spec: {
        ...(this.service ? { selector: { matchLabels: { app: this.service.name } } } : {}),
        mtls: { mode: this.mode as string as PeerAuthenticationSpecMtlsMode },
        ...(ports.length > 0 ? {
          portLevelMtls: Object.fromEntries(this.portOverrides.map((override, index) =>
            [String(ports[index]), { mode: override.mode as string as PeerAuthenticationSpecPortLevelMtlsMode }])),
        } : {}),
      },
    });
    applySyncWave(peerAuthentication, SyncWave.ROUTING);

    if (!meshesWithClientTls.has(this.mesh)) {
      meshesWithClientTls.add(this.mesh);
      const mesh = this.mesh;
      mesh._addServiceTrafficPolicySource(service => clientTlsOf(mesh, service));
    }
    MtlsPolicyRegistry.of(this.mesh).register(this, { namespace: props.namespace, service: this.service });
    this.node.addValidation({ validate: () => [...this.duplicateMessages(), ...this.clientConflictMessages()] });
  }

  /** Whether the policy covers `service`. */
  public appliesTo(service: IMeshService): boolean {
    return service.mesh === this.mesh && (this.scope === MtlsScope.MESH
      || (this.scope === MtlsScope.NAMESPACE && service.namespace === this.namespace)
      || (this.scope === MtlsScope.WORKLOAD && this.service === service));
  }

  /**
   * The client-side TLS of the DestinationRules of the services this policy decides.
   * @internal
   */
  public _clientTrafficPolicy(): DestinationRuleSpecTrafficPolicy {
    const clientMode = CLIENT_TLS[this.mode];
    const portLevelSettings = this.portOverrides.filter(override => CLIENT_TLS[override.mode] !== clientMode)
      .map(override => ({
        port: { number: override.port },
        tls: { mode: CLIENT_TLS[override.mode] as string as DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode },
      }));
    return { tls: { mode: clientMode }, ...(portLevelSettings.length > 0 ? { portLevelSettings } : {}) };
  }

  private targetPort(override: PortMtls, index: number): number {
    const port = this.service!.ports.find(candidate => candidate.port === override.port);
    if (!port) {
      throw propError(this, `portOverrides[${index}].port`, override.port, `"${this.service!.node.path}" has no such port`,
        `Use one of ${JSON.stringify(this.service!.ports.map(candidate => candidate.port))}.`);
    }
    return port.targetPort ?? port.port;
  }

  private duplicateMessages(): string[] {
    const twin = MtlsPolicyRegistry.of(this.mesh).duplicateOf(this);
    return twin ? [`'mode' is "${this.mode}"; "${twin.node.path}" already sets mTLS for the same scope. Remove one of the two policies.`] : [];
  }

  /** STRICT servers whose callers would be configured, by another construct, to send plaintext. */
  private clientConflictMessages(): string[] {
    if (this.mode !== MtlsMode.STRICT) {
      return [];
    }
    const inScope = this.mesh._services(this.scope === MtlsScope.MESH ? undefined : this.namespace)
      .filter((service): service is MeshService => service instanceof MeshService && this.appliesTo(service));
    return inScope.filter(service => decidingPolicy(this.mesh, service) === this).flatMap(service =>
      [undefined, ...service.versions].flatMap(subset => {
        const tls = service._trafficPolicy(subset)?.tls?.mode;
        return tls === DestinationRuleSpecTrafficPolicyTlsMode.DISABLE || tls === DestinationRuleSpecTrafficPolicyTlsMode.SIMPLE
          ? [`'mode' is "STRICT" for "${service.node.path}", but its DestinationRule ${subset ? `subset "${subset}" ` : ''}sets tls.mode ${tls}, `
            + 'so its callers would send traffic the server rejects. Use ISTIO_MUTUAL there, or make this policy PERMISSIVE while migrating.']
          : [];
      }));
  }
}

/** The most specific policy covering `service` (the first declared on a tie, reported as a duplicate). */
function decidingPolicy(mesh: Mesh, service: IMeshService): MtlsPolicy | undefined {
  return service.mesh === mesh ? MtlsPolicyRegistry.of(mesh).decidingPolicy(service) : undefined;
}

function clientTlsOf(mesh: Mesh, service: IMeshService): TrafficPolicyContribution[] {
  const policy = decidingPolicy(mesh, service);
  return policy ? [{ contributor: policy.node.path, trafficPolicy: policy._clientTrafficPolicy() }] : [];
}
