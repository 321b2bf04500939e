/**
 * Every object of the input is accounted for: served, rejected with its reason, or ignored with its
 * reason; nothing is dropped silently.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { CrdValidator } from '../../src/config/crd-validator';
import { describeOrigin, IngestResult, ingestDocuments, MeshObjectValidator } from '../../src/config/ingest';
import { ignoredView } from '../../src/ops/ignored-view';

const crdValidator = new CrdValidator(parseAllDocuments(readFileSync(join(__dirname, '../../../imports/istio/crd-all.gen.yaml'), 'utf8'))
  .map((doc) => doc.toJS() as object).filter(Boolean));

const doc = (apiVersion: string, kind: string, name: string, spec = '{}') => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: shop}\nspec: ${spec}\n`;

const MIXED = [
  doc('networking.istio.io/v1', 'ServiceEntry', 'served', '{hosts: [db.example.com], resolution: DNS, ports: [{number: 5432, name: tcp, protocol: TCP}]}'),
  doc('networking.istio.io/v1alpha3', 'EnvoyFilter', 'valid-filter', '{configPatches: [{applyTo: HTTP_FILTER, patch: {operation: MERGE, value: {}}}]}'),
  doc('networking.istio.io/v1alpha3', 'EnvoyFilter', 'invalid-filter', '{configPatches: [{applyTo: NOT_A_THING}]}'),
  doc('telemetry.istio.io/v1', 'Telemetry', 'telemetry'),
  doc('networking.istio.io/v1', 'VirtualServce', 'typo'),
  doc('example.com/v1', 'Widget', 'widget'),
  doc('apps/v1', 'Deployment', 'web'),
  doc('apps/v1', 'Deployment', 'api'),
  doc('v1', 'ConfigMap', 'settings'),
  'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {ports: [{port: 80}]}}\n',
  'just a string\n',
].join('---\n');

/** Every document (and List item) of the input, by `describeOrigin`, with where it ended up. */
function accounting(result: IngestResult): Map<string, string[]> {
  const outcomes = new Map<string, string[]>();
  const add = (key: string, outcome: string) => outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
  result.objects.forEach((object) => add(describeOrigin(result.origins.get(object)!), `served ${object.kind}`));
  result.rejected.forEach((entry) => add(describeOrigin(entry.origin), `rejected ${entry.kind}`));
  result.ignored.forEach((entry) => add(describeOrigin(entry.origin), `ignored ${entry.kind} (${entry.category})`));
  return outcomes;
}

describe('every object accounted for', () => {
  test('GIVEN served, unsupported, invalid, typo, unknown and Kubernetes kinds WHEN ingested THEN each document has exactly one outcome', () => {
    const result = ingestDocuments([{ source: 'mixed.yaml', text: MIXED }], crdValidator);
    expect(Object.fromEntries(accounting(result))).toEqual({
      'mixed.yaml document 1': ['served ServiceEntry'],
      'mixed.yaml document 2': ['ignored EnvoyFilter (unsupported-kind)'],
      'mixed.yaml document 3': ['rejected EnvoyFilter'],
      'mixed.yaml document 4': ['ignored Telemetry (unsupported-kind)'],
      'mixed.yaml document 5': ['ignored VirtualServce (unknown-kind)'],
      'mixed.yaml document 6': ['ignored Widget (unknown-kind)'],
      'mixed.yaml document 7': ['ignored Deployment (not-mesh-config)'],
      'mixed.yaml document 8': ['ignored Deployment (not-mesh-config)'],
      'mixed.yaml document 9': ['ignored ConfigMap (not-mesh-config)'],
      'mixed.yaml document 10 item 1': ['ignored Namespace (not-mesh-config)'],
      'mixed.yaml document 10 item 2': ['served Service'],
      'mixed.yaml document 11': ['rejected Unknown'],
    });
  });

  test('GIVEN unsupported and unknown kinds WHEN ingested THEN the reasons say what is not applied, and a typo gets a suggestion', () => {
    const result = ingestDocuments([{ source: 'mixed.yaml', text: MIXED }], crdValidator);
    const reason = (name: string) => result.ignored.find((entry) => entry.name === name)?.reason;
    expect(reason('valid-filter')).toBe('EnvoyFilter is not supported by this control plane: it is valid, but not applied to any proxy');
    expect(reason('typo')).toBe('networking.istio.io has no kind VirtualServce; did you mean VirtualService?; it is not applied');
    expect(reason('widget')).toBe('example.com/v1 Widget is not a kind this control plane knows; it is not applied');
    const invalid = result.rejected.find((entry) => entry.name === 'invalid-filter')!;
    expect(invalid.reasons.join('\n')).toMatch(/^EnvoyFilter shop\/invalid-filter \(mixed.yaml document 3\): spec\.configPatches\[0\]\.applyTo: .*\(EnvoyFilter is not served by this control plane, but it is checked against its CRD\)/);
    expect(result.rejected.find((entry) => entry.kind === 'Unknown')!.reasons[0])
      .toBe("mixed.yaml document 11 is not a Kubernetes object: it is the string just a string, not a map with 'apiVersion' and 'kind'");
  });

  test('GIVEN a synthesized app WHEN the ignored list is shown THEN Kubernetes kinds are counted per kind and the rest listed one by one', () => {
    const view = ignoredView(ingestDocuments([{ source: 'mixed.yaml', text: MIXED }], crdValidator).ignored);
    expect(view.notMeshConfig).toEqual({ 'apps/v1 Deployment': 2, 'v1 ConfigMap': 1, 'v1 Namespace': 1 });
    expect(view.ignored.map((entry) => entry.name)).toEqual(['valid-filter', 'telemetry', 'typo', 'widget']);
  });

  test('GIVEN a kind whose value reads as a boolean WHEN ingested THEN the rejection says to quote it', () => {
    const result = ingestDocuments([{ source: 'y.yaml', text: 'apiVersion: v1\nkind: Y\nmetadata: {name: a}\n' }]);
    expect(result.rejected[0].reasons[0]).toMatch(/'kind' is true, not a string \(an unquoted y, yes, on or a number is not text in YAML 1.1; quote it\)/);
  });
});

