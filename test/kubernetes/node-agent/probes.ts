/**
 * Container probes with the kubelet's semantics: httpGet (2xx/3xx), tcpSocket and exec against
 * the pod, every `periodSeconds` after `initialDelaySeconds`, with `timeoutSeconds`, and the
 * success/failure thresholds deciding when the result flips.
 */
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import type { ContainerPort, Probe } from './pod-types';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

/** What a probe runs against. */
export interface ProbeTarget {
  readonly podIp: string;
  readonly ports: readonly ContainerPort[];
  /** Runs a command in the container; resolves with its exit code. */
  readonly exec: (command: readonly string[], timeoutMs: number) => Promise<number>;
}

export interface ProbeOutcome {
  readonly success: boolean;
  readonly message: string;
}

/** One probe attempt. */
export async function probeOnce(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const { path = '/', scheme = 'HTTP', httpHeaders = [] } = probe.httpGet;
    const port = resolvePort(probe.httpGet.port, target.ports);
    const host = probe.httpGet.host ?? target.podIp;
    const status = await httpStatus(scheme.toUpperCase() === 'HTTPS', host, port, path,
      { 'user-agent': 'kube-probe/1.36', ...Object.fromEntries(httpHeaders.map((header) => [header.name, header.value])) }, timeoutMs)
      .catch((error: Error) => error.message);
    return typeof status === 'number'
      ? { success: status >= 200 && status < 400, message: `HTTP probe of ${host}:${port}${path} answered ${status}` }
      : { success: false, message: `HTTP probe of ${host}:${port}${path} failed: ${status}` };
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.ports);
    const host = probe.tcpSocket.host ?? target.podIp;
    const error = await tcpConnect(host, port, timeoutMs);
    return { success: !error, message: error ? `TCP probe of ${host}:${port} failed: ${error}` : `TCP probe of ${host}:${port} connected` };
  }
  if (probe.exec) {
    const code = await target.exec(probe.exec.command, timeoutMs).catch(() => -1);
    return { success: code === 0, message: `exec probe ${JSON.stringify(probe.exec.command)} exited ${code}` };
  }
  throw new Error(`probe ${JSON.stringify(probe)} is of a kind the node agent does not run (httpGet, tcpSocket, exec)`);
}

/**
 * Runs one probe of a container until stopped, reporting each change of its result. Startup
 * probes stop after their first success; results start as failure (not ready / not started).
 */
export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result = false;
  lastMessage = '';

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly target: ProbeTarget,
    private readonly onChange: (success: boolean, outcome: ProbeOutcome) => void,
  ) {}

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get succeeded(): boolean {
    return this.result;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(), delayMs);
  }

  private async attempt(): Promise<void> {
    const outcome = await probeOnce(this.probe, this.target).catch((error: Error) => ({ success: false, message: error.message }));
    if (this.stopped) return;
    this.lastMessage = outcome.message;
    if (outcome.success) {
      this.failures = 0;
      this.successes += 1;
      if (!this.result && this.successes >= (this.probe.successThreshold ?? 1)) {
        this.result = true;
        this.onChange(true, outcome);
      }
    } else {
      this.successes = 0;
      this.failures += 1;
      // Startup and liveness report failure once the threshold is reached (the container restarts).
      const flip = this.kind === 'readiness' ? this.result : true;
      if (flip && this.failures >= (this.probe.failureThreshold ?? 3)) {
        this.result = false;
        this.failures = 0;
        this.onChange(false, outcome);
      }
    }
    if (this.kind === 'startup' && this.result) return;
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}

function resolvePort(port: number | string, ports: readonly ContainerPort[]): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = ports.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`probe port "${port}" names no port of the container`);
  return named.containerPort;
}

function httpStatus(secure: boolean, host: string, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      host, port, path, method: 'GET', headers, timeout: timeoutMs, agent: false, ...(secure ? { rejectUnauthorized: false } : {}),
    }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`timed out after ${timeoutMs} ms`);
    });
    socket.once('error', (error) => resolve(error.message));
  });
}
