/**
 * AuthorizationPolicies for the `guarded` workload, hand-written and generated (fast-check,
 * seeded): ALLOW and DENY, rules with `from` (source IP blocks), `to` (paths with exact, prefix and
 * suffix forms, methods, hosts, ports, and their `not` forms) and `when` (request headers, source
 * IP), several policies at once. Requests are derived from the rules: one that satisfies each rule,
 * one that misses it by one condition, and plain ones. Without mTLS no request has a principal,
 * so identity conditions are left to the mTLS cases.
 */
import * as fc from 'fast-check';
import type { DifferentialCase, RequestClass } from './differential-case';
import { GUARDED_SERVICE } from './guarded-workload';
import { hostOf, MESH_NAMESPACE, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

/** Requests to the guarded pods come from this address (on loopback in the suite's namespace). */
export const CLIENT_SOURCE_ADDRESS = '198.18.250.1';
const OTHER_BLOCK = '203.0.113.0/24';
const GUARDED_HOST = hostOf(GUARDED_SERVICE);
const USER_HEADER = 'x-case-user';

interface Operation {
  paths?: string[];
  notPaths?: string[];
  methods?: string[];
  notMethods?: string[];
  hosts?: string[];
  ports?: string[];
}
interface Rule {
  from?: { source: { ipBlocks?: string[]; notIpBlocks?: string[] } }[];
  to?: { operation: Operation }[];
  when?: { key: string; values?: string[]; notValues?: string[] }[];
}
interface Policy {
  action: 'ALLOW' | 'DENY';
  rules?: Rule[];
}

function policyObject(name: string, policy: Policy): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: MESH_NAMESPACE },
    spec: { selector: { matchLabels: { app: GUARDED_SERVICE } }, action: policy.action, ...(policy.rules ? { rules: policy.rules } : {}) },
  };
}

const request = (name: string, path: string, extra: { method?: string; headers?: Record<string, string>; authority?: string } = {}): RequestClass =>
  ({ name, request: { path, authority: extra.authority ?? GUARDED_HOST, method: extra.method, headers: extra.headers }, repeat: 1 });

const PLAIN_REQUESTS: readonly RequestClass[] = [
  request('GET /', '/'),
  request('GET /admin/users', '/admin/users'),
  request('POST /api/orders', '/api/orders', { method: 'POST' }),
  request('GET /files/report.pdf', '/files/report.pdf'),
  request('GET / as alice', '/', { headers: { [USER_HEADER]: 'alice' } }),
  request('DELETE /api/orders/7 as bob', '/api/orders/7', { method: 'DELETE', headers: { [USER_HEADER]: 'bob' } }),
  request('GET / by short name', '/', { authority: GUARDED_SERVICE }),
  request('GET /api?x=1', '/api?x=1'),
];

export const AUTHORIZATION_SCENARIOS: readonly DifferentialCase[] = [
  { id: 'authz-none', description: 'no policy: everything allowed', objects: [], requests: PLAIN_REQUESTS },
  { id: 'authz-allow-nothing', description: 'ALLOW without rules: everything denied', objects: [policyObject('allow-nothing', { action: 'ALLOW' })], requests: PLAIN_REQUESTS },
  { id: 'authz-allow-all', description: 'ALLOW with one empty rule: everything allowed', objects: [policyObject('allow-all', { action: 'ALLOW', rules: [{}] })], requests: PLAIN_REQUESTS },
  {
    id: 'authz-paths-and-methods',
    description: 'ALLOW GET on /api/* and any method on exact /, DENY /admin* and *.pdf',
    objects: [
      policyObject('allow-api', { action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*', '/api'] } }] }, { to: [{ operation: { paths: ['/'] } }] }] }),
      policyObject('deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*', '*.pdf'] } }] }] }),
    ],
    requests: PLAIN_REQUESTS,
  },
  {
    id: 'authz-headers-and-sources',
    description: 'DENY bob, ALLOW alice or requests from the client block, notPaths and notMethods',
    objects: [
      policyObject('deny-bob', { action: 'DENY', rules: [{ when: [{ key: `request.headers[${USER_HEADER}]`, values: ['bob'] }] }] }),
      policyObject('allow-some', {
        action: 'ALLOW',
        rules: [
          { when: [{ key: `request.headers[${USER_HEADER}]`, values: ['ali*'] }] },
          { from: [{ source: { ipBlocks: [`${CLIENT_SOURCE_ADDRESS}/32`] } }], to: [{ operation: { notPaths: ['/admin/*'], notMethods: ['DELETE'] } }] },
        ],
      }),
    ],
    requests: PLAIN_REQUESTS,
  },
];

