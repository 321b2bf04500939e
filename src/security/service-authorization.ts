import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { JwtAuthentication } from './jwt-authentication';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules,
} from '../imports/istio-security.istio.io';
import { IMeshService, MeshService } from '../mesh/mesh-service';
import { requestRoutedTargetPorts } from '../mesh/service-port';
import { owningService, requireSameApp } from '../private/feature-support';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { propError, requireDnsLabel } from '../private/validation';

/** Who a rule is about and what they call. All given fields must hold. */
export interface AuthorizationRuleOptions {
  /**
   * Calling services, identified by their ServiceAccount (`<trustDomain>/ns/<ns>/sa/<name>`).
   * @default - any caller (unless fromNamespaces is set)
   */
  readonly fromServices?: IMeshService[];

  /**
   * Calling namespaces.
   * @default - any namespace (unless fromServices is set)
   */
  readonly fromNamespaces?: string[];

  /**
   * HTTP methods, e.g. `GET`.
   * @default - any method
   */
  readonly methods?: string[];

  /**
   * Paths: exact, prefix (`/api/*`) or suffix (`*.js`).
   * @default - any path
   */
  readonly paths?: string[];

  /**
   * Service ports called.
   * @default - any port
   */
  readonly ports?: number[];

  /**
   * Request headers and their accepted values.
   * @default - no header condition
   */
  readonly headers?: { [name: string]: string[] };

  /**
   * Requires an end-user token validated by a {@link JwtAuthentication} of the service
   * (any request principal).
   * @default false
   */
  readonly requireJwt?: boolean;
}

/** Properties of a {@link ServiceAuthorization}. */
export interface ServiceAuthorizationProps {
  /** The service whose workloads are protected. */
  readonly service: IMeshService;

  /**
   * Deny everything that no ALLOW rule allows, with an AuthorizationPolicy of empty spec on the workloads.
   * @default false
   */
  readonly defaultDeny?: boolean;
}

/**
 * Who may call a service: ALLOW and DENY AuthorizationPolicies on its workloads, with callers
 * given as services (their SPIFFE principals) or namespaces.
 *
 * @example
 * const authz = new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews, defaultDeny: true });
 * authz.allow({ fromServices: [productpage], methods: ['GET'], paths: ['/reviews/*'] });
 */
export class ServiceAuthorization extends Construct {
  private readonly service: MeshService;
  private readonly allowRules: AuthorizationRuleOptions[] = [];
  private readonly denyRules: AuthorizationRuleOptions[] = [];
  private allowPolicy?: AuthorizationPolicy;
  private denyPolicy?: AuthorizationPolicy;

  public constructor(scope: Construct, id: string, props: ServiceAuthorizationProps) {
    super(scope, id);
    this.service = owningService(this, 'service', props.service);
    if (props.defaultDeny) {
      // Selector only, no rules: matches nothing, so the workload is denied what no ALLOW policy allows.
      this.addPolicy('DefaultDeny', `${this.service.name}-default-deny`, () => ({ selector: this.selector() }));
    }
    this.node.addValidation({ validate: () => this.validateRules() });
  }

  /** Allows requests meeting every condition of `rule`. */
  public allow(rule: AuthorizationRuleOptions): void {
    this.checkRule(rule, `allow[${this.allowRules.length}]`);
    this.allowRules.push(rule);
    // Created with the first rule: an ALLOW policy without rules would deny every request.
    this.allowPolicy ??= this.addPolicy('Allow', `${this.service.name}-allow`, () => ({
      selector: this.selector(),
      action: AuthorizationPolicySpecAction.ALLOW,
      rules: this.allowRules.map(allowRule => this.renderRule(allowRule)),
    }));
  }

  /** Denies requests meeting every condition of `rule`, whatever ALLOW rules say. */
  public deny(rule: AuthorizationRuleOptions): void {
    this.checkRule(rule, `deny[${this.denyRules.length}]`);
    this.denyRules.push(rule);
    this.denyPolicy ??= this.addPolicy('Deny', `${this.service.name}-deny`, () => ({
      selector: this.selector(),
      action: AuthorizationPolicySpecAction.DENY,
      rules: this.denyRules.map(denyRule => this.renderRule(denyRule, { denyOnRequestPorts: true })),
    }));
  }

  private addPolicy(id: string, name: string, spec: () => AuthorizationPolicySpec): AuthorizationPolicy {
    const policy = new AuthorizationPolicy(this, id, {
      metadata: { name, namespace: this.service.namespace },
      spec: Lazy.any({ produce: spec }),
    });
    applySyncWave(policy, SyncWave.ROUTING);
    return policy;
  }

  private selector(): { matchLabels: { [key: string]: string } } {
    return { matchLabels: { app: this.service.name } };
  }

