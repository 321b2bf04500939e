/**
 * The side-by-side benchmark's pure parts: the Kubernetes objects of the mesh, the sidecar node
 * istiod accepts, the spread and ratio arithmetic, the variants a run chooses, and the comparison
 * table built from summaries.
 */
import { CanaryRotation } from '../bench/vs-istiod/endpoint-churn';
import { CanaryWeights } from '../bench/vs-istiod/side-run';
import { compare, leadTrailLines, sideBySideMarkdown, SideSummary } from '../bench/vs-istiod/side-by-side';
import { canaryPool, collectionPath, endpointSlice, meshObjects, podAddress, podsOf, serviceObjects, virtualService } from '../bench/vs-istiod/mesh-objects';
import { proxyPods, sidecarNode } from '../bench/vs-istiod/sidecar-identity';
import { percentileOf, ratio, spread } from '../bench/vs-istiod/summary';
import { chooseVariants } from '../bench/vs-istiod/variants';

describe('vs-istiod mesh objects', () => {
  test('GIVEN 250 services WHEN the mesh is built THEN 3 namespaces come first and each service has its account, Service, 2 pods, slice, DestinationRule and VirtualService', () => {
    const objects = meshObjects({ services: 250 });
    expect(objects.slice(0, 3).map((object) => object.metadata.name)).toEqual(['bench-0', 'bench-1', 'bench-2']);
    const kinds = objects.filter((object) => object.metadata.namespace === 'bench-2').map((object) => object.kind);
    expect(kinds.filter((kind) => kind === 'Pod')).toHaveLength(100);
    expect(new Set(kinds)).toEqual(new Set(['ServiceAccount', 'Service', 'Pod', 'EndpointSlice', 'DestinationRule', 'VirtualService']));
    expect(objects).toHaveLength(3 + 250 * 7);
  });

  test('GIVEN a service WHEN its EndpointSlice is built THEN it names both pods by address and reference, under a manager the controller leaves alone', () => {
    const slice = serviceObjects(7, { services: 10 }).find((object) => object.kind === 'EndpointSlice')!;
    const pods = podsOf(7, { services: 10 });
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'svc-7', 'endpointslice.kubernetes.io/managed-by': 'vs-istiod-bench' });
    expect(slice.endpoints.map((endpoint: any) => [endpoint.addresses[0], endpoint.targetRef.name])).toEqual(pods.map((pod) => [pod.address, pod.name]));
  });

  test('GIVEN a canary pool WHEN built and written THEN every spare is a v2 pod of its service at an address no service pod has, and a slice with a spare keeps v1 and swaps only the canary', () => {
    const scale = { services: 10 };
    const pool = canaryPool(scale, 4, 3);
    expect(pool).toHaveLength(4);
    const servicePods = Array.from({ length: 10 }, (_, index) => podsOf(index, scale)).flat();
    const addresses = new Set([...servicePods, ...pool.flat()].map((pod) => pod.address));
    expect(addresses.size).toBe(20 + 12);
    expect(pool[2].map((pod) => [pod.name, pod.labels])).toEqual([0, 1, 2].map((spare) => [`svc-2-v2-spare-${spare}`, { app: 'svc-2', version: 'v2' }]));
    expect(meshObjects(scale, pool.flat()).filter((object) => object.kind === 'Pod')).toHaveLength(20 + 12);
    const slice = endpointSlice(2, scale, pool[2][1]);
    expect(slice.endpoints.map((endpoint: any) => [endpoint.addresses[0], endpoint.targetRef.name]))
      .toEqual([[podsOf(2, scale)[0].address, 'svc-2-v1'], [pool[2][1].address, 'svc-2-v2-spare-1']]);
    expect(canaryPool({ services: 2 }, 20, 3)).toHaveLength(2);
  });

  test('GIVEN a canary rotation WHEN changes follow one another, also across runs THEN each moves its service to another spare than the one it is on, and a pool too small is refused', () => {
    const pool = canaryPool({ services: 10 }, 2, 3);
    const rotation = new CanaryRotation(pool);
    const onSpare = new Map<number, string>();
    for (let change = 0; change < 14; change += 1) {
      const { service, canary } = rotation.next(change % 4 === 0 ? 0 : change);
      expect(canary.name).not.toBe(onSpare.get(service));
      expect(canary.name.startsWith(`svc-${service}-v2-spare-`)).toBe(true);
      onSpare.set(service, canary.name);
    }
    expect(() => new CanaryRotation(canaryPool({ services: 10 }, 2, 1))).toThrow('two spare pods or more');
  });

  test('GIVEN pod slots WHEN addressed THEN they are distinct 10/8 addresses, never the network address, and a slot past the range is refused', () => {
    expect([0, 254, 255, 65535].map(podAddress)).toEqual(['10.0.0.1', '10.0.0.255', '10.0.1.0', '10.1.0.0']);
    expect(() => podAddress(256 ** 3)).toThrow('fewer services fit one 10.0.0.0/8');
  });

  test('GIVEN Sidecar scoping to 3 WHEN the last service is built THEN its v1 Sidecar lists the next 3 services, wrapping around', () => {
    const sidecar = serviceObjects(9, { services: 10, sidecarDependencies: 3 }).find((object) => object.kind === 'Sidecar')!;
    expect(sidecar.spec.workloadSelector.labels).toEqual({ app: 'svc-9', version: 'v1' });
    expect(sidecar.spec.egress[0].hosts).toEqual(['bench-0/svc-0.bench-0.svc.cluster.local', 'bench-0/svc-1.bench-0.svc.cluster.local', 'bench-0/svc-2.bench-0.svc.cluster.local']);
  });

  test('GIVEN a canary weight WHEN the VirtualService is built THEN v1 gets the rest; a weight over 100 is refused naming the service', () => {
    const routes = virtualService(3, { services: 5 }, 25).spec.http[0].route;
    expect(routes.map((route: any) => [route.destination.subset, route.weight])).toEqual([['v1', 75], ['v2', 25]]);
    expect(() => virtualService(3, { services: 5 }, 101)).toThrow('VirtualService svc-3: canary weight 101');
  });

  test('GIVEN objects WHEN their collections are asked THEN core, group and cluster-scoped paths differ, and an unknown kind is refused', () => {
    const [namespace] = meshObjects({ services: 1 });
    const [account, , pod, , slice, rule] = serviceObjects(0, { services: 1 });
    expect([namespace, account, pod, slice, rule].map(collectionPath)).toEqual([
      '/api/v1/namespaces', '/api/v1/namespaces/bench-0/serviceaccounts', '/api/v1/namespaces/bench-0/pods',
      '/apis/discovery.k8s.io/v1/namespaces/bench-0/endpointslices', '/apis/networking.istio.io/v1/namespaces/bench-0/destinationrules',
    ]);
    expect(() => collectionPath({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).toThrow('Secret x: the benchmark writes only');
  });
});

