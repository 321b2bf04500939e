/**
 * One container through its life, as the kubelet runs it: start, startup probe (then readiness
 * and liveness), exit, restart per policy with the kubelet's crash-loop back-off (the first restart
 * at once, then 10 s doubling to 5 minutes, reset after 10 minutes of running), and stop with
 * SIGTERM, the grace period, then SIGKILL.
 */
import { ContainerConfigError } from './container-environment';
import { systemTool } from './container-process';
import { ImageNotFoundError } from './image-table';
import type { ContainerState, ContainerStateValue, TerminatedState } from './pod-status';
import type { Container } from './pod-types';
import { ProbeKind, ProbeTarget, ProbeWorker } from './probes';
import { runCommand } from '../cluster/command';
import type { ExitStatus, ManagedProcess } from '../cluster/managed-process';

/** When a container that exited is started again. */
export type RestartRule = 'Always' | 'OnFailure' | 'Never';

export interface StartedContainer {
  readonly process: ManagedProcess;
  readonly env: Readonly<Record<string, string>>;
  readonly user: number;
  readonly group: number;
}

export interface SupervisorHooks {
  /** Starts the process; throws ContainerConfigError or ImageNotFoundError when it cannot yet. */
  readonly launch: (restartCount: number) => Promise<StartedContainer>;
  readonly podIp: () => string;
  readonly onChange: () => void;
  readonly log: (message: string) => void;
  /** Grace period for kills after failed startup or liveness probes. */
  readonly graceMs: number;
}

export interface ExecOptions {
  /** Run as this user (and group) instead of the container's. */
  readonly user?: number;
  readonly group?: number;
  /** @default 30 000 */
  readonly timeoutMs?: number;
  readonly input?: string;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_AFTER_MS = 600_000;
const CONFIG_RETRY_MS = 2000;

export class ContainerSupervisor {
  restartCount = 0;
  started = false;
  ready = false;
  state: ContainerStateValue = { waiting: { reason: 'PodInitializing' } };
  lastTerminated: TerminatedState | undefined;
  private current: StartedContainer | undefined;
  private probes: ProbeWorker[] = [];
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<TerminatedState | undefined> | undefined;
  private startedWaiters: (() => void)[] = [];
  private nextBackoffMs = 0;

  constructor(
    readonly spec: Container,
    readonly kind: ContainerState['kind'],
    private readonly restartRule: RestartRule,
    private readonly hooks: SupervisorHooks,
  ) {}

  /** Starts the container (once); resolves when it has finished for good or was stopped. */
  run(): Promise<TerminatedState | undefined> {
    this.loop ??= this.supervise();
    return this.loop;
  }

  /** Resolves once the container counts as started (startup probe passed, or running without one). */
  whenStarted(): Promise<void> {
    if (this.started) return Promise.resolve();
    return new Promise((resolve) => this.startedWaiters.push(resolve));
  }

  get pid(): number | undefined {
    return this.current?.process.running ? this.current.process.pid : undefined;
  }

  snapshot(): ContainerState {
    return {
      name: this.spec.name,
      image: this.spec.image,
      kind: this.kind,
      restartCount: this.restartCount,
      started: this.started,
      ready: this.ready,
      containerId: this.current ? `node-agent://${this.current.process.pid}` : undefined,
      state: this.state,
      lastTerminated: this.lastTerminated,
    };
  }

  /** No more restarts: SIGTERM, up to `graceMs`, then SIGKILL. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.stopProbes();
    await this.current?.process.stop(graceMs);
    await this.loop;
  }

  /** Runs a command in the container's namespaces, as its user (or `user`), like `kubectl exec`. */
  async exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const running = this.current;
    if (!running?.process.running) throw new Error(`container ${this.spec.name} is not running`);
    const user = options.user ?? running.user;
    const group = options.group ?? (options.user !== undefined ? options.user : running.group);
    return runCommand(systemTool('nsenter'), [
      `--target=${running.process.pid}`, '--net', '--mount', '--',
      systemTool('setpriv'), `--reuid=${user}`, `--regid=${group}`, '--clear-groups', '--', ...command,
    ], { env: { ...running.env }, timeoutMs: options.timeoutMs ?? 30_000, input: options.input });
  }