  private checkRule(rule: AuthorizationRuleOptions, prop: string): void {
    (rule.fromServices ?? []).forEach((caller, index) => {
      requireSameApp(this, `${prop}.fromServices[${index}]`, caller);
      if (!(caller instanceof MeshService) || caller.mesh !== this.service.mesh) {
        throw propError(this, `${prop}.fromServices[${index}]`, caller.node.path, 'it is not a service of this mesh, so it has no mesh identity',
          'Name a MeshService of the same mesh, or use fromNamespaces.');
      }
    });
    (rule.fromNamespaces ?? []).forEach((namespace, index) => requireDnsLabel(this, `${prop}.fromNamespaces[${index}]`, namespace));
    (rule.ports ?? []).forEach((port, index) => {
      if (!this.service.ports.some(candidate => candidate.port === port)) {
        throw propError(this, `${prop}.ports[${index}]`, port, `"${this.service.node.path}" has no such port`,
          `Use one of ${JSON.stringify(this.service.ports.map(candidate => candidate.port))}.`);
      }
    });
    const requestAttributes = requestAttributesOf(rule);
    if (requestAttributes.length > 0 && requestRoutedTargetPorts(this.service.ports).length === 0) {
      throw propError(this, `${prop}.${requestAttributes[0]}`, rule[requestAttributes[0]],
        `"${this.service.node.path}" has no HTTP, HTTP2 or gRPC port, so no request carries this attribute`,
        'Authorize its TCP ports by caller (fromServices, fromNamespaces) and port only.');
    }
    (rule.paths ?? []).forEach((path, index) => {
      if (path !== '*' && !path.startsWith('/') && !path.startsWith('*')) {
        throw propError(this, `${prop}.paths[${index}]`, path, 'a path must start with "/" or "*"', `Use "/${path}".`);
      }
    });
  }

  private renderRule(rule: AuthorizationRuleOptions, options: { denyOnRequestPorts?: boolean } = {}): AuthorizationPolicySpecRules {
    const trustDomain = this.service.mesh.trustDomain;
    const principals = (rule.fromServices ?? []).map(caller => `${trustDomain}/ns/${caller.namespace}/sa/${caller.name}`);
    const source = {
      ...(principals.length > 0 ? { principals } : {}),
      ...(rule.fromNamespaces?.length ? { namespaces: rule.fromNamespaces } : {}),
      ...(rule.requireJwt ? { requestPrincipals: ['*'] } : {}),
    };
    // Authorization sees the workload's port, which is the service port's target port.
    const namedPorts = (rule.ports ?? []).map(port => {
      const servicePort = this.service.ports.find(candidate => candidate.port === port)!;
      return String(servicePort.targetPort ?? servicePort.port);
    });
    // A DENY rule on request attributes alone would also close the TCP ports (Istio cannot read
    // those attributes there, so it denies the connection): it applies to the request-routed ports.
    const ports = namedPorts.length === 0 && options.denyOnRequestPorts && requestAttributesOf(rule).length > 0
      ? requestRoutedTargetPorts(this.service.ports)
      : namedPorts;
    const operation = {
      ...(rule.methods?.length ? { methods: rule.methods } : {}),
      ...(rule.paths?.length ? { paths: rule.paths } : {}),
      ...(ports.length > 0 ? { ports } : {}),
    };
    const when = Object.entries(rule.headers ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, values]) => ({ key: `request.headers[${name}]`, values }));
    return {
      ...(Object.keys(source).length > 0 ? { from: [{ source }] } : {}),
      ...(Object.keys(operation).length > 0 ? { to: [{ operation }] } : {}),
      ...(when.length > 0 ? { when } : {}),
    };
  }

  private validateRules(): string[] {
    const usesJwt = [...this.allowRules, ...this.denyRules].some(rule => rule.requireJwt);
    return usesJwt && !JwtAuthentication._authenticates(this.service)
      ? [`'requireJwt' is true, but no JwtAuthentication validates tokens for "${this.service.node.path}", so no request would carry a principal. `
        + 'Add a JwtAuthentication for the service.']
      : [];
  }
}

/** The props of `rule` that only an HTTP request carries. */
function requestAttributesOf(rule: AuthorizationRuleOptions): Array<'methods' | 'paths' | 'headers' | 'requireJwt'> {
  return ([
    rule.methods?.length ? 'methods' : undefined,
    rule.paths?.length ? 'paths' : undefined,
    Object.keys(rule.headers ?? {}).length > 0 ? 'headers' : undefined,
    rule.requireJwt ? 'requireJwt' : undefined,
  ] as const).filter((name): name is 'methods' | 'paths' | 'headers' | 'requireJwt' => name !== undefined);
}