describe('names and quoted values', () => {
  test('GIVEN a name over 253 characters WHEN ingested THEN it is rejected with the limit', () => {
    const result = ingestDocuments([{ source: 'long.yaml', text: doc('networking.istio.io/v1', 'ServiceEntry', 'a'.repeat(254)) }]);
    expect(result.objects).toEqual([]);
    expect(result.rejected[0].reasons[0]).toMatch(/metadata.name is 254 characters long; Kubernetes allows at most 253; shorten it$/);
  });

  test('GIVEN a 1 MiB name WHEN ingested THEN the entry and its reason quote at most 200 characters of it', () => {
    const name = 'n'.repeat(1024 * 1024);
    const result = ingestDocuments([{ source: 'huge.yaml', text: doc('networking.istio.io/v1', 'ServiceEntry', name) }], undefined);
    const entry = result.rejected[0];
    expect(JSON.stringify(entry).length).toBeLessThan(1500);
    expect(entry.name).toBe(`${'n'.repeat(200)}… (1048576 characters)`);
    expect(entry.reasons[0]).toContain(`shop/${'n'.repeat(200)}… (1048576 characters) (huge.yaml document 1)`);
  });
});

describe('a validator that fails', () => {
  test('GIVEN a validator that throws on one object WHEN ingested THEN that object is rejected and the rest served', () => {
    const validator: MeshObjectValidator = {
      validate: (object) => {
        if (object.metadata.name === 'bad') throw new Error('Cannot convert acd to a BigInt');
        return [];
      },
    };
    const text = [doc('networking.istio.io/v1', 'ServiceEntry', 'bad'), doc('networking.istio.io/v1', 'ServiceEntry', 'good')].join('---\n');
    const result = ingestDocuments([{ source: 'x.yaml', text }], validator);
    expect(result.objects.map((object) => object.metadata.name)).toEqual(['good']);
    expect(result.rejected[0].reasons[0]).toMatch(/could not be checked against its CRD \(Cannot convert acd to a BigInt\); it is not served until it can be/);
  });
});

