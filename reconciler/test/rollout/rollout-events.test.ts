import { declared } from './rollout-fixtures';
import type { InvolvedObject } from '../../src/config/object-event';
import { advance, operate, rolloutFor } from '../../src/rollout/rollout-machine';
import { RolloutEventRecorder } from '../../src/rollout/rollout-events';
import { rolloutTransition } from '../../src/rollout/rollout-transition';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const rollout = declared();
const spec = rollout.spec;
const VIRTUAL_SERVICE: InvolvedObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'default', name: 'reviews', uid: 'uid-1' };

const started = rolloutFor(undefined, rollout, T0);
const healthy = { requests: 150, failures: 0, p99Ms: 5 };

describe('rollout transitions', () => {
  test.each([
    ['a new rollout', undefined, started, undefined, 'RolloutStarted', 'Normal', 'rollout of v2 started: at step 1 of 4, weight 10 %'],
    ['a passed step', started, advance(started, spec, T0 + 10_000, healthy), undefined, 'RolloutStepAdvanced', 'Normal', 'progressing: at step 2 of 4, weight 25 %'],
    ['a pause over without traffic', started, advance(started, spec, T0 + 10_000, undefined), undefined, 'RolloutWaitingForTraffic', 'Normal',
      'waiting for traffic: no telemetry of the canary yet at step 1 of 4, weight 10 %'],
    ['a breach', started, advance(started, spec, T0 + 10_000, { requests: 150, failures: 30, p99Ms: 5 }), undefined, 'RolloutRolledBack', 'Warning',
      'rolled back: success rate 80.0 % < 99 % over 150 requests at step 1 of 4, weight 10 %'],
    ['an operator pause', started, (operate(started, spec, 'pause', T0 + 1) as any).record, 'pause', 'RolloutPaused', 'Normal', 'paused by an operator at step 1 of 4, weight 10 %'],
    ['an operator abort', started, (operate(started, spec, 'abort', T0 + 1) as any).record, 'abort', 'RolloutAborted', 'Warning', 'rolled back: aborted by an operator at step 1 of 4, weight 10 %'],
    ['an operator promote', started, (operate(started, spec, 'promote', T0 + 1) as any).record, 'promote', 'RolloutPromoted', 'Normal',
      'promoted — change the code to make it permanent (promoted by an operator at step 1 of 4, weight 10 %)'],
  ] as const)('GIVEN %s WHEN classified THEN it is %s', (_, before, after, action, reason, type, message) => {
    expect(rolloutTransition(before, after, action)).toEqual({ reason, type, message, record: after });
  });

  test('GIVEN a step still waiting for traffic WHEN judged again without change THEN no second transition', () => {
    const waiting = advance(started, spec, T0 + 10_000, undefined);
    expect(rolloutTransition(waiting, advance(waiting, spec, T0 + 11_000, { requests: 3, failures: 0 }), undefined)).toBeUndefined();
  });
});

describe('rollout Events', () => {
  function recorderWith(created: unknown[], instance: string, existing: Set<string>) {
    const api = {
      createNamespacedEvent: async ({ body }: { body: any }) => {
        if (existing.has(body.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
        existing.add(body.metadata.name);
        created.push(body);
        return body;
      },
    };
    const recorded: string[] = [];
    const errors: string[] = [];
    const recorder = new RolloutEventRecorder(api as any, {
      lookup: (namespace, name) => (namespace === 'default' && name === 'reviews' ? VIRTUAL_SERVICE : undefined),
      reportingInstance: instance, onRecorded: (object) => recorded.push(object.name), onError: (message) => errors.push(message), clock: () => new Date(T0),
    });
    return { recorder, recorded, errors };
  }

  test('GIVEN a rollback WHEN recorded THEN a Warning Event on the VirtualService carries the reason, and a second replica recording it creates nothing', async () => {
    const created: any[] = [];
    const names = new Set<string>();
    const first = recorderWith(created, 'reconciler-a', names);
    const second = recorderWith(created, 'reconciler-b', names);
    const transition = rolloutTransition(started, advance(started, spec, T0 + 10_000, { requests: 412, failures: 37 }), undefined)!;

    await first.recorder.record(rollout, transition);
    await second.recorder.record(rollout, transition);

    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      metadata: { namespace: 'default' }, involvedObject: VIRTUAL_SERVICE, reason: 'RolloutRolledBack', type: 'Warning',
      message: 'rolled back: success rate 91.0 % < 99 % over 412 requests at step 1 of 4, weight 10 %',
      reportingComponent: 'mesh-reconciler', reportingInstance: 'reconciler-a',
    });
    expect(created[0].metadata.name).toMatch(/^reviews\.mesh-rollout\.[0-9a-f]{12}$/);
    expect([first.recorded, second.recorded, first.errors, second.errors]).toEqual([['reviews'], [], [], []]);
  });

  test('GIVEN two steps advanced WHEN recorded THEN each is an Event of its own', async () => {
    const created: any[] = [];
    const { recorder } = recorderWith(created, 'reconciler-a', new Set());
    const second = advance(started, spec, T0 + 10_000, healthy);
    const third = advance(second, spec, T0 + 20_000, healthy);
    await recorder.record(rollout, rolloutTransition(started, second, undefined)!);
    await recorder.record(rollout, rolloutTransition(second, third, undefined)!);
    expect(created.map((event) => event.message)).toEqual(['progressing: at step 2 of 4, weight 25 %', 'progressing: at step 3 of 4, weight 50 %']);
    expect(new Set(created.map((event) => event.metadata.name)).size).toBe(2);
  });

  test('GIVEN the API refusing Events WHEN recorded THEN the failure names the VirtualService and where the transition still shows', async () => {
    const errors: string[] = [];
    const recorder = new RolloutEventRecorder({ createNamespacedEvent: async () => { throw Object.assign(new Error('forbidden'), { code: 403, body: { message: 'events is forbidden' } }); } } as any, {
      lookup: () => VIRTUAL_SERVICE, reportingInstance: 'reconciler-a', onError: (message) => errors.push(message),
    });
    await recorder.record(rollout, rolloutTransition(undefined, started, undefined)!);
    expect(errors).toEqual(['recording a RolloutStarted Event on VirtualService default/reviews failed: HTTP 403: events is forbidden; the transition is still in /debug/rollouts']);
  });
});
