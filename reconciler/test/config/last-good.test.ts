/**
 * "Last good" is consistent: what stays in effect after a rejected change is served together with
 * what it needs, so a proxy never gets a route to a subset cluster that does not exist (which Envoy
 * answers with `no_cluster`). Checked on the generated snapshot and with a simulated request.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { IngestSource, ingestDocuments } from '../../src/config/ingest';
import { servedSet, ServedSet, ServedVersion } from '../../src/config/last-good';
import { TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import { ResourceEncoder } from '../../src/xds/codec';
import { generateProxyResources } from '../../src/xds/generators';
import { buildSnapshot } from '../../src/xds/snapshot';
import { findRoutesToMissingClusters, findSnapshotInconsistencies } from '../../src/xds/snapshot-consistency';
import { productpageProxy } from '../generators/fixture-loader';
import { simulate } from '../support/simulate';

const SERVICES: IngestSource = { source: 'services.yaml', text: readFileSync(join(__dirname, '../fixtures/bookinfo-services.yaml'), 'utf8') };
const subsets = (names: string[]) => names.map((name) => `{ name: ${name}, labels: { version: ${name} } }`).join(', ');
const rule = (names: string[]): IngestSource => ({
  source: 'reviews-dr.yaml',
  text: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews, namespace: bookinfo }\nspec:\n  host: reviews\n  subsets: [${subsets(names)}]\n`,
});
const routes = (weights: Record<string, number>): IngestSource => ({
  source: 'reviews-vs.yaml',
  text: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: reviews, namespace: bookinfo }\nspec:\n  hosts: [reviews]\n  http:\n  - name: split\n    route: [${
    Object.entries(weights).map(([subset, weight]) => `{ destination: { host: reviews, subset: ${subset} }, weight: ${weight} }`).join(', ')}]\n`,
});

const encoder = new ResourceEncoder();

/** One config change as the reconciler applies it, and what productpage's proxy is sent. */
function apply(files: IngestSource[], previous: ReadonlyMap<string, ServedVersion>) {
  const inEffect = new Map([...previous].map(([key, version]) => [key, version.origin]));
  const served = servedSet(ingestDocuments(files, undefined, { inEffect }), previous, DEFAULT_MESH_SETTINGS.clusterDomain);
  const resources = generateProxyResources(PushContext.build(served.objects, DEFAULT_MESH_SETTINGS), productpageProxy());
  const snapshot = buildSnapshot(resources, encoder);
  const clusters = new Set(snapshot.resources(TYPE_URLS.cluster).keys());
  const reached = simulate(resources, { host: 'reviews', port: 9080, path: '/' });
  const targets = reached.weightedClusters?.map((cluster) => cluster.name) ?? [reached.cluster!];
  return { served, snapshot, targets, clusters };
}

function expectConsistent({ snapshot, targets, clusters }: ReturnType<typeof apply>): void {
  expect(findSnapshotInconsistencies(snapshot)).toEqual([]);
  expect(findRoutesToMissingClusters(snapshot)).toEqual([]);
  for (const target of targets) expect(clusters).toContain(target);
}

const kinds = (served: ServedSet) => served.objects.filter((object) => object.kind !== 'Service' && object.kind !== 'WorkloadEntry' && object.kind !== 'ServiceEntry')
  .map((object) => `${object.kind}:${object.kind === 'DestinationRule' ? object.spec.subsets.map((s: { name: string }) => s.name).join('+') : object.spec.http[0].route.map((r: any) => r.destination.subset).join('+')}`).sort();

describe('last good is consistent', () => {
  const start = () => apply([SERVICES, rule(['v1', 'v2']), routes({ v1: 80, v2: 20 })], new Map());

  test('GIVEN routes to subsets WHEN the DestinationRule file is deleted and the VirtualService stays THEN the rule is held back and every route reaches a cluster', () => {
    const before = start();
    expectConsistent(before);
    const after = apply([SERVICES, routes({ v1: 80, v2: 20 })], before.served.inEffect);

    expectConsistent(after);
    expect(after.targets).toEqual(['outbound|9080|v1|reviews.bookinfo.svc.cluster.local', 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local']);
    expect(kinds(after.served)).toEqual(['DestinationRule:v1+v2', 'VirtualService:v1+v2']);
    expect(after.served.heldBack).toEqual([expect.objectContaining({
      kind: 'DestinationRule', name: 'reviews', origin: expect.objectContaining({ source: 'reviews-dr.yaml' }),
      reason: expect.stringMatching(/^Its removal is held back: the kept version of VirtualService bookinfo\/reviews \(reviews-vs.yaml document 1\) routes to its subsets v1, v2 of reviews.bookinfo.svc.cluster.local; it applies once that VirtualService is fixed/),
    })]);
    expect(after.served.rejected.map((entry) => entry.reasons.at(-1))).toEqual(['the previously accepted version stays in effect until this is fixed']);
  });

  test('GIVEN a held-back removal WHEN the VirtualService stops naming the subsets THEN the removal applies', () => {
    const held = apply([SERVICES, routes({ v1: 80, v2: 20 })], start().served.inEffect);
    const fixed = apply([SERVICES, { ...routes({}), text: routes({}).text.replace('route: []', 'route: [{ destination: { host: reviews } }]') }], held.served.inEffect);
    expectConsistent(fixed);
    expect(fixed.served.heldBack).toEqual([]);
    expect(fixed.served.objects.some((object) => object.kind === 'DestinationRule')).toBe(false);
    expect(fixed.targets).toEqual(['outbound|9080||reviews.bookinfo.svc.cluster.local']);
  });

  test('GIVEN an edit that drops a subset WHEN the VirtualService edit that stops using it is rejected THEN the rule edit is held back with it', () => {
    const before = start();
    // The new VS still routes to v2 and its weights are wrong; the new DR drops v2.
    const after = apply([SERVICES, rule(['v1']), routes({ v1: 70, v2: 20 })], before.served.inEffect);
    expectConsistent(after);
    expect(kinds(after.served)).toEqual(['DestinationRule:v1+v2', 'VirtualService:v1+v2']);
    expect(after.served.heldBack[0].reason).toMatch(/^Its edit is held back/);
  });

  test('GIVEN a new subset in a rejected DestinationRule edit WHEN the VirtualService edit routes to it THEN neither applies and the previous pair stays', () => {
    const before = start();
    const brokenRule = rule(['v1', 'v2', 'v3', 'v3']); // duplicate subset names: rejected after the VS was checked
    const after = apply([SERVICES, brokenRule, routes({ v1: 50, v3: 50 })], before.served.inEffect);
    expectConsistent(after);
    expect(kinds(after.served)).toEqual(['DestinationRule:v1+v2', 'VirtualService:v1+v2']);
    const vs = after.served.rejected.find((entry) => entry.kind === 'VirtualService')!;
    expect(vs.reasons[0]).toMatch(/spec\.http\[0\]\.route\[1\]\.destination names subset 'v3' of reviews\.bookinfo\.svc\.cluster\.local, which no served DestinationRule defines .*its previously accepted version stays in effect/);
  });

  test('GIVEN no previous version WHEN the VirtualService names a subset of a rejected rule THEN it is not served at all', () => {
    const after = apply([SERVICES, rule(['v1', 'v1']), routes({ v1: 100 })], new Map());
    expectConsistent(after);
    expect(kinds(after.served)).toEqual([]);
    expect(after.targets).toEqual(['outbound|9080||reviews.bookinfo.svc.cluster.local']);
  });
});
