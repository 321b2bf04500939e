/**
 * Serves every `*.yaml|*.yml|*.json` under a directory (recursively), e.g. the output of `cdk8s synth`.
 * Changes are noticed by fs.watch, with a full scan as the safety net: every `resyncMs` while the
 * watch reports changes, every `pollMs` where it cannot (no watch could be set up, or a scan found a
 * change the watch never announced: some volume types raise no events). A scan stats every file,
 * which at a thousand files costs more CPU than everything else an idle reconciler does. Changes are
 * applied after a short
 * settle delay so an editor's or `kubectl cp`'s multi-step write lands as one change. The settle delay
 * restarts on every event but never beyond `maxWaitMs` after the first unapplied one, so a steady
 * stream of writes still reaches the proxies. A file that cannot be read as a whole (YAML that does
 * not parse, a limit exceeded) keeps its previous good version in the set: one bad save never removes
 * live config. Files are parsed in bounded slices of work, so a large config never blocks the process.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { listConfigFiles } from './config-files';
import { DEFAULT_INPUT_LIMITS, formatBytes, InputLimits } from './input-limits';
import { cutForMessage } from '../model';
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler, SourceProblem } from './source';
import { readYamlAsKubectlInSlices, YamlDocument } from './yaml/kubectl-yaml';

export interface DirectorySourceOptions {
  readonly dir: string;
  /** Quiet time after the last file event before re-reading. @default 50 */
  readonly settleMs?: number;
  /**
   * Longest wait after the first unapplied file event, however often files keep changing.
   * @default 4 × settleMs
   */
  readonly maxWaitMs?: number;
  /** Interval of the full scan where file events cannot be relied on. @default 2000 */
  readonly pollMs?: number;
  /** Interval of the full scan while the file watch reports changes. @default 20000 */
  readonly resyncMs?: number;
  /** Watch for file events; false relies on the `pollMs` scan alone. @default true */
  readonly watch?: boolean;
  /** @default DEFAULT_INPUT_LIMITS */
  readonly limits?: InputLimits;
  /** Longest stretch of parsing before other work gets a turn. @default 10 */
  readonly sliceMs?: number;
}

/** A file's text as last read, and how it read. */
interface ReadFile {
  readonly text: string;
  readonly digest: string;
  readonly parsed?: readonly YamlDocument[];
  /** Why the text cannot be served; undefined when it reads. */
  readonly problem?: string;
}

export class DirectorySource implements ConfigSource {
  private readonly settleMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly resyncMs: number;
  /** A file event arrived since the last re-read began. */
  private eventSinceRead = false;
  /** Whether the watch is relied on (scans every `resyncMs`) rather than the `pollMs` scan. */
  private watchTrusted = false;
  private readonly lastGood = new Map<string, ReadFile>();
  private readonly lastRead = new Map<string, ReadFile & { readonly stamp?: string }>();
  private lastSignature = '';
  private lastProblemsKey = '';
  private watcher: fs.FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  /** `Date.now()` by which pending events must be applied; undefined when none are pending. */
  private reloadDeadline: number | undefined;
  private onUpdate: ConfigUpdateHandler | undefined;
  private stopped = false;
  /** The reload in progress: reloads never overlap, a request during one runs once it ends. */
  private reloading: Promise<void> | undefined;
  private reloadRequested = false;

  constructor(private readonly options: DirectorySourceOptions) {
    this.settleMs = options.settleMs ?? 50;
    this.maxWaitMs = Math.max(this.settleMs, options.maxWaitMs ?? this.settleMs * 4);
    this.pollMs = options.pollMs ?? 2000;
    this.resyncMs = Math.max(this.pollMs, options.resyncMs ?? 20_000);
  }

