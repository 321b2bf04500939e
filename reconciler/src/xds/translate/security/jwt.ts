/**
 * RequestAuthentication → `envoy.filters.http.jwt_authn`, with Istio semantics: a request with an
 * invalid token is rejected (401); a request without a token passes, and only an
 * AuthorizationPolicy on `requestPrincipals` can then deny it. Verified claims are written to
 * dynamic metadata, where the RBAC filter matches request principals and claims.
 */
import type { MeshObject } from '../../../push/contract';
import { PolicyTarget, applicablePolicies, qualifiedName } from './policy-scope';

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** Dynamic metadata key (under JWT_AUTHN_FILTER) holding the verified token's payload. */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';
const JWKS_FETCH_TIMEOUT = '5s';
const JWKS_CACHE_DURATION = '300s';
/** The proxy image's public CA bundle (Debian/Ubuntu path), which verifies JWKS hosts. */
export const DEFAULT_PUBLIC_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

interface JwtRule {
  readonly issuer?: string;
  readonly audiences?: readonly string[];
  readonly jwks?: string;
  readonly jwksUri?: string;
  readonly fromHeaders?: ReadonlyArray<{ readonly name: string; readonly prefix?: string }>;
  readonly fromParams?: readonly string[];
  readonly fromCookies?: readonly string[];
  readonly forwardOriginalToken?: boolean;
  readonly outputPayloadToHeader?: string;
  readonly outputClaimToHeaders?: ReadonlyArray<{ readonly header: string; readonly claim: string }>;
}

export interface JwtTranslation {
  /** The jwt_authn HTTP filter, absent when no RequestAuthentication applies. */
  readonly httpFilter?: Record<string, unknown>;
  /** Clusters the filter fetches remote JWKS through; add them to the proxy's CDS. */
  readonly clusters: Record<string, unknown>[];
}

/** The jwt_authn filter and JWKS clusters for the workload's applicable RequestAuthentications. */
export interface JwtOptions {
  /** CA bundle file on the proxy that verifies https JWKS hosts. @default /etc/ssl/certs/ca-certificates.crt */
  readonly publicCaBundle?: string;
}

export function translateRequestAuthentication(
  objects: readonly MeshObject[], target: PolicyTarget, rootNamespace: string, options: JwtOptions = {}): JwtTranslation {
  const publicCaBundle = options.publicCaBundle ?? DEFAULT_PUBLIC_CA_BUNDLE;
  const policies = applicablePolicies(objects, 'RequestAuthentication', target, { rootNamespace, rootSelectorIsMeshWide: true });
  const providers: Record<string, unknown> = {};
  const clusters = new Map<string, Record<string, unknown>>();
  for (const policy of policies) {
    const rules: JwtRule[] = policy.spec?.jwtRules ?? [];
    rules.forEach((rule, index) => {
      const where = `RequestAuthentication ${qualifiedName(policy)}: spec.jwtRules[${index}]`;
      const jwks = jwksSource(rule, where, publicCaBundle);
      if (jwks.cluster) clusters.set(jwks.cluster.name as string, jwks.cluster);
      providers[`${qualifiedName(policy)}/${index}`] = provider(rule, where, jwks.source);
    });
  }
  const providerNames = Object.keys(providers);
  if (providerNames.length === 0) return { clusters: [] };
  return {
    httpFilter: {
      name: JWT_AUTHN_FILTER,
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
        'providers': providers,
        'rules': [{
          match: { prefix: '/' },
          requires: {
            requires_any: {
              requirements: [...providerNames.map((name) => ({ provider_name: name })), { allow_missing: {} }],
            },
          },
        }],
      },
    },
    clusters: [...clusters.values()],
  };
}

function provider(rule: JwtRule, where: string, jwksSourceFields: Record<string, unknown>): Record<string, unknown> {
  if (!rule.issuer) {
    throw new Error(`${where}.issuer is missing; set it to the "iss" claim of the accepted tokens (for example "https://accounts.example.com")`);
  }
  return {
    issuer: rule.issuer,
    ...(rule.audiences?.length ? { audiences: [...rule.audiences] } : {}),
    ...jwksSourceFields,
    // Envoy's default token locations (Authorization: Bearer, access_token) apply when none is given.
    ...(rule.fromHeaders?.length ? { from_headers: rule.fromHeaders.map((header) => ({ name: header.name, ...(header.prefix ? { value_prefix: header.prefix } : {}) })) } : {}),
    ...(rule.fromParams?.length ? { from_params: [...rule.fromParams] } : {}),
    ...(rule.fromCookies?.length ? { from_cookies: [...rule.fromCookies] } : {}),
    forward: rule.forwardOriginalToken === true,
    ...(rule.outputPayloadToHeader ? { forward_payload_header: rule.outputPayloadToHeader } : {}),
    ...(rule.outputClaimToHeaders?.length ? { claim_to_headers: rule.outputClaimToHeaders.map((entry) => ({ header_name: entry.header, claim_name: entry.claim })) } : {}),
    payload_in_metadata: JWT_PAYLOAD_METADATA_KEY,
    // The filter picks the route before it verifies the token; clearing the choice lets a gateway's
    // routes match on the claims just verified (a sidecar's one inbound route is chosen again alike).
    clear_route_cache: true,
  };
}

function jwksSource(rule: JwtRule, where: string, publicCaBundle: string): { source: Record<string, unknown>; cluster?: Record<string, unknown> } {
  if (rule.jwks) {
    assertKeySet(rule.jwks, where);
    return { source: { local_jwks: { inline_string: rule.jwks } } };
  }
  if (!rule.jwksUri) {
    throw new Error(`${where}: neither jwks nor jwksUri is set; set jwksUri to the issuer's JWKS URL or jwks to the key set JSON (OpenID discovery is not supported)`);
  }
  const url = parseUrl(rule.jwksUri);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error(`${where}.jwksUri "${rule.jwksUri}" is not an absolute http(s) URL; use for example "https://issuer.example.com/.well-known/jwks.json"`);
  }
  const cluster = jwksCluster(url, publicCaBundle);
  return {
    source: {
      remote_jwks: {
        http_uri: { uri: rule.jwksUri, cluster: cluster.name, timeout: JWKS_FETCH_TIMEOUT },
        cache_duration: JWKS_CACHE_DURATION,
      },
    },
    cluster,
  };
}

/** Envoy rejects the whole listener over a bad inline key set, so catch it here with the policy's name. */
function assertKeySet(jwks: string, where: string): void {
  let keys: unknown;
  try {
    keys = (JSON.parse(jwks) as { keys?: unknown })?.keys;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new Error(`${where}.jwks is not a JSON Web Key Set with at least one key; set it to the issuer's key set JSON ({"keys":[{…}]}) or use jwksUri`);
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The cluster that reaches a JWKS host; for https, TLS verified against the public CA bundle. */
export function jwksCluster(url: URL, publicCaBundle: string): Record<string, unknown> & { name: string } {
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const isIpLiteral = /^[\d.]+$/.test(host) || host.includes(':');
  const name = `jwks|${host}|${port}`;
  return {
    name,
    type: isIpLiteral ? 'STATIC' : 'LOGICAL_DNS',
    connect_timeout: JWKS_FETCH_TIMEOUT,
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
    },
    ...(secure ? {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          ...(isIpLiteral ? {} : { sni: host }),
          'common_tls_context': {
            validation_context: {
              trusted_ca: { filename: publicCaBundle },
              match_typed_subject_alt_names: [{ san_type: isIpLiteral ? 'IP_ADDRESS' : 'DNS', matcher: { exact: host } }],
            },
          },
        },
      },
    } : {}),
  };
}