const pathValue = fc.constantFrom('/', '/api', '/api/*', '*/users', '/admin*', '*.pdf', '/files/*', '*');
const methodValue = fc.constantFrom('GET', 'POST', 'DELETE');
const hostValue = fc.constantFrom(GUARDED_HOST, GUARDED_SERVICE, `${GUARDED_SERVICE}.*`, '*.svc.cluster.local', 'other.example');
const headerValue = fc.constantFrom('alice', 'bob', 'ali*', '*b');
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const list = <T>(arbitrary: fc.Arbitrary<T>) => fc.uniqueArray(arbitrary, { minLength: 1, maxLength: 2 });

const operation: fc.Arbitrary<Operation> = fc.record({
  paths: sometimes(list(pathValue)),
  notPaths: sometimes(list(pathValue)),
  methods: sometimes(list(methodValue)),
  notMethods: sometimes(list(methodValue)),
  hosts: sometimes(list(hostValue)),
  ports: sometimes(fc.constant([String(SERVICE_PORT)])),
}, { requiredKeys: [] }).map((op) => Object.fromEntries(Object.entries(op).filter(([, value]) => value !== undefined)) as Operation)
  // An operation must set something (the API server refuses an empty one).
  .filter((op) => Object.keys(op).length > 0);

const rule: fc.Arbitrary<Rule> = fc.record({
  from: sometimes(fc.constantFrom(
    [{ source: { ipBlocks: [`${CLIENT_SOURCE_ADDRESS}/32`] } }],
    [{ source: { ipBlocks: [OTHER_BLOCK] } }],
    [{ source: { notIpBlocks: [OTHER_BLOCK] } }],
  )),
  to: sometimes(fc.array(operation, { minLength: 1, maxLength: 2 }).map((operations) => operations.map((op) => ({ operation: op })))),
  when: sometimes(fc.array(fc.oneof(
    fc.record({ key: fc.constant(`request.headers[${USER_HEADER}]`), values: list(headerValue) }),
    fc.record({ key: fc.constant(`request.headers[${USER_HEADER}]`), notValues: list(headerValue) }),
    fc.record({ key: fc.constant('source.ip'), values: fc.constantFrom([CLIENT_SOURCE_ADDRESS], ['203.0.113.9']) }),
  ), { minLength: 1, maxLength: 2 })),
}, { requiredKeys: [] }).map((entry) => Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as Rule);

const policy: fc.Arbitrary<Policy> = fc.record({
  action: fc.constantFrom('ALLOW', 'DENY'),
  rules: fc.option(fc.array(rule, { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 8 }),
}, { requiredKeys: ['action'] });

/** A concrete value a pattern matches (`*` forms filled in), for requests derived from a rule. */
function sampleFor(pattern: string, filler: string): string {
  if (pattern === '*') return `/${filler}`;
  if (pattern.startsWith('*')) return `/${filler}${pattern.slice(1)}`;
  if (pattern.endsWith('*')) return `${pattern.slice(0, -1)}${filler}`;
  return pattern;
}

function requestsFor(policies: readonly Policy[]): RequestClass[] {
  const derived: RequestClass[] = [];
  policies.forEach((entry, policyIndex) => (entry.rules ?? []).forEach((item, ruleIndex) => {
    const op = item.to?.[0]?.operation;
    const header = item.when?.find((condition) => condition.key.startsWith('request.headers'))?.values?.[0];
    const path = op?.paths ? sampleFor(op.paths[0], 'x') : '/other';
    const method = op?.methods?.[0] ?? 'GET';
    const authority = op?.hosts ? sampleFor(op.hosts[0], 'guarded').replace(/^\//, '') : GUARDED_HOST;
    const headers = header ? { [USER_HEADER]: sampleFor(header, 'z').replace(/^\//, '') } : undefined;
    const name = `policy ${policyIndex} rule ${ruleIndex}`;
    derived.push(request(`${name}: satisfied`, path, { method, headers, authority }));
    derived.push(request(`${name}: another method`, path, { method: method === 'GET' ? 'POST' : 'GET', headers, authority }));
    if (headers) derived.push(request(`${name}: without the header`, path, { method, authority }));
    if (op?.paths) derived.push(request(`${name}: another path`, `${path}/deeper`, { method, headers, authority }));
  }));
  return [...PLAIN_REQUESTS, ...derived];
}

export function generatedAuthorizationCases(seed: number, count: number): DifferentialCase[] {
  return fc.sample(fc.array(policy, { minLength: 1, maxLength: 3 }), { seed, numRuns: count }).map((policies, index) => ({
    id: `generated-authz-${seed}-${index}`,
    description: `${policies.length} generated AuthorizationPolicies`,
    objects: policies.map((entry, position) => policyObject(`generated-${position}`, entry)),
    requests: requestsFor(policies),
  }));
}