  /** How often the full scan runs now. */
  get scanIntervalMs(): number {
    return this.watchTrusted ? this.resyncMs : this.pollMs;
  }

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    const stat = await fs.promises.stat(this.options.dir).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new Error(`config directory '${this.options.dir}' does not exist or is not a directory; pass --dir <path to synthesized YAML>`);
    }
    this.onUpdate = onUpdate;
    await this.reload('config:initial-load', true);
    if (this.options.watch !== false) {
      try {
        this.watcher = fs.watch(this.options.dir, { recursive: true }, () => {
          this.eventSinceRead = true;
          this.scheduleReload();
        });
        this.watcher.on('error', () => this.distrustWatch()); // the scan keeps working when the watch breaks
        this.watchTrusted = true;
      } catch {
        this.watcher = undefined;
      }
    }
    this.startScanTimer();
  }

  private startScanTimer(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => this.scheduleReload(), this.scanIntervalMs);
    this.pollTimer.unref();
  }

  private distrustWatch(): void {
    if (!this.watchTrusted || this.stopped) return;
    this.watchTrusted = false;
    this.startScanTimer();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
  }

  private scheduleReload(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.reloadDeadline ??= now + this.maxWaitMs;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    const delay = Math.max(0, Math.min(this.settleMs, this.reloadDeadline - now));
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.reloadDeadline = undefined;
      void this.reloadSerially('config:file-changed');
    }, delay);
  }

  private async reloadSerially(reason: string): Promise<void> {
    if (this.reloading) {
      this.reloadRequested = true;
      return;
    }
    this.reloading = this.reload(reason, false).catch((error: Error) => this.reportReloadFailure(error));
    await this.reloading;
    this.reloading = undefined;
    if (this.reloadRequested && !this.stopped) {
      this.reloadRequested = false;
      await this.reloadSerially(reason);
    }
  }

  /** An unexpected failure (a bug, not bad input) keeps the served set and says so, instead of going unnoticed. */
  private reportReloadFailure(error: Error): void {
    const problems: SourceProblem[] = [{ source: this.options.dir, reason: `could not be re-read (${cutForMessage(error?.message ?? String(error))}); the previous config stays served` }];
    const documents = [...this.lastGood].map(([source, read]) => document(source, read));
    this.lastProblemsKey = '';
    if (!this.stopped) this.onUpdate?.({ documents, problems, reason: 'config:reload-failed' });
  }

  /**
   * A file's text and how it reads. The poll visits every file every `pollMs`; a file whose stat
   * is unchanged since it was last read is neither read nor parsed again.
   */
  private async read(file: string): Promise<ReadFile> {
    const stat = await fs.promises.stat(file, { bigint: true }).catch(() => undefined);
    const stamp = stat ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : undefined;
    const previous = this.lastRead.get(file);
    if (stamp !== undefined && previous?.stamp === stamp) return previous;
    const limits = this.options.limits ?? DEFAULT_INPUT_LIMITS;
    if (stat && stat.size > BigInt(limits.maxFileBytes)) {
      const read = { text: '', digest: '', problem: `is ${formatBytes(Number(stat.size))}; a config file may be at most ${formatBytes(limits.maxFileBytes)}; split it into several files` };
      this.lastRead.set(file, { ...read, stamp });
      return read;
    }
    const text = await fs.promises.readFile(file, 'utf8').catch((error: Error) => error);
    if (text instanceof Error) {
      this.lastRead.delete(file);
      return { text: '', digest: '', problem: `cannot be read: ${cutForMessage(text.message)}` };
    }
    const digest = createHash('sha256').update(text).digest('hex');
    const read = previous?.digest === digest ? { ...previous, stamp } : { stamp, text, digest, ...await this.parse(text, limits) };
    if (stamp !== undefined) this.lastRead.set(file, read);
    return read;
  }

  private async parse(text: string, limits: InputLimits): Promise<Pick<ReadFile, 'parsed' | 'problem'>> {
    const read = await readYamlAsKubectlInSlices(text, { limits, sliceMs: this.options.sliceMs });
    return read.problem === undefined ? { parsed: read.documents } : { problem: read.problem };
  }

  /** Re-reads every file into a new set; emits only when the served set or the problems changed. */
  private async reload(reason: string, always: boolean): Promise<void> {
    const announced = this.eventSinceRead;
    this.eventSinceRead = false;
    const listed = await listConfigFiles(this.options.dir);
    const documents: ConfigDocument[] = [];
    const problems: SourceProblem[] = [...listed.problems];
    const present = new Set(listed.files);
    for (const file of [...this.lastGood.keys()]) if (!present.has(file)) this.lastGood.delete(file);
    for (const file of [...this.lastRead.keys()]) if (!present.has(file)) this.lastRead.delete(file);

    for (const file of listed.files) {
      const read = await this.read(file);
      if (read.problem === undefined) {
        this.lastGood.set(file, read);
      } else {
        const kept = this.lastGood.has(file) ? '; its previous version is still served' : '; nothing from it is served';
        problems.push({ source: file, reason: `${read.problem}${kept}` });
      }
      const served = this.lastGood.get(file);
      if (served !== undefined) documents.push(document(file, served));
    }

    const signature = createHash('sha256').update(documents.map((doc) => `${doc.source}\0${this.lastGood.get(doc.source)!.digest}`).join('\0')).digest('hex');
    const problemsKey = problems.map((problem) => `${problem.source}:${problem.reason}`).join('\n');
    if (!always && signature === this.lastSignature && problemsKey === this.lastProblemsKey) return;
    // A change no event announced: this volume's events cannot be relied on, so scan often.
    if (!always && !announced) this.distrustWatch();
    this.lastSignature = signature;
    this.lastProblemsKey = problemsKey;
    if (!this.stopped) this.onUpdate?.({ documents, problems, reason });
  }
}

function document(source: string, read: ReadFile): ConfigDocument {
  return { source, text: read.text, parsed: read.parsed };
}
