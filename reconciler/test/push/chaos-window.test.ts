import { ingestDocuments } from '../../src/config/ingest';
import { CHAOS_WINDOW_ANNOTATION } from '../../src/model';
import { applyChaosWindows, parseChaosWindows } from '../../src/push/chaos-window';
import { ChaosWindowScheduler } from '../../src/push/chaos-window-scheduler';
import type { MeshObject } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import { generateProxyResources } from '../../src/xds/generators';
import { simulate } from '../support/simulate';
import { proxy } from '../generators/fixture-loader';

const AT = (iso: string) => Date.parse(iso);
const DELAY = { delay: { fixedDelay: '1s', percentage: { value: 100 } } };
const ABORT = { abort: { httpStatus: 503, percentage: { value: 100 } } };

/** A reviews VirtualService with a matched `jason` route, a catch-all `default` route, and the given windows. */
function reviews(windows: unknown, routes: { jason?: object; default?: object } = { jason: DELAY, default: ABORT }): MeshObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: 'reviews', namespace: 'shop',
      ...(windows === undefined ? {} : { annotations: { [CHAOS_WINDOW_ANNOTATION]: typeof windows === 'string' ? windows : JSON.stringify(windows) } }),
    },
    spec: {
      hosts: ['reviews'],
      http: [
        { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews' } }], ...(routes.jason ? { fault: routes.jason } : {}) },
        { name: 'default', route: [{ destination: { host: 'reviews' } }], ...(routes.default ? { fault: routes.default } : {}) },
      ],
    },
  };
}

function faultsOf(object: MeshObject): Record<string, unknown> {
  return Object.fromEntries((object.spec.http as any[]).map((route) => [route.name, route.fault]));
}

const JASON_WINDOW = { route: 'jason', start: '2024-05-01T09:00:00Z', end: '2024-05-01T10:00:00Z' };
const DEFAULT_WINDOW = { route: 'default', start: '2024-05-01T09:30:00.000Z', end: '2024-05-01T11:00:00+00:00' };

describe('time-boxed chaos windows', () => {
  test.each([
    ['before every window', '2024-05-01T08:59:59.999Z', { jason: undefined, default: undefined }, '2024-05-01T09:00:00Z'],
    ['at the start of the first (start is inclusive)', '2024-05-01T09:00:00Z', { jason: DELAY, default: undefined }, '2024-05-01T09:30:00Z'],
    ['inside both windows', '2024-05-01T09:45:00Z', { jason: DELAY, default: ABORT }, '2024-05-01T10:00:00Z'],
    ['at the end of the first (end is exclusive)', '2024-05-01T10:00:00Z', { jason: undefined, default: ABORT }, '2024-05-01T11:00:00Z'],
    ['after every window', '2024-05-01T12:00:00Z', { jason: undefined, default: undefined }, undefined],
  ])('GIVEN two routes with their own windows WHEN applied %s THEN only faults of open windows stay and the next boundary is found',
    (_, now, expectedFaults, expectedBoundary) => {
      const { objects, nextBoundary } = applyChaosWindows([reviews([JASON_WINDOW, DEFAULT_WINDOW])], AT(now));

      expect(faultsOf(objects[0])).toEqual(expectedFaults);
      expect(nextBoundary).toBe(expectedBoundary === undefined ? undefined : AT(expectedBoundary));
    });

  test('GIVEN a route with two windows WHEN now falls in the second THEN its fault is served', () => {
    const second = { route: 'jason', start: '2024-05-02T09:00:00Z', end: '2024-05-02T10:00:00Z' };
    const { objects, nextBoundary } = applyChaosWindows([reviews([JASON_WINDOW, second])], AT('2024-05-02T09:10:00Z'));

    expect(faultsOf(objects[0]).jason).toEqual(DELAY);
    expect(nextBoundary).toBe(AT(second.end));
  });

  test('GIVEN only one route is time-boxed WHEN its window is closed THEN the other route keeps its fault', () => {
    const { objects } = applyChaosWindows([reviews([JASON_WINDOW])], AT('2024-06-01T00:00:00Z'));

    expect(faultsOf(objects[0])).toEqual({ jason: undefined, default: ABORT });
  });

  test('GIVEN VirtualServices with no annotation WHEN applied THEN the very same objects come back and no boundary is due', () => {
    const plain = reviews(undefined);
    const { objects, nextBoundary } = applyChaosWindows([plain], AT('2024-05-01T09:00:00Z'));

    expect(objects[0]).toBe(plain);
    expect(nextBoundary).toBeUndefined();
  });

  test('GIVEN a closed window WHEN applied THEN the input object is left untouched', () => {
    const input = reviews([JASON_WINDOW]);
    const before = JSON.stringify(input);
    applyChaosWindows([input], AT('2025-01-01T00:00:00Z'));

    expect(JSON.stringify(input)).toBe(before);
  });

  test.each([
    ['not JSON', '[{route: jason}', /is not JSON .*write it as \[/],
    ['not an array', { route: 'jason' }, /is \{"route":"jason"\}, not a JSON array/],
    ['an entry that is not an object', ['jason'], /\[0\] is "jason"; each entry must be an object \{route, start, end\}/],
    ['an unknown route', [{ ...JASON_WINDOW, route: 'ghost' }], /\[0\]\.route is "ghost", but routes with a fault are default, jason; name a spec\.http route that has a fault/],
    ['a date without time zone', [{ ...JASON_WINDOW, start: '2024-05-01T09:00:00' }], /\[0\]\.start is "2024-05-01T09:00:00"; use an ISO 8601 date-time with a time zone/],
    ['an impossible date', [{ ...JASON_WINDOW, end: '2024-13-45T09:00:00Z' }], /\[0\]\.end is "2024-13-45T09:00:00Z"/],
    ['end before start', [{ ...JASON_WINDOW, end: '2024-05-01T08:00:00Z' }], /\[0\]\.end \(2024-05-01T08:00:00Z\) is not after start \(2024-05-01T09:00:00Z\)/],
  ])('GIVEN an annotation with %s WHEN parsed THEN it is refused with a reason naming the field and the fix', (_, windows, reason) => {
    const parsed = parseChaosWindows(reviews(windows));

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toEqual([expect.stringMatching(reason)]);
    expect(parsed.ok ? '' : parsed.problems[0]).toContain(`metadata.annotations['${CHAOS_WINDOW_ANNOTATION}']`);
  });

  test('GIVEN a malformed window reaching the push anyway WHEN applied THEN none of its faults are served', () => {
    const { objects, nextBoundary } = applyChaosWindows([reviews('not json')], AT('2024-05-01T09:30:00Z'));

    expect(faultsOf(objects[0])).toEqual({ jason: undefined, default: undefined });
    expect(nextBoundary).toBeUndefined();
  });

  test('GIVEN a malformed window in the config WHEN ingested THEN the VirtualService is rejected naming itself and the field', () => {
    const yaml = JSON.stringify(reviews([{ ...JASON_WINDOW, end: 'tomorrow' }]));
    const { objects, rejected } = ingestDocuments([{ source: 'mesh.yaml', text: yaml }]);

    expect(objects).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reasons).toEqual([expect.stringMatching(/^VirtualService shop\/reviews \(mesh\.yaml document 1\): metadata\.annotations\['mesh\.cdk8s\.io\/chaos-window'\]\[0\]\.end is "tomorrow"/)]);
  });
});

