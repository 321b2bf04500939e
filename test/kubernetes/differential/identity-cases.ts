/**
 * Cases of the identity mesh, hand-written and generated (fast-check, seeded): PeerAuthentication
 * at mesh, namespace, workload and port level; DestinationRule TLS modes against the server's
 * mode; AuthorizationPolicies on principals and namespaces (`from.source` with the `not` forms
 * and `*` prefix/suffix wildcards, `when` on `source.principal` and `source.namespace`), alone and
 * with operations. Every case's requests come from the same-namespace caller and the outsider
 * through their sidecars (mTLS when the client side chooses it), and in plaintext straight to the
 * server's inbound listener.
 */
import * as fc from 'fast-check';
import type { DifferentialCase } from './differential-case';
import { IDENTITY_NAMESPACE, IDENTITY_SIDES, IdentityRole, OUTSIDE_NAMESPACE, principalOf, SECURE_APP, secureHost, TRUST_DOMAIN } from './identity-mesh';
import { SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

/** Who sends a request: a caller through its sidecar, or the test straight to the server's inbound port without a certificate. */
export type IdentityCaller = Exclude<IdentityRole, 'server'> | 'plaintext';

export interface IdentityRequestClass {
  readonly name: string;
  readonly from: IdentityCaller;
  /** Path and query. */
  readonly path: string;
  /** Request headers (a token, for the JWT cases). */
  readonly headers?: Record<string, string>;
  /** Another host than the side's own server (one outside the mesh). */
  readonly authority?: string;
}

/** A differential case whose requests name their caller instead of a request to send. */
export interface IdentityCase extends Omit<DifferentialCase, 'requests' | 'clusters'> {
  readonly requests: readonly IdentityRequestClass[];
}

export type Mode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
/** The mesh's root namespace: a PeerAuthentication there without a selector is mesh-wide. */
const ROOT_NAMESPACE = 'istio-system';

function peerAuthentication(name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}
export const namespaceMode = (mode: Mode, namespace = IDENTITY_NAMESPACE) => peerAuthentication(`mode-${namespace}`, namespace, { mtls: { mode } });
const workloadMode = (mode: Mode, portLevel?: Mode) => peerAuthentication('secure-workload', IDENTITY_NAMESPACE, {
  selector: { matchLabels: { app: SECURE_APP } },
  mtls: { mode },
  ...(portLevel ? { portLevelMtls: { [SERVICE_PORT]: { mode: portLevel } } } : {}),
});

/** One DestinationRule per side's server host: each side's callers reach their own server only. */
function clientTls(mode: 'DISABLE' | 'ISTIO_MUTUAL'): KubeObject[] {
  return IDENTITY_SIDES.map((side) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: `tls-${side}`, namespace: IDENTITY_NAMESPACE },
    spec: { host: secureHost(side), trafficPolicy: { tls: { mode } } },
  }));
}

export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
}
export interface Rule {
  from?: { source: Source }[];
  to?: { operation: { paths?: string[]; notPaths?: string[] } }[];
  when?: { key: string; values?: string[]; notValues?: string[] }[];
}

export function authorization(name: string, action: 'ALLOW' | 'DENY', rules?: Rule[]): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: IDENTITY_NAMESPACE },
    spec: { selector: { matchLabels: { app: SECURE_APP } }, action, ...(rules ? { rules } : {}) },
  };
}

const CALLERS: readonly IdentityCaller[] = ['client', 'outsider', 'plaintext'];
const requestsOn = (paths: readonly string[]): IdentityRequestClass[] =>
  CALLERS.flatMap((from) => paths.map((path) => ({ name: `${from} GET ${path}`, from, path })));
const PLAIN = requestsOn(['/']);
const WITH_ADMIN = requestsOn(['/', '/admin/users']);

export const CLIENT = principalOf('client');
const OUTSIDER = principalOf('outsider');