  private async supervise(): Promise<TerminatedState | undefined> {
    let terminated: TerminatedState | undefined;
    while (!this.stopping) {
      let started: StartedContainer;
      try {
        started = await this.hooks.launch(this.restartCount);
      } catch (error) {
        const reason = error instanceof ImageNotFoundError ? 'ErrImagePull'
          : error instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'RunContainerError';
        const message = (error as Error).message;
        this.setState({ waiting: { reason, message } });
        this.hooks.log(`container ${this.spec.name}: ${reason}: ${message}`);
        await this.sleep(CONFIG_RETRY_MS);
        continue;
      }
      if (this.stopping) {
        // Stopped while it was being set up.
        await started.process.stop(this.hooks.graceMs);
        return terminated;
      }
      this.current = started;
      const startedAt = new Date();
      this.setState({ running: { startedAt: startedAt.toISOString() } });
      this.startProbes();
      const exit = await started.process.exited;
      this.stopProbes();
      this.started = false;
      this.ready = false;
      terminated = terminatedState(exit, startedAt);
      this.hooks.log(`container ${this.spec.name} exited ${exit.code}${exit.error ? ` (${exit.error})` : ''}`);
      this.setState({ terminated });
      if (this.stopping || !this.shouldRestart(exit.code)) return terminated;

      const ranMs = Date.now() - startedAt.getTime();
      if (ranMs > BACKOFF_RESET_AFTER_MS) this.nextBackoffMs = 0;
      const backoffMs = this.nextBackoffMs;
      this.nextBackoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_START_MS, this.nextBackoffMs * 2));
      if (backoffMs > 0) {
        this.lastTerminated = terminated;
        this.setState({ waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoffMs / 1000}s restarting failed container=${this.spec.name}` } });
        await this.sleep(backoffMs);
        if (this.stopping) return terminated;
      }
      this.lastTerminated = terminated;
      this.restartCount += 1;
    }
    return terminated;
  }

  private shouldRestart(exitCode: number): boolean {
    return this.restartRule === 'Always' || (this.restartRule === 'OnFailure' && exitCode !== 0);
  }

  private startProbes(): void {
    const target: ProbeTarget = {
      podIp: this.hooks.podIp(),
      ports: this.spec.ports ?? [],
      exec: (command, timeoutMs) => this.exec(command, { timeoutMs }).then((result) => result.code),
    };
    const worker = (kind: ProbeKind, onChange: (success: boolean) => void) => {
      const probe = this.spec[`${kind}Probe`];
      if (!probe) return undefined;
      const created = new ProbeWorker(kind, probe, target, (success, outcome) => {
        if (!success) this.hooks.log(`container ${this.spec.name}: ${kind} probe failed: ${outcome.message}`);
        onChange(success);
      });
      this.probes.push(created);
      created.start();
      return created;
    };
    const afterStartup = () => {
      this.started = true;
      for (const resolve of this.startedWaiters.splice(0)) resolve();
      const readiness = worker('readiness', (success) => {
        this.ready = success;
        this.hooks.onChange();
      });
      if (!readiness) this.ready = true;
      worker('liveness', (success) => { if (!success) this.killForRestart('liveness'); });
      this.hooks.onChange();
    };
    const startup = worker('startup', (success) => (success ? afterStartup() : this.killForRestart('startup')));
    if (!startup) afterStartup();
  }

  private killForRestart(probe: string): void {
    this.hooks.log(`container ${this.spec.name} failed its ${probe} probe and will be restarted`);
    this.stopProbes();
    void this.current?.process.stop(this.hooks.graceMs);
  }

  private stopProbes(): void {
    for (const probe of this.probes.splice(0)) probe.stop();
  }

  private setState(state: ContainerStateValue): void {
    this.state = state;
    this.hooks.onChange();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function terminatedState(exit: ExitStatus, startedAt: Date): TerminatedState {
  return {
    exitCode: exit.code,
    ...(exit.signal ? { signal: exit.code - 128 } : {}),
    reason: exit.code === 0 ? 'Completed' : exit.error ? 'StartError' : 'Error',
    ...(exit.error ? { message: exit.error } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}