describe('time-boxed chaos through the generators', () => {
  const objects = [
    {
      apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'reviews', namespace: 'shop' },
      spec: { hosts: ['reviews.shop.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }] },
    } as MeshObject,
    reviews([JASON_WINDOW], { jason: DELAY }),
  ];
  const caller = proxy({ name: 'productpage-1', namespace: 'shop' });
  const jasonRouteAt = (now: string) => simulate(
    generateProxyResources(PushContext.build(objects, DEFAULT_MESH_SETTINGS, AT(now)), caller),
    { host: 'reviews.shop.svc.cluster.local', port: 9080, headers: { 'end-user': 'jason' } },
  ).route;

  test.each([
    ['inside the window', '2024-05-01T09:30:00Z', '1s'],
    ['after the window', '2024-05-01T10:30:00Z', undefined],
  ])('GIVEN a time-boxed delay WHEN routes are generated %s THEN the Envoy route carries the fault only then', (_, now, fixedDelay) => {
    const route = jasonRouteAt(now);

    expect(route.name).toBe('jason');
    expect(route.typed_per_filter_config?.['envoy.filters.http.fault']?.delay?.fixed_delay).toBe(fixedDelay);
  });

  test('GIVEN a window ahead WHEN the push context is built THEN it reports the window start as its next boundary', () => {
    expect(PushContext.build(objects, DEFAULT_MESH_SETTINGS, AT('2024-05-01T08:00:00Z')).nextChaosWindowBoundary).toBe(AT(JASON_WINDOW.start));
  });
});

describe('ChaosWindowScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: AT('2024-05-01T08:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  test('GIVEN a boundary ahead WHEN the clock reaches it THEN the callback runs once, not before', () => {
    const onBoundary = jest.fn();
    const scheduler = new ChaosWindowScheduler(onBoundary);
    scheduler.schedule(AT('2024-05-01T09:00:00Z'));

    jest.advanceTimersByTime(60 * 60 * 1000 - 1);
    expect(onBoundary).not.toHaveBeenCalled();
    jest.advanceTimersByTime(60 * 1000);
    expect(onBoundary).toHaveBeenCalledTimes(1);
    expect(scheduler.nextBoundary).toBeUndefined();
  });

  test('GIVEN an armed boundary WHEN rescheduled to another or disarmed THEN only the latest request counts', () => {
    const onBoundary = jest.fn();
    const scheduler = new ChaosWindowScheduler(onBoundary);
    scheduler.schedule(AT('2024-05-01T08:10:00Z'));
    scheduler.schedule(AT('2024-05-01T08:20:00Z'));

    jest.advanceTimersByTime(15 * 60 * 1000);
    expect(onBoundary).not.toHaveBeenCalled();
    scheduler.schedule(undefined);
    jest.advanceTimersByTime(60 * 60 * 1000);
    expect(onBoundary).not.toHaveBeenCalled();
  });

  test('GIVEN a boundary beyond the longest timer WHEN scheduled THEN it wakes early to re-plan instead of overflowing', () => {
    const onBoundary = jest.fn();
    const scheduler = new ChaosWindowScheduler(onBoundary);
    scheduler.schedule(AT('2024-09-01T00:00:00Z'));

    jest.advanceTimersByTime(1000);
    expect(onBoundary).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2 ** 31);
    expect(onBoundary).toHaveBeenCalledTimes(1);
    scheduler.cancel();
  });
});
