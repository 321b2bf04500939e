import { Duration, Testing } from 'cdk8s';
import { CanaryRelease } from '../../src';
import { parseRolloutPlan, ROLLOUT_ANNOTATION, rolloutDurationMs } from '../../src/model';
import { bookinfoChart } from '../traffic/fixtures';

const FIELD = "metadata.annotations['mesh.cdk8s.io/rollout']";
const plan = (overrides: Record<string, unknown> = {}) => JSON.stringify({
  route: 'reviews-canary',
  stable: 'v1',
  canary: 'v2',
  startWeight: 0,
  minRequests: 50,
  trafficWaitLimit: '2m',
  steps: [{ weight: 10, pause: '30s', minSuccessRate: 99 }, { weight: 100, pause: '1.5s', maxP99Latency: '250ms', maxErrorRate: 1 }],
  ...overrides,
});

describe('rollout plan', () => {
  test('GIVEN a CanaryRelease with steps WHEN its annotation is parsed THEN the writer and the reader agree on every field', () => {
    const { chart, reviews } = bookinfoChart();
    new CanaryRelease(chart, 'ReviewsCanary', {
      service: reviews,
      stable: 'v1',
      canary: 'v2',
      canaryWeight: 0,
      minRequests: 40,
      trafficWaitLimit: Duration.seconds(90),
      steps: [
        { weight: 25, pause: Duration.seconds(5), maxP99Latency: Duration.millis(100) },
        { weight: 100, pause: Duration.minutes(1), minSuccessRate: 99.5 },
      ],
    });
    const vs = Testing.synth(chart).find((m) => m.kind === 'VirtualService' && m.metadata.name === 'reviews');

    const parsed = parseRolloutPlan(vs.metadata.annotations[ROLLOUT_ANNOTATION], FIELD);

    expect(parsed).toEqual({
      ok: true,
      spec: {
        route: 'reviews-canary',
        stable: 'v1',
        canary: 'v2',
        startWeight: 0,
        minRequests: 40,
        trafficWaitLimitMs: 90_000,
        steps: [{ weight: 25, pauseMs: 5000, maxP99LatencyMs: 100 }, { weight: 100, pauseMs: 60_000, minSuccessRate: 99.5 }],
      },
    });
  });

  test('GIVEN a plan without minRequests and trafficWaitLimit WHEN parsed THEN the defaults apply', () => {
    const parsed = parseRolloutPlan(plan({ minRequests: undefined, trafficWaitLimit: undefined }), FIELD);
    expect(parsed.ok && [parsed.spec.minRequests, parsed.spec.trafficWaitLimitMs]).toEqual([100, 300_000]);
  });

  test.each<[string, string, string]>([
    ['not JSON', '{steps', `${FIELD} is not JSON`],
    ['an array', '[]', `${FIELD} is [], not a JSON object`],
    ['no route', plan({ route: '' }), `${FIELD}.route is ""; it must be a non-empty string`],
    ['same versions', plan({ canary: 'v1' }), `${FIELD}.canary is "v1", the same version as stable`],
    ['no steps', plan({ steps: [] }), `${FIELD}.steps is []; it must be a non-empty array`],
    ['decreasing weights', plan({ steps: [{ weight: 50, pause: '1s' }, { weight: 50, pause: '1s' }] }), `${FIELD}.steps[1].weight is 50, not above steps[0].weight (50); list steps in strictly increasing weight`],
    ['a first step at the start weight', plan({ startWeight: 10, steps: [{ weight: 10, pause: '1s' }] }), `${FIELD}.steps[0].weight is 10, not above startWeight (10)`],
    ['a weight above 100', plan({ steps: [{ weight: 120, pause: '1s' }] }), `${FIELD}.steps[0].weight is 120; it must be a whole number from 0 to 100`],
    ['a zero pause', plan({ steps: [{ weight: 20, pause: '0s' }] }), `${FIELD}.steps[0].pause is "0s"; it must be a positive duration`],
    ['a pause without unit', plan({ steps: [{ weight: 20, pause: '5' }] }), `${FIELD}.steps[0].pause is "5"; it must be a positive duration`],
    ['an error rate above 100', plan({ steps: [{ weight: 20, pause: '1s', maxErrorRate: 150 }] }), `${FIELD}.steps[0].maxErrorRate is 150; it must be a percentage from 0 to 100`],
    ['a negative success rate', plan({ steps: [{ weight: 20, pause: '1s', minSuccessRate: -1 }] }), `${FIELD}.steps[0].minSuccessRate is -1; it must be a percentage`],
    ['a latency that is a number', plan({ steps: [{ weight: 20, pause: '1s', maxP99Latency: 100 }] }), `${FIELD}.steps[0].maxP99Latency is 100; it must be a positive duration`],
    ['zero minimum requests', plan({ minRequests: 0 }), `${FIELD}.minRequests is 0; it must be a whole number of requests from 1`],
    ['a bad traffic wait limit', plan({ trafficWaitLimit: 'soon' }), `${FIELD}.trafficWaitLimit is "soon"; it must be a positive duration`],
  ])('GIVEN %s WHEN parsed THEN the problem names the field, the value and the fix', (_, text, message) => {
    const parsed = parseRolloutPlan(text, FIELD);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems.join('\n')).toContain(message);
  });

  test.each<[unknown, number | undefined]>([['250ms', 250], ['1.5s', 1500], ['10m', 600_000], ['1h', 3_600_000], ['0s', undefined], ['5', undefined], [5, undefined]])(
    'GIVEN duration %j WHEN read THEN it is %j ms', (text, millis) => {
      expect(rolloutDurationMs(text)).toBe(millis);
    });
});
