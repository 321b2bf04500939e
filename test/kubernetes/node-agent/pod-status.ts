/**
 * The status a kubelet reports for a pod, computed from what the node agent knows of its
 * containers: phase, addresses, conditions (PodScheduled, PodReadyToStartContainers, Initialized,
 * ContainersReady, Ready) and one status per init container and container. The EndpointSlice
 * controller builds endpoints from exactly these fields.
 */

/** One container as the agent tracks it. */
export interface ContainerState {
  readonly name: string;
  readonly image: string;
  readonly kind: 'init' | 'sidecar' | 'regular';
  readonly restartCount: number;
  readonly started: boolean;
  readonly ready: boolean;
  readonly containerId?: string;
  readonly state: ContainerStateValue;
  readonly lastTerminated?: TerminatedState;
}

export interface TerminatedState {
  readonly exitCode: number;
  readonly signal?: number;
  readonly reason: string;
  readonly message?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export type ContainerStateValue =
  | { readonly waiting: { readonly reason: string; readonly message?: string } }
  | { readonly running: { readonly startedAt: string } }
  | { readonly terminated: TerminatedState };

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodSnapshot {
  readonly phase: PodPhase;
  readonly hostIp: string;
  readonly podIp?: string;
  readonly startTime: string;
  readonly sandboxReady: boolean;
  readonly initialized: boolean;
  readonly containers: readonly ContainerState[];
  /** Why the pod cannot start its containers yet (a missing volume source, an image). */
  readonly message?: string;
}

/** Remembers when each condition last changed, as the kubelet does. */
export class ConditionClock {
  private readonly transitions = new Map<string, { status: string; at: string }>();

  stamp(type: string, status: string, now: string): string {
    const previous = this.transitions.get(type);
    if (previous && previous.status === status) return previous.at;
    this.transitions.set(type, { status, at: now });
    return now;
  }
}

export function buildPodStatus(snapshot: PodSnapshot, clock: ConditionClock, now = new Date().toISOString()): Record<string, unknown> {
  const inits = snapshot.containers.filter((container) => container.kind !== 'regular');
  const regulars = snapshot.containers.filter((container) => container.kind === 'regular');
  const unready = snapshot.containers.filter((container) => container.kind !== 'init' && !container.ready).map((container) => container.name);
  const uninitialized = inits.filter((container) => container.kind === 'init'
    ? !('terminated' in container.state && container.state.terminated.exitCode === 0)
    : !container.started).map((container) => container.name);
  const condition = (type: string, ok: boolean, reason?: string, message?: string) => {
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: clock.stamp(type, status, now),
      ...(ok || !reason ? {} : { reason, ...(message ? { message } : {}) }),
    };
  };
  const completed = snapshot.phase === 'Succeeded' || snapshot.phase === 'Failed';
  const containersReady = unready.length === 0 && !completed;
  const unreadyMessage = `containers with unready status: [${unready.join(' ')}]`;
  return {
    phase: snapshot.phase,
    hostIP: snapshot.hostIp,
    hostIPs: [{ ip: snapshot.hostIp }],
    ...(snapshot.podIp ? { podIP: snapshot.podIp, podIPs: [{ ip: snapshot.podIp }] } : {}),
    startTime: snapshot.startTime,
    ...(snapshot.message ? { message: snapshot.message } : {}),
    conditions: [
      condition('PodReadyToStartContainers', snapshot.sandboxReady),
      condition('Initialized', snapshot.initialized, 'ContainersNotInitialized', `containers with incomplete status: [${uninitialized.join(' ')}]`),
      condition('Ready', containersReady, completed ? 'PodCompleted' : 'ContainersNotReady', completed ? undefined : unreadyMessage),
      condition('ContainersReady', containersReady, completed ? 'PodCompleted' : 'ContainersNotReady', completed ? undefined : unreadyMessage),
      condition('PodScheduled', true),
    ],
    ...(inits.length > 0 ? { initContainerStatuses: inits.map(containerStatus) } : {}),
    containerStatuses: regulars.map(containerStatus),
  };
}

function containerStatus(container: ContainerState): Record<string, unknown> {
  return {
    name: container.name,
    image: container.image,
    imageID: `node-agent://${container.image}`,
    ...(container.containerId ? { containerID: container.containerId } : {}),
    ready: container.ready,
    started: container.started,
    restartCount: container.restartCount,
    state: container.state,
    lastState: container.lastTerminated ? { terminated: container.lastTerminated } : {},
  };
}