describe('vs-istiod sidecar identity', () => {
  test('GIVEN the v1 pod of service 120 WHEN its node is built THEN the id is Istio\'s sidecar form and the metadata carries what istiod reads', () => {
    const [pod] = proxyPods(121, { services: 200 }).slice(120);
    const node = sidecarNode(pod) as { id: string; metadata: Record<string, unknown> };
    expect(node.id).toBe(`sidecar~${pod.address}~svc-120-v1.bench-1~bench-1.svc.cluster.local`);
    expect(node.metadata).toMatchObject({
      ISTIO_VERSION: '1.31.0', CLUSTER_ID: 'Kubernetes', NAMESPACE: 'bench-1', SERVICE_ACCOUNT: 'svc-120',
      LABELS: { app: 'svc-120', version: 'v1' }, INSTANCE_IPS: pod.address, NAME: 'svc-120-v1',
    });
  });

  test('GIVEN more proxies than services WHEN the proxies are chosen THEN it is refused with the limit', () => {
    expect(() => proxyPods(11, { services: 10 })).toThrow('ask for at most 10');
  });
});

describe('vs-istiod arithmetic', () => {
  test('GIVEN odd and even counts WHEN spread THEN the median is the middle or the mean of the two middles', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(() => spread([])).toThrow('at least once');
  });

  test('GIVEN ours and theirs WHEN the ratio is taken THEN it is ours/theirs, undefined when theirs is 0', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeUndefined();
  });

  test('GIVEN 100 samples WHEN p50 and p99 are taken THEN they are the nearest-rank values', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect([percentileOf(samples, 50), percentileOf(samples, 99), percentileOf(samples, 100)]).toEqual([50, 99, 100]);
  });

  test('GIVEN a weight sequence WHEN next is asked repeatedly THEN every edit changes the weight and stays within 11..98', () => {
    const weights = new CanaryWeights();
    let previous = 10;
    for (let edit = 0; edit < 200; edit += 1) {
      const next = weights.next(4);
      expect(next).not.toBe(previous);
      expect(next).toBeGreaterThanOrEqual(11);
      expect(next).toBeLessThanOrEqual(98);
      previous = next;
    }
  });
});

