/**
 * A process the suite starts: its output goes to a log file, it runs in its own process group (so
 * a shell and the programs it starts are stopped together), and it is stopped by pid with SIGTERM,
 * a grace period, then SIGKILL.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';

export interface ExitStatus {
  /** Exit code, or 128 + signal number for a process killed by a signal (as a shell reports it). */
  readonly code: number;
  readonly signal?: NodeJS.Signals;
  /** Set when the program could not be started at all (missing binary, bad working directory). */
  readonly error?: string;
}

export interface ManagedProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Output of every start is appended here. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * Gives the process a pipe on fd 3: `ready` resolves when it writes to it or closes it (on
   * exec into a program that closes it, or on exit).
   */
  readonly readyPipe?: boolean;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export class ManagedProcess {
  static start(options: ManagedProcessOptions): ManagedProcess {
    const log = fs.openSync(options.logFile, 'a');
    try {
      const child = spawn(options.command, [...options.args], {
        stdio: options.readyPipe ? ['ignore', log, log, 'pipe'] : ['ignore', log, log],
        env: options.env ?? process.env,
        cwd: options.cwd,
        detached: true,
      });
      const exited = new Promise<ExitStatus>((resolve) => {
        child.once('error', (error) => resolve({ code: 127, error: error.message }));
        child.once('exit', (code, signal) => resolve(signal
          ? { code: 128 + (SIGNAL_NUMBERS[signal] ?? 0), signal }
          : { code: code ?? 0 }));
      });
      const pipe = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
      const ready = pipe
        ? new Promise<void>((resolve) => {
          pipe.once('data', () => resolve());
          pipe.once('close', () => resolve());
          pipe.once('error', () => resolve());
          pipe.resume();
        })
        : Promise.resolve();
      return new ManagedProcess(child.pid, exited, ready, options.logFile);
    } finally {
      fs.closeSync(log);
    }
  }

  private exitStatus: ExitStatus | undefined;

  private constructor(
    /** Undefined only when the program could not be started; `exited` then says why. */
    readonly pid: number | undefined,
    readonly exited: Promise<ExitStatus>,
    /** With `readyPipe`: resolves once the process says it is ready (or exits). */
    readonly ready: Promise<void>,
    readonly logFile: string,
  ) {
    void exited.then((status) => { this.exitStatus = status; });
  }

  get running(): boolean {
    return this.pid !== undefined && this.exitStatus === undefined;
  }

  /** The exit status once the process has exited. */
  get status(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** Sends `signal` to the process group; false when it has already exited. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(-this.pid!, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, up to `graceMs` to exit, then SIGKILL. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (this.signal('SIGTERM')) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace-over'>((resolve) => { timer = setTimeout(() => resolve('grace-over'), graceMs); });
      const outcome = await Promise.race([this.exited, graceOver]);
      clearTimeout(timer);
      if (outcome === 'grace-over') this.signal('SIGKILL');
    }
    return this.exited;
  }

  /** The last `lines` lines of the log, for error messages. */
  tail(lines = 20): string {
    return tailOfFile(this.logFile, lines);
  }
}

export function tailOfFile(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
