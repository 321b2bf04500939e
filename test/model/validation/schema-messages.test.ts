import { IstioSchemaValidator } from '../../../src/model';
import { istioObjectWith } from '../../support/istio-object-fixtures';
import { loadIstioCrds } from '../../support/istio-validation';

// One real CRD field per kind of schema check: every message names the field, says what is
// expected, quotes the value found and, where one exists, gives the fix.

const validator = new IstioSchemaValidator(loadIstioCrds());
const long = (length: number) => 'x'.repeat(length);

const CASES: Array<{ keyword: string; kind: Parameters<typeof istioObjectWith>[0]; mutate: (obj: any) => void; path: string; message: string }> = [
  {
    keyword: 'type (quoted number)',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].route[0].weight = '90'; },
    path: 'spec.http[0].route[0].weight',
    message: 'must be an integer; got the string "90". Write it without quotes: 90.',
  },
  {
    keyword: 'type (number for a string)',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.subsets[0].labels.version = 1; },
    path: 'spec.subsets[0].labels.version',
    message: 'must be a string; got the number 1. Quote it in YAML: "1".',
  },
  {
    keyword: 'type (map for a list)',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.hosts = { reviews: true }; },
    path: 'spec.hosts',
    message: 'must be a list; got a map: {"reviews":true}. Write it as a list: one entry per line, each starting with "- ".',
  },
  {
    keyword: 'enum',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.loadBalancer.simple = 'round_robin'; },
    path: 'spec.trafficPolicy.loadBalancer.simple',
    message: 'must be one of "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"; got the string "round_robin". Did you mean "ROUND_ROBIN"?',
  },
  {
    keyword: 'required',
    kind: 'ServiceEntry',
    mutate: (se) => { delete se.spec.hosts; },
    path: 'spec.hosts',
    message: 'required field is missing. Add "hosts" to spec.',
  },
  {
    keyword: 'additionalProperties (typo)',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].timeuot = '5s'; },
    path: 'spec.http[0].timeuot',
    message: 'unknown field "timeuot": spec.http[0] has no such field, so the API server would silently drop it. Did you mean "timeout"?',
  },
  {
    keyword: 'additionalProperties (unrelated)',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.zzz = 1; },
    path: 'spec.zzz',
    message: 'unknown field "zzz": spec has no such field, so the API server would silently drop it. Remove it; known fields are "addresses", "endpoints", "exportTo", "hosts", "location", "ports", "resolution", "subjectAltNames", "workloadSelector".',
  },
  {
    keyword: 'minLength',
    kind: 'AuthorizationPolicy',
    mutate: (ap) => { delete ap.spec.selector; ap.spec.targetRef = { kind: 'Gateway', name: '' }; },
    path: 'spec.targetRef.name',
    message: 'must not be empty; got an empty string. Set a value, or remove the field.',
  },
  {
    keyword: 'maxLength',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.addresses = [long(300)]; },
    path: 'spec.addresses[0]',
    message: `must be at most 64 characters long; got the string "${long(200)}…" (300 characters). Shorten it to 64 characters or fewer.`,
  },
  {
    keyword: 'pattern',
    kind: 'AuthorizationPolicy',
    mutate: (ap) => { delete ap.spec.selector; ap.spec.targetRef = { kind: '9Gateway', name: 'gw' }; },
    path: 'spec.targetRef.kind',
    message: 'must match the regular expression ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$; got the string "9Gateway". Change the value to match it.',
  },
  {
    keyword: 'format (int32)',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests = 5e9; },
    path: 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests',
    message: 'must be a 32-bit integer (from -2147483648 to 2147483647); got the number 5000000000. Use a whole number within that range.',
  },
  {
    keyword: 'format (byte)',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0] = { directResponse: { status: 200, body: { bytes: 'not base64!' } } }; },
    path: 'spec.http[0].directResponse.body.bytes',
    message: 'must be base64-encoded data; got the string "not base64!". Encode the data with base64 (e.g. `base64 -w0 file`), or use the field\'s string form if it has one.',
  },
  {
    keyword: 'minimum',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.connectionPool.tcp.tcpKeepalive = { probes: -1 }; },
    path: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.probes',
    message: 'must be >= 0; got the number -1. Use a value from 0 to 4294967295.',
  },
  {
    keyword: 'minItems',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.hosts = []; },
    path: 'spec.hosts',
    message: 'must list at least 1 entry; got a list of 0 entries: []. Add entries, or remove the field if it is optional.',
  },
  {
    keyword: 'maxItems',
    kind: 'Gateway',
    mutate: (gw) => { gw.spec.servers[0] = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'SIMPLE', credentialNames: ['a', 'b', 'c'] } }; },
    path: 'spec.servers[0].tls.credentialNames',
    message: 'must list at most 2 entries; got a list of 3 entries: ["a","b","c"]. Remove entries, or split the object into several.',
  },
  {
    keyword: 'minProperties',
    kind: 'PeerAuthentication',
    mutate: (pa) => { pa.spec.portLevelMtls = {}; },
    path: 'spec.portLevelMtls',
    message: 'must have at least 1 entry; got a map: {}. Add entries, or remove the field if it is optional.',
  },
  {
    keyword: 'oneOf (mutually exclusive)',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.loadBalancer.consistentHash = { httpHeaderName: 'x-user' }; },
    path: 'spec.trafficPolicy.loadBalancer',
    message: 'at most one of these fields may be set: simple, consistentHash, backendUtilization; got simple, consistentHash. Keep one of simple, consistentHash and remove the others.',
  },
  {
    keyword: 'CEL rule',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.ports[0].number = 0; },
    path: 'spec.ports[0].number',
    message: 'port must be between 1-65535; got the number 0',
  },
  {
    keyword: 'CEL rule that cannot be evaluated on the value',
    kind: 'PeerAuthentication',
    mutate: (pa) => { pa.spec.portLevelMtls = { acd: { mode: 'STRICT' } }; },
    path: 'spec.portLevelMtls',
    message: 'port must be between 1-65535; got a map: {"acd":{"mode":"STRICT"}}, which this rule cannot check: it needs whole numbers written as digits. Use digits only, e.g. "8080".',
  },
];

describe('schema messages', () => {
  test.each(CASES)('GIVEN a $keyword violation WHEN validated THEN the message says what is expected, the value and the fix', ({ kind, mutate, path, message }) => {
    const issues = validator.validate(istioObjectWith(kind, mutate));

    expect(issues.filter((issue) => issue.path === path).map((issue) => issue.message)).toContain(message);
  });

  test('GIVEN any of the violations WHEN validated THEN no message carries the evaluator\'s or ajv\'s own wording', () => {
    const messages = CASES.flatMap(({ kind, mutate }) => validator.validate(istioObjectWith(kind, mutate)).map((issue) => issue.message));

    expect(messages.filter((message) => /BigInt|could not be evaluated|must NOT have|must be of type|should /.test(message))).toEqual([]);
  });
});