describe('vs-istiod comparison', () => {
  const summary = (side: string, scoping: string, median: number, proxies = 1): SideSummary => ({
    params: { services: 2, proxies, edits: 1, idleSeconds: 1, scoping, side },
    runs: 3,
    measurements: { peakRss: { median, min: median - 1, max: median + 1, unit: 'MiB' } },
    notes: [],
  });

  test('GIVEN three sides in three variants WHEN compared THEN ratios are reconciler over each istiod, per variant of scoping and proxy count, and the summary sorts leads from trails', () => {
    const summaries = [summary('reconciler', 'none', 120), summary('istiod-default', 'none', 100), summary('istiod-tuned', 'none', 150),
      summary('reconciler', 'none', 300, 10), summary('istiod-tuned', 'none', 200, 10),
      summary('reconciler', 'sidecar-5', 90), summary('istiod-tuned', 'sidecar-5', 60)];
    const [none, scoped, many] = compare(summaries);
    expect(none.measurements[0].ratios).toEqual({ 'istiod-default': 1.2, 'istiod-tuned': 0.8 });
    expect([many.label, many.proxies, many.measurements[0].ratios]).toEqual(['10 proxies', 10, { 'istiod-tuned': 1.5 }]);
    expect([scoped.scoping, scoped.label]).toEqual(['sidecar-5', 'sidecar-5']);
    expect(scoped.measurements[0].ratios).toEqual({ 'istiod-tuned': 1.5 });
    expect(leadTrailLines(summaries)).toEqual([
      '- **Ahead of tuned istiod** (ratio ≤ 1): peakRss 0.80×.',
      '- **Behind tuned istiod**: peakRss (sidecar-5) 1.50×, peakRss (10 proxies) 1.50×.',
    ]);
  });

  test('GIVEN a run of the many-proxies variant only, before the kept ones WHEN compared and written THEN the unscoped variant at the fewest proxies still heads the section and sets its scale, and a variant run fewer times says so', () => {
    const many = (side: string, median: number): SideSummary => ({ ...summary(side, 'none', median, 1000), params: { ...summary(side, 'none', median, 1000).params, edits: 0 } });
    const summaries = [many('reconciler', 50), many('istiod-tuned', 100),
      summary('reconciler', 'sidecar-5', 90), summary('istiod-tuned', 'sidecar-5', 60),
      summary('reconciler', 'none', 120), summary('istiod-tuned', 'none', 150)];
    expect(compare(summaries).map((comparison) => [comparison.scoping, comparison.proxies, comparison.label]))
      .toEqual([['none', 1, ''], ['sidecar-5', 1, 'sidecar-5'], ['none', 1000, '1000 proxies']]);
    const markdown = sideBySideMarkdown(summaries.map((entry) => (entry.params.proxies === 1000 ? { ...entry, runs: 2 } : entry)));
    expect(markdown[0]).toMatch(/^Scale: services=2, proxies=1, 1 edits per run.*; 3 alternating runs per side\./);
    expect(markdown.filter((line) => line.includes('alternating run') && !line.startsWith('Scale:'))).toEqual(['2 alternating runs per side.']);
    expect(markdown.indexOf('2 alternating runs per side.')).toBeGreaterThan(markdown.indexOf('### No Sidecar scoping, 1000 proxies'));
    expect(markdown.filter((line) => line.startsWith('### '))).toEqual([
      '### No Sidecar scoping, 1 proxies', '### Sidecar scoping (5 dependencies), 1 proxies', '### No Sidecar scoping, 1000 proxies']);
  });
});

describe('vs-istiod variants', () => {
  test('GIVEN no variants named WHEN chosen THEN every variant the scale allows runs, in run order', () => {
    expect(chooseVariants(undefined, { dependencies: 5, manyProxies: 1000 })).toEqual(['unscoped', 'sidecar', 'many-proxies']);
    expect(chooseVariants('', { dependencies: 0, manyProxies: 1000 })).toEqual(['unscoped', 'many-proxies']);
    expect(chooseVariants(undefined, { dependencies: 5, manyProxies: 0 })).toEqual(['unscoped', 'sidecar']);
  });

  test('GIVEN variants named in any order WHEN chosen THEN only those run, in run order; an unknown name or one the scale cannot run is refused with the fix', () => {
    expect(chooseVariants('many-proxies, unscoped', { dependencies: 5, manyProxies: 1000 })).toEqual(['unscoped', 'many-proxies']);
    expect(() => chooseVariants('unscoped,crowd', { dependencies: 5, manyProxies: 1000 }))
      .toThrow('--variants names crowd; the variants are unscoped, sidecar, many-proxies');
    expect(() => chooseVariants('many-proxies', { dependencies: 5, manyProxies: 0 })).toThrow(/--many-proxies is 0; give the number of proxies/);
    expect(() => chooseVariants('sidecar', { dependencies: 0, manyProxies: 0 })).toThrow(/--dependencies is 0/);
  });
});