export const IDENTITY_SCENARIOS: readonly IdentityCase[] = [
  { id: 'mtls-default', description: 'no PeerAuthentication: PERMISSIVE, callers use mTLS automatically', objects: [], requests: PLAIN },
  { id: 'mtls-namespace-strict', description: 'namespace STRICT: plaintext refused', objects: [namespaceMode('STRICT')], requests: PLAIN },
  { id: 'mtls-namespace-disable', description: 'namespace DISABLE: callers send plaintext, no identity', objects: [namespaceMode('DISABLE')], requests: PLAIN },
  { id: 'mtls-mesh-strict', description: 'mesh-wide STRICT in the root namespace', objects: [namespaceMode('STRICT', ROOT_NAMESPACE)], requests: PLAIN },
  {
    id: 'mtls-namespace-overrides-mesh',
    description: 'mesh-wide STRICT, namespace PERMISSIVE: the namespace wins',
    objects: [namespaceMode('STRICT', ROOT_NAMESPACE), namespaceMode('PERMISSIVE')],
    requests: PLAIN,
  },
  { id: 'mtls-workload-strict', description: 'workload STRICT over namespace PERMISSIVE', objects: [namespaceMode('PERMISSIVE'), workloadMode('STRICT')], requests: PLAIN },
  { id: 'mtls-workload-unset', description: 'workload UNSET inherits namespace STRICT', objects: [namespaceMode('STRICT'), workloadMode('UNSET')], requests: PLAIN },
  { id: 'mtls-port-disable', description: 'workload STRICT with the service port DISABLE', objects: [workloadMode('STRICT', 'DISABLE')], requests: PLAIN },
  { id: 'mtls-port-strict', description: 'workload DISABLE with the service port STRICT', objects: [workloadMode('DISABLE', 'STRICT')], requests: PLAIN },
  { id: 'mtls-dr-disable-vs-strict', description: 'DestinationRule tls DISABLE towards a STRICT server', objects: [namespaceMode('STRICT'), ...clientTls('DISABLE')], requests: PLAIN },
  { id: 'mtls-dr-mutual-vs-disable', description: 'DestinationRule ISTIO_MUTUAL towards a DISABLE server', objects: [namespaceMode('DISABLE'), ...clientTls('ISTIO_MUTUAL')], requests: PLAIN },
  { id: 'mtls-dr-mutual-permissive', description: 'DestinationRule ISTIO_MUTUAL towards a PERMISSIVE server', objects: [...clientTls('ISTIO_MUTUAL')], requests: PLAIN },
  { id: 'authz-principal-allowed', description: 'ALLOW the client principal only', objects: [authorization('allow-client', 'ALLOW', [{ from: [{ source: { principals: [CLIENT] } }] }])], requests: PLAIN },
  { id: 'authz-namespace-denied', description: 'DENY the outside namespace', objects: [authorization('deny-outside', 'DENY', [{ from: [{ source: { namespaces: [OUTSIDE_NAMESPACE] } }] }])], requests: PLAIN },
  { id: 'authz-not-principals', description: 'ALLOW any but the client principal (plaintext has none)', objects: [authorization('allow-others', 'ALLOW', [{ from: [{ source: { notPrincipals: [CLIENT] } }] }])], requests: PLAIN },
  { id: 'authz-not-namespaces-denied', description: 'DENY any but the own namespace (plaintext has none)', objects: [authorization('deny-foreign', 'DENY', [{ from: [{ source: { notNamespaces: [IDENTITY_NAMESPACE] } }] }])], requests: PLAIN },
  { id: 'authz-any-principal', description: 'ALLOW principals ["*"]: any authenticated peer', objects: [authorization('allow-authenticated', 'ALLOW', [{ from: [{ source: { principals: ['*'] } }] }])], requests: PLAIN },
  {
    id: 'authz-principal-wildcards',
    description: 'ALLOW a namespace prefix, DENY a service-account suffix',
    objects: [
      authorization('allow-prefix', 'ALLOW', [{ from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/${IDENTITY_NAMESPACE}/*`, '*/sa/outsider'] } }] }]),
      authorization('deny-suffix', 'DENY', [{ from: [{ source: { principals: ['*/sa/outsider'] } }] }]),
    ],
    requests: PLAIN,
  },
  {
    id: 'authz-when-source',
    description: 'ALLOW when source.principal is the client, or source.namespace is not the own one on a path',
    objects: [authorization('allow-when', 'ALLOW', [
      { when: [{ key: 'source.principal', values: [CLIENT] }] },
      { to: [{ operation: { paths: ['/admin/*'] } }], when: [{ key: 'source.namespace', notValues: [IDENTITY_NAMESPACE] }] },
    ])],
    requests: WITH_ADMIN,
  },
  {
    id: 'authz-strict-and-namespace',
    description: 'STRICT, ALLOW the own namespace, DENY /admin/* from the outsider',
    objects: [
      namespaceMode('STRICT'),
      authorization('allow-own', 'ALLOW', [{ from: [{ source: { namespaces: [IDENTITY_NAMESPACE, OUTSIDE_NAMESPACE] } }] }]),
      authorization('deny-outsider-admin', 'DENY', [{ from: [{ source: { principals: [OUTSIDER] } }], to: [{ operation: { paths: ['/admin/*'] } }] }]),
    ],
    requests: WITH_ADMIN,
  },
];

export const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
export const list = <T>(arbitrary: fc.Arbitrary<T>) => fc.uniqueArray(arbitrary, { minLength: 1, maxLength: 2 });
export const withoutUnset = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;

const principal = fc.constantFrom(CLIENT, OUTSIDER, '*', `${TRUST_DOMAIN}/ns/${IDENTITY_NAMESPACE}/*`, '*/sa/outsider', `${TRUST_DOMAIN}/ns/other/sa/client`);
const namespace = fc.constantFrom(IDENTITY_NAMESPACE, OUTSIDE_NAMESPACE, '*', 'ident*', '*-out');

const source: fc.Arbitrary<Source> = fc.record({
  principals: sometimes(list(principal)),
  notPrincipals: sometimes(list(principal)),
  namespaces: sometimes(list(namespace)),
  notNamespaces: sometimes(list(namespace)),
}, { requiredKeys: [] }).map(withoutUnset).filter((entry) => Object.keys(entry).length > 0);

const rule: fc.Arbitrary<Rule> = fc.record({
  from: sometimes(fc.array(source, { minLength: 1, maxLength: 2 }).map((sources) => sources.map((entry) => ({ source: entry })))),
  to: sometimes(fc.constantFrom<Rule['to']>([{ operation: { paths: ['/admin/*'] } }], [{ operation: { notPaths: ['/admin/*'] } }])),
  when: sometimes(fc.array(fc.oneof(
    fc.record({ key: fc.constant('source.principal'), values: list(principal) }),
    fc.record({ key: fc.constant('source.principal'), notValues: list(principal) }),
    fc.record({ key: fc.constant('source.namespace'), values: list(namespace) }),
    fc.record({ key: fc.constant('source.namespace'), notValues: list(namespace) }),
  ), { minLength: 1, maxLength: 2 })),
}, { requiredKeys: [] }).map(withoutUnset);

const policy = fc.record({
  action: fc.constantFrom<'ALLOW' | 'DENY'>('ALLOW', 'DENY'),
  rules: fc.array(rule, { minLength: 1, maxLength: 2 }),
});

const peerMode = fc.constantFrom<Mode | undefined>(undefined, 'PERMISSIVE', 'STRICT', 'DISABLE');

export function generatedIdentityCases(seed: number, count: number): IdentityCase[] {
  const arbitrary = fc.record({ mode: peerMode, policies: fc.array(policy, { minLength: 1, maxLength: 2 }) });
  return fc.sample(arbitrary, { seed, numRuns: count }).map(({ mode, policies }, index) => ({
    id: `generated-identity-${seed}-${index}`,
    description: `namespace mode ${mode ?? 'default'}, ${policies.length} generated AuthorizationPolicies`,
    objects: [
      ...(mode ? [namespaceMode(mode)] : []),
      ...policies.map((entry, position) => authorization(`generated-${position}`, entry.action, entry.rules)),
    ],
    requests: WITH_ADMIN,
  }));
}
