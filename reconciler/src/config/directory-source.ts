/**
 * Serves every `*.yaml|*.yml|*.json` under a directory (recursively), e.g. the output of `cdk8s synth`.
 * Changes are noticed by fs.watch, with a poll as fallback (some volume types, like Kubernetes
 * ConfigMap mounts swapped by symlink, do not always raise events), and applied after a short
 * settle delay so an editor's or `kubectl cp`'s multi-step write lands as one change. The settle delay
 * restarts on every event but never beyond `maxWaitMs` after the first unapplied one, so a steady
 * stream of writes still reaches the proxies. A file that does not parse keeps its previous good
 * text in the set: one bad save never removes live config.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler, SourceProblem } from './source';

export interface DirectorySourceOptions {
  readonly dir: string;
  /** Quiet time after the last file event before re-reading. @default 50 */
  readonly settleMs?: number;
  /**
   * Longest wait after the first unapplied file event, however often files keep changing.
   * @default 4 × settleMs
   */
  readonly maxWaitMs?: number;
  /** Poll interval of the fallback scan. @default 2000 */
  readonly pollMs?: number;
}

const CONFIG_FILE = /\.(ya?ml|json)$/i;

interface ReadFile {
  readonly text: string;
  /** Why the text cannot be served; undefined when it parses. */
  readonly problem?: string;
}

export class DirectorySource implements ConfigSource {
  private readonly settleMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly lastGood = new Map<string, string>();
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

  constructor(private readonly options: DirectorySourceOptions) {
    this.settleMs = options.settleMs ?? 50;
    this.maxWaitMs = Math.max(this.settleMs, options.maxWaitMs ?? this.settleMs * 4);
    this.pollMs = options.pollMs ?? 2000;
  }

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    const stat = await fs.promises.stat(this.options.dir).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new Error(`config directory '${this.options.dir}' does not exist or is not a directory; pass --dir <path to synthesized YAML>`);
    }
    this.onUpdate = onUpdate;
    await this.reload('config:initial-load', true);
    try {
      this.watcher = fs.watch(this.options.dir, { recursive: true }, () => this.scheduleReload());
      this.watcher.on('error', () => undefined); // the poll keeps working when the watch breaks
    } catch {
      this.watcher = undefined;
    }
    this.pollTimer = setInterval(() => this.scheduleReload(), this.pollMs);
    this.pollTimer.unref();
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
      this.reload('config:file-changed', false).catch(() => undefined);
    }, delay);
  }

  /**
   * A file's text and syntax problem. The poll visits every file every `pollMs`; a file whose stat
   * is unchanged since it was last read is neither read nor parsed again.
   */
  private async read(file: string): Promise<ReadFile> {
    const stamp = await fileStamp(file);
    const previous = this.lastRead.get(file);
    if (stamp !== undefined && previous?.stamp === stamp) return previous;
    const text = await fs.promises.readFile(file, 'utf8').catch((error: Error) => error);
    if (text instanceof Error) {
      this.lastRead.delete(file);
      return { text: '', problem: `cannot be read: ${text.message}` };
    }
    const read = { stamp, text, problem: previous?.text === text ? previous.problem : parseProblem(text) };
    if (stamp !== undefined) this.lastRead.set(file, read);
    return read;
  }

  /** Re-reads every file into a new set; emits only when the served set or the problems changed. */
  private async reload(reason: string, always: boolean): Promise<void> {
    const files = await listConfigFiles(this.options.dir);
    const documents: ConfigDocument[] = [];
    const problems: SourceProblem[] = [];
    const present = new Set(files);
    for (const file of [...this.lastGood.keys()]) if (!present.has(file)) this.lastGood.delete(file);
    for (const file of [...this.lastRead.keys()]) if (!present.has(file)) this.lastRead.delete(file);

    for (const file of files) {
      const { text, problem } = await this.read(file);
      if (problem === undefined) {
        this.lastGood.set(file, text as string);
      } else {
        const kept = this.lastGood.has(file) ? '; its previous version is still served' : '; nothing from it is served';
        problems.push({ source: file, reason: `${problem}${kept}` });
      }
      const served = this.lastGood.get(file);
      if (served !== undefined) documents.push({ source: file, text: served });
    }

    const signature = createHash('sha256').update(documents.map((doc) => `${doc.source}\0${doc.text}`).join('\0')).digest('hex');
    const problemsKey = problems.map((problem) => `${problem.source}:${problem.reason}`).join('\n');
    if (!always && signature === this.lastSignature && problemsKey === this.lastProblemsKey) return;
    this.lastSignature = signature;
    this.lastProblemsKey = problemsKey;
    if (!this.stopped) this.onUpdate?.({ documents, problems, reason });
  }
}

/** The file's identity, size and change times: equal stamps mean the file was not rewritten. */
async function fileStamp(file: string): Promise<string | undefined> {
  const stat = await fs.promises.stat(file, { bigint: true }).catch(() => undefined);
  return stat ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : undefined;
}

/** The first YAML/JSON syntax error of a text, or undefined when it parses. */
function parseProblem(text: string): string | undefined {
  for (const document of parseAllDocuments(text)) {
    const error = document.errors[0];
    if (error) return `is not valid YAML: ${error.message.split('\n')[0]}`;
  }
  return undefined;
}

/** Config files under `dir`, recursively, sorted; hidden entries (e.g. ConfigMap `..data`) are skipped. */
async function listConfigFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await fs.promises.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await fs.promises.stat(full).catch(() => undefined))?.isDirectory());
      if (isDirectory) await walk(full);
      else if (CONFIG_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(dir);
  return found.sort();
}