describe('fields that are not applied', () => {
  test('GIVEN a VirtualService with TCP routes and exportTo WHEN ingested THEN it is served and each field is reported as not applied', () => {
    const text = doc('networking.istio.io/v1', 'VirtualService', 'db', '{hosts: [db], exportTo: ["."], tcp: [{route: [{destination: {host: db}}]}], http: [{route: [{destination: {host: db}}]}]}');
    const result = ingestDocuments([{ source: 'vs.yaml', text }], crdValidator);
    expect(result.objects).toHaveLength(1);
    expect(result.notApplied).toEqual([{
      kind: 'VirtualService', namespace: 'shop', name: 'db', origin: expect.objectContaining({ source: 'vs.yaml', index: 0 }),
      fields: [
        { path: 'spec.tcp', reason: expect.stringMatching(/^TCP routes are not applied/) },
        { path: 'spec.exportTo', reason: expect.stringMatching(/^visibility by namespace is not applied/) },
      ],
    }]);
  });

  test('GIVEN routing on a JWT claim WHEN ingested THEN the VirtualService is served with nothing reported: claims are matched on the verified token', () => {
    const match = '{headers: {"@request.auth.claims.group": {exact: admin}, x-user: {exact: a}}, withoutHeaders: {"@request.auth.claims.role": {exact: guest}}}';
    const text = doc('networking.istio.io/v1', 'VirtualService', 'web', `{hosts: [web], http: [{match: [${match}], route: [{destination: {host: web}}]}]}`);
    const result = ingestDocuments([{ source: 'vs.yaml', text }], crdValidator);
    expect(result.objects).toHaveLength(1);
    expect(result.notApplied).toEqual([]);
  });

  test('GIVEN ServiceEntries with each resolution WHEN ingested THEN all are served and only DYNAMIC_DNS is reported as not applied', () => {
    const entry = (name: string, resolution: string) => doc('networking.istio.io/v1', 'ServiceEntry', name,
      `{hosts: ["${resolution === 'DYNAMIC_DNS' ? '*' : name}.example.com"], resolution: ${resolution}, ports: [{number: 80, name: http, protocol: HTTP}]${resolution === 'STATIC' ? ', endpoints: [{address: 10.0.0.1}]' : ''}}`);
    const resolutions = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'];
    const result = ingestDocuments([{ source: 'se.yaml', text: resolutions.map((resolution, index) => entry(`e${index}`, resolution)).join('---\n') }], crdValidator);
    expect(result.rejected).toEqual([]);
    expect(result.objects).toHaveLength(resolutions.length);
    expect(result.notApplied.map((entry) => [entry.name, entry.fields])).toEqual([
      ['e4', [{ path: 'spec.resolution', reason: expect.stringMatching(/^resolution DYNAMIC_DNS .* is not applied: the hosts are served as resolution NONE/) }]],
    ]);
  });

  test('GIVEN MUTUAL TLS without a client key, and one with a credential WHEN ingested THEN the first is rejected with the fix and the credential reported as not applied', () => {
    const rule = (name: string, tls: string) => doc('networking.istio.io/v1', 'DestinationRule', name,
      `{host: db.example.com, subsets: [{name: v1, labels: {version: v1}, trafficPolicy: {portLevelSettings: [{port: {number: 5432}, tls: ${tls}}]}}]}`);
    const text = [
      rule('files', '{mode: MUTUAL, clientCertificate: /etc/certs/client.pem}'),
      rule('credential', '{mode: MUTUAL, credentialName: db-client}'),
    ].join('---\n');
    const result = ingestDocuments([{ source: 'dr.yaml', text }], crdValidator);
    expect(result.objects.map((object) => object.metadata.name)).toEqual(['credential']);
    expect(result.rejected[0].reasons.join('\n')).toMatch(/spec\.subsets\[0\]\.trafficPolicy\.portLevelSettings\[0\]\.tls has mode MUTUAL without privateKey; set the client certificate and key files/);
    expect(result.notApplied).toEqual([expect.objectContaining({
      name: 'credential',
      fields: [{ path: 'spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.credentialName', reason: expect.stringMatching(/^certificates from a Secret \(credentialName\) are not applied to sidecars/) }],
    })]);
  });

  test('GIVEN a Gateway with HTTP, HTTPS SIMPLE, PASSTHROUGH and TCP servers WHEN ingested THEN it is served and the PASSTHROUGH and TCP servers are reported as not served', () => {
    const servers = [
      '{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}',
      '{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: web-tls}}',
      '{port: {number: 8443, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: PASSTHROUGH}}',
      '{port: {number: 5432, name: tcp, protocol: TCP}, hosts: ["*"]}',
    ];
    const text = doc('networking.istio.io/v1', 'Gateway', 'edge', `{selector: {app: edge}, servers: [${servers.join(', ')}]}`);
    const result = ingestDocuments([{ source: 'gw.yaml', text }], crdValidator);
    expect(result.objects).toHaveLength(1);
    // The HTTPS server is served once its Secret is there; here it is missing, which is reported too.
    expect(result.notApplied.map((entry) => entry.fields.map((field) => field.path))).toEqual([['spec.servers[2]', 'spec.servers[3]', 'spec.servers[1].tls.credentialName']]);
    expect(result.notApplied[0].fields[0].reason).toMatch(/^the server is not served \(no listener\): the reconciler serves gateway servers of protocol HTTP, HTTP2 or GRPC, and HTTPS with tls.mode SIMPLE/);
  });

  test('GIVEN exportTo ["*"] and a key set twice WHEN ingested THEN only the duplicate key is reported', () => {
    const text = `${doc('networking.istio.io/v1', 'ServiceEntry', 'db', '{hosts: [db.example.com], exportTo: ["*"], resolution: DNS, ports: [{number: 80, name: http, protocol: HTTP}]}')}  location: MESH_EXTERNAL\n`;
    const twice = text.replace('spec: {', 'spec: {location: MESH_INTERNAL, ');
    const result = ingestDocuments([{ source: 'se.yaml', text: twice.replace(/\n  location: MESH_EXTERNAL\n$/, '\n') }], crdValidator);
    expect(result.rejected).toEqual([]);
    expect(result.notApplied).toEqual([]);
    const duplicated = ingestDocuments([{ source: 'se.yaml', text: doc('networking.istio.io/v1', 'ServiceEntry', 'db', '{hosts: [a.example.com], hosts: [db.example.com], resolution: DNS, ports: [{number: 80, name: http, protocol: HTTP}]}') }], crdValidator);
    expect(duplicated.objects[0].spec.hosts).toEqual(['db.example.com']);
    expect(duplicated.notApplied[0].fields).toEqual([{ path: 'spec.hosts', reason: expect.stringMatching(/is set twice in one mapping/) }]);
  });
});
