import { buildPodStatus, ConditionClock, ContainerState, PodSnapshot } from './pod-status';

const container = (name: string, kind: ContainerState['kind'], state: ContainerState['state'], ready: boolean, started = ready): ContainerState =>
  ({ name, image: `example/${name}:1`, kind, restartCount: 0, started, ready, state });
const snapshot = (containers: ContainerState[], extra: Partial<PodSnapshot> = {}): PodSnapshot => ({
  phase: 'Running', hostIp: '198.18.0.1', podIp: '198.18.1.4', startTime: '2026-01-01T00:00:00Z', sandboxReady: true, initialized: true, containers, ...extra,
});
const conditions = (status: Record<string, unknown>) =>
  Object.fromEntries((status.conditions as { type: string; status: string }[]).map((condition) => [condition.type, condition.status]));

describe('pod status', () => {
  const init = container('istio-init', 'init', { terminated: { exitCode: 0, reason: 'Completed', startedAt: 'a', finishedAt: 'b' } }, true);

  test('GIVEN a sidecar that is not ready WHEN the status is built THEN the pod is initialized but neither ContainersReady nor Ready', () => {
    const status = buildPodStatus(snapshot([init, container('istio-proxy', 'sidecar', { running: { startedAt: 'a' } }, false, true),
      container('app', 'regular', { running: { startedAt: 'a' } }, true)]), new ConditionClock());
    expect(conditions(status)).toEqual({ PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'False', ContainersReady: 'False', PodScheduled: 'True' });
    expect((status.conditions as { type: string; message?: string }[]).find((condition) => condition.type === 'Ready')?.message)
      .toBe('containers with unready status: [istio-proxy]');
    expect((status.initContainerStatuses as { name: string }[]).map((entry) => entry.name)).toEqual(['istio-init', 'istio-proxy']);
    expect((status.containerStatuses as { name: string }[]).map((entry) => entry.name)).toEqual(['app']);
    expect(status.podIPs).toEqual([{ ip: '198.18.1.4' }]);
  });

  test('GIVEN every container ready WHEN built twice THEN Ready is True and its transition time stays that of the first change', () => {
    const clock = new ConditionClock();
    const ready = snapshot([init, container('app', 'regular', { running: { startedAt: 'a' } }, true)]);
    const first = buildPodStatus(ready, clock, '2026-01-01T00:00:01Z');
    const second = buildPodStatus(ready, clock, '2026-01-01T00:00:09Z');
    const readyAt = (status: Record<string, unknown>) => (status.conditions as { type: string; lastTransitionTime: string }[])
      .find((condition) => condition.type === 'Ready')!.lastTransitionTime;
    expect(conditions(first).Ready).toBe('True');
    expect(readyAt(second)).toBe('2026-01-01T00:00:01Z');
  });

  test('GIVEN a completed pod WHEN built THEN it is not Ready, with the reason PodCompleted', () => {
    const status = buildPodStatus(snapshot([container('job', 'regular', { terminated: { exitCode: 0, reason: 'Completed', startedAt: 'a', finishedAt: 'b' } }, false)],
      { phase: 'Succeeded', sandboxReady: false }), new ConditionClock());
    expect((status.conditions as { type: string; reason?: string }[]).find((condition) => condition.type === 'Ready')?.reason).toBe('PodCompleted');
    expect(status.phase).toBe('Succeeded');
  });
});
