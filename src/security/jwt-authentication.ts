import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, RequestAuthentication } from '../imports/istio-security.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import { requestRoutedTargetPorts } from '../mesh/service-port';
import { nameFromId, owningService } from '../private/feature-support';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { propError } from '../private/validation';

/** Recorded at construction, so authorization rules check for a JwtAuthentication without walking the tree. */
const AUTHENTICATED_SERVICES = new WeakSet<IMeshService>();

/** A header carrying the token. */
export interface JwtHeader {
  /** Header name, e.g. `authorization`. */
  readonly name: string;

  /**
   * Text before the token, e.g. `Bearer `.
   * @default - none
   */
  readonly prefix?: string;
}

/** Properties of a {@link JwtAuthentication}. */
export interface JwtAuthenticationProps {
  /** The service whose requests are authenticated. */
  readonly service: IMeshService;

  /** Issuer of the tokens (`iss` claim). */
  readonly issuer: string;

  /**
   * URL of the issuer's JSON Web Key Set; exactly one of `jwksUri` and `jwks` is required.
   * @default - `jwks` is used
   */
  readonly jwksUri?: string;

  /**
   * The JSON Web Key Set itself, inline.
   * @default - `jwksUri` is used
   */
  readonly jwks?: string;

  /**
   * Accepted audiences (`aud` claim).
   * @default - any audience
   */
  readonly audiences?: string[];

  /**
   * Headers the token is read from.
   * @default - `Authorization: Bearer <token>`
   */
  readonly fromHeaders?: JwtHeader[];

  /**
   * Query parameters the token is read from.
   * @default - none
   */
  readonly fromParams?: string[];

  /**
   * Forward the token to the application after validation.
   * @default false
   */
  readonly forwardOriginalToken?: boolean;

  /**
   * Paths (exact, or prefix with a trailing `*`) where a valid token of this issuer is
   * required; requests without one are denied. An empty list only validates tokens that are
   * present.
   * @default ['*'] - every path
   */
  readonly requiredPaths?: string[];
}

/**
 * End-user authentication with JSON Web Tokens: a RequestAuthentication that validates tokens of
 * one issuer, and an AuthorizationPolicy that denies requests to `requiredPaths` without a valid
 * token of that issuer (request principal `<issuer>/*`).
 *
 * @example
 * new JwtAuthentication(chart, 'ProductpageJwt', {
 *   service: productpage, issuer: 'https://auth.example.com',
 *   jwksUri: 'https://auth.example.com/.well-known/jwks.json', requiredPaths: ['/api/*'],
 * });
 */
export class JwtAuthentication extends Construct {
  /**
   * Whether a JwtAuthentication validates tokens for `service`.
   * @internal
   */
  public static _authenticates(service: IMeshService): boolean {
    return AUTHENTICATED_SERVICES.has(service);
  }

  /** The service whose requests are authenticated. */
  public readonly service: IMeshService;
  /** Issuer of the tokens. */
  public readonly issuer: string;

  public constructor(scope: Construct, id: string, props: JwtAuthenticationProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    this.service = service;
    AUTHENTICATED_SERVICES.add(service);
    this.issuer = props.issuer;
    if (props.issuer.trim() === '') {
      throw propError(this, 'issuer', props.issuer, 'the issuer is empty', 'Set the `iss` value of the tokens.');
    }
    if ((props.jwks === undefined) === (props.jwksUri === undefined)) {
      throw propError(this, 'jwksUri', props.jwksUri, 'exactly one of jwksUri and jwks is required', 'Set one of them.');
    }
    if (props.jwksUri !== undefined && !/^https?:\/\/\S+$/.test(props.jwksUri)) {
      throw propError(this, 'jwksUri', props.jwksUri, 'it must be an http(s) URL', 'Use the issuer\'s JWKS URL.');
    }
    if (props.jwks !== undefined) {
      requireJwks(this, props.jwks);
    }
    const nonEmpty = (prop: string, values: readonly string[] | undefined) => (values ?? []).forEach((value, index) => {
      if (value.trim() === '') {
        throw propError(this, `${prop}[${index}]`, value, 'it must not be empty', 'Remove the entry or give a value.');
      }
    });
    nonEmpty('audiences', props.audiences);
    nonEmpty('fromParams', props.fromParams);
    nonEmpty('fromHeaders.name', props.fromHeaders?.map(header => header.name));
    const requiredPaths = props.requiredPaths ?? ['*'];
    requiredPaths.forEach((path, index) => {
      if (path !== '*' && !path.startsWith('/')) {
        throw propError(this, `requiredPaths[${index}]`, path, 'a path must start with "/" (or be "*")', `Use "/${path}".`);
      }
    });

    const requestPorts = requestRoutedTargetPorts(service.ports);
    if (requestPorts.length === 0) {
      throw propError(this, 'service', service.node.path, 'it has no HTTP, HTTP2 or gRPC port, and tokens travel in requests',
        'Authenticate a service with a request-routed port.');
    }

    const name = `${service.name}-${nameFromId(id)}`;
    const metadata = { name, namespace: service.namespace };
    const selector = { matchLabels: { app: service.name } };
    // A plain ApiObject: the generated class renames `jwksUri` to its `jwks_uri` alias, which
    // the reconciler does not read.
    const requestAuthentication = new ApiObject(this, 'RequestAuthentication', {
      ...RequestAuthentication.GVK,
      metadata,
      spec: {
        selector,
        jwtRules: [{
          issuer: props.issuer,
          ...(props.jwksUri !== undefined ? { jwksUri: props.jwksUri } : { jwks: props.jwks }),
          ...(props.audiences ? { audiences: props.audiences } : {}),
          ...(props.fromHeaders ? {
            fromHeaders: props.fromHeaders.map(header => ({ name: header.name, ...(header.prefix ? { prefix: header.prefix } : {}) })),
          } : {}),
          ...(props.fromParams ? { fromParams: props.fromParams } : {}),
          ...(props.forwardOriginalToken !== undefined ? { forwardOriginalToken: props.forwardOriginalToken } : {}),
        }],
      },
    });
    applySyncWave(requestAuthentication, SyncWave.ROUTING);
    if (requiredPaths.length > 0) {
      // DENY without a principal of this issuer: the token is required on these paths only, and
      // other ALLOW policies of the workload keep deciding the rest.
      const requirement = new AuthorizationPolicy(this, 'RequireToken', {
        metadata: { ...metadata, name: `${name}-required` },
        spec: {
          selector,
          action: AuthorizationPolicySpecAction.DENY,
          rules: [{
            from: [{ source: { notRequestPrincipals: [`${props.issuer}/*`] } }],
            // On the request-routed ports only: on a TCP port Istio cannot see a token, so a DENY
            // without ports would close it to everyone.
            to: [{ operation: { ports: requestPorts, ...(requiredPaths.includes('*') ? {} : { paths: requiredPaths }) } }],
          }],
        },
      });
      applySyncWave(requirement, SyncWave.ROUTING);
    }
  }
}

function requireJwks(scope: Construct, jwks: string): void {
  let keys: unknown;
  try {
    keys = (JSON.parse(jwks) as { keys?: unknown }).keys;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    throw propError(scope, 'jwks', jwks.slice(0, 40), 'it must be a JSON Web Key Set: a JSON object with a non-empty "keys" array',
      'Paste the issuer\'s JWKS document, or use jwksUri.');
  }
}
