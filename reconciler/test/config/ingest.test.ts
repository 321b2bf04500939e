import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { IngestCache, ingestDocuments, MeshObjectValidator } from '../../src/config/ingest';
import { IstioSchemaValidator } from '../../src/model';

const destinationRule = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: bookinfo }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;

function virtualService(name: string, route: string): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: bookinfo }
spec:
  hosts: [reviews]
  http:
  - route: ${route}
`;
}

describe('ingestDocuments', () => {
  test('GIVEN multi-document YAML with non-mesh kinds WHEN ingested THEN mesh objects are kept and the rest ignored', () => {
    const text = `${destinationRule}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\n---\n---\n{"apiVersion":"v1","kind":"Service","metadata":{"name":"reviews"}}`;
    const result = ingestDocuments([{ source: 'mesh.yaml', text }]);
    expect(result.objects.map((object) => object.kind)).toEqual(['DestinationRule', 'Service']);
    expect(result.rejected).toEqual([]);
  });

  test.each([
    ['weights not summing to 100', '[{ destination: { host: reviews, subset: v1 }, weight: 70 }, { destination: { host: reviews, subset: v2 }, weight: 20 }]', /weights sum to 90 \(70 \+ 20\); they must sum to 100/],
    ['an unknown subset', '[{ destination: { host: reviews, subset: v9 } }]', /subset is 'v9' for host 'reviews.bookinfo.svc.cluster.local', but defined subsets are v1, v2/],
  ])('GIVEN a VirtualService with %s WHEN ingested THEN only it is rejected, naming file, object, field and fix', (_, route, reason) => {
    const result = ingestDocuments([
      { source: 'rules.yaml', text: destinationRule },
      { source: 'bad.yaml', text: `${virtualService('bad', route)}---${virtualService('good', '[{ destination: { host: reviews, subset: v1 } }]')}` },
    ]);
    expect(result.objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['DestinationRule/reviews', 'VirtualService/good']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ kind: 'VirtualService', namespace: 'bookinfo', name: 'bad', origin: { source: 'bad.yaml', index: 0 } });
    expect(result.rejected[0].reasons[0]).toMatch(/^VirtualService bookinfo\/bad \(bad.yaml document 1\): spec.http\[0\].route/);
    expect(result.rejected[0].reasons[0]).toMatch(reason);
  });

  test.each([
    ['an ingress port without a number', 'ingress: [{ port: { protocol: HTTP, name: http }, defaultEndpoint: "127.0.0.1:9080" }]',
      /^Sidecar bookinfo\/scoped \(sidecar.yaml document 1\): spec.ingress\[0\].port has no number \(\{"protocol":"HTTP","name":"http"\}\); an ingress listener needs the port it listens on/],
    ['an egress port without a number', 'egress: [{ port: { protocol: HTTP }, hosts: ["./*"] }]',
      /^Sidecar bookinfo\/scoped \(sidecar.yaml document 1\): spec.egress\[0\].port has no number .*leave the port out to cover every port/],
  ])('GIVEN a Sidecar with %s (the CRD schema admits it, Istio does not) WHEN ingested THEN it is rejected with the field and the fix', (_, listeners, reason) => {
    const sidecar = `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: scoped, namespace: bookinfo }\nspec:\n  ${listeners}\n`;
    const result = ingestDocuments([{ source: 'sidecar.yaml', text: sidecar }]);
    expect(result.objects).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].reasons[0]).toMatch(reason);
  });

  test('GIVEN an invalid object read from the Kubernetes API WHEN ingested THEN its rejection names the API object, with no document number or line', () => {
    const source = 'kubernetes:VirtualService/bookinfo/bad';
    const result = ingestDocuments([
      { source: 'kubernetes:DestinationRule/bookinfo/reviews', text: destinationRule, apiObject: true },
      { source, text: virtualService('bad', '[{ destination: { host: reviews, subset: v9 } }]'), apiObject: true },
    ]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].origin).toEqual({ source });
    expect(result.rejected[0].reasons[0]).toMatch(/^VirtualService bookinfo\/bad \(kubernetes:VirtualService\/bookinfo\/bad\): spec.http\[0\].route/);
  });

  test('GIVEN the same object twice and no version in effect WHEN ingested THEN both are rejected, each naming both files', () => {
    const result = ingestDocuments([{ source: 'a.yaml', text: destinationRule }, { source: 'b.yaml', text: destinationRule }]);
    expect(result.objects).toEqual([]);
    expect(result.rejected.map((entry) => entry.origin.source)).toEqual(['a.yaml', 'b.yaml']);
    for (const entry of result.rejected) {
      expect(entry.reasons[0]).toMatch(/is defined 2 times \(a.yaml document 1, b.yaml document 1\) and no version of it is in effect, so none is served; keep one definition/);
    }
  });

  test('GIVEN a version in effect from b.yaml WHEN a.yaml (sorting first) defines the same object THEN b.yaml stays in effect and a.yaml is rejected', () => {
    const inEffect = new Map([['DestinationRule/bookinfo/reviews', { source: 'b.yaml', index: 0 }]]);
    const newcomer = destinationRule.replace('subsets: [', 'subsets: [{ name: v3, labels: { version: v3 } }, ');
    const result = ingestDocuments([{ source: 'a.yaml', text: newcomer }, { source: 'b.yaml', text: destinationRule }], undefined, { inEffect });
    expect(result.objects.map((object) => result.origins.get(object)?.source)).toEqual(['b.yaml']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].origin.source).toBe('a.yaml');
    expect(result.rejected[0].reasons[0]).toMatch(/is already defined in b.yaml document 1, which is in effect; this other definition is rejected so it cannot take over/);
  });

  test('GIVEN broken YAML in one file WHEN ingested THEN the other files are still served', () => {
    const result = ingestDocuments([{ source: 'broken.yaml', text: 'kind: [unclosed' }, { source: 'ok.yaml', text: destinationRule }]);
    expect(result.objects).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ kind: 'Unknown', origin: { source: 'broken.yaml' } });
  });

  test('GIVEN a schema validator WHEN ingested THEN Istio objects get its issues and Kubernetes kinds are not sent to it', () => {
    const seen: string[] = [];
    const validator: MeshObjectValidator = {
      validate: (object) => {
        seen.push(object.kind);
        return [{ path: 'spec.host', message: 'must not be empty' }];
      },
    };
    const result = ingestDocuments([{ source: 'x.yaml', text: `${destinationRule}---\napiVersion: v1\nkind: Service\nmetadata: { name: reviews }` }], validator);
    expect(seen).toEqual(['DestinationRule']);
    expect(result.rejected[0].reasons).toEqual(['DestinationRule bookinfo/reviews (x.yaml document 1): spec.host: must not be empty']);
    expect(result.objects.map((object) => object.kind)).toEqual(['Service']);
  });
});

describe('ingestDocuments with the shared CRD schema validator', () => {
  test('GIVEN the bookinfo fixtures WHEN checked against the Istio CRDs THEN every object is accepted', () => {
    const crds = parseAllDocuments(readFileSync(join(__dirname, '../../../imports/istio/crd-all.gen.yaml'), 'utf8'))
      .map((doc) => doc.toJS() as object).filter(Boolean);
    const fixtures = ['bookinfo-services.yaml', 'bookinfo-routing.yaml']
      .map((file) => ({ source: file, text: readFileSync(join(__dirname, '../fixtures', file), 'utf8') }));
    const result = ingestDocuments(fixtures, new IstioSchemaValidator(crds));
    expect(result.rejected.flatMap((rejection) => rejection.reasons)).toEqual([]);
  });
});

describe('ingestDocuments with a cache', () => {
  const files = () => [
    { source: 'rule.yaml', text: destinationRule },
    { source: 'vs.yaml', text: virtualService('reviews-routes', '[{ destination: { host: reviews, subset: v1 } }]') },
    { source: 'bad.yaml', text: 'kind: [unclosed' },
  ];

  test('GIVEN a cache WHEN one file of several changes THEN only its objects are parsed and validated again and the result equals an uncached ingest', () => {
    const validated: string[] = [];
    const validator: MeshObjectValidator = { validate: (object) => { validated.push(object.metadata.name); return []; } };
    const cache = new IngestCache();
    const first = ingestDocuments(files(), validator, { cache });
    validated.length = 0;

    const edited = files().map((file) => (file.source === 'vs.yaml'
      ? { ...file, text: virtualService('reviews-routes', '[{ destination: { host: reviews, subset: v2 } }]') } : file));
    const second = ingestDocuments(edited, validator, { cache });

    expect(validated).toEqual(['reviews-routes']);
    expect(second.objects[0]).toBe(first.objects[0]);
    expect(second.objects[1]).not.toBe(first.objects[1]);
    expect(second).toEqual(ingestDocuments(edited, validator));
  });
});
