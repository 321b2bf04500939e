/**
 * Starts a reconciler the way the CLI does (directory source, schema validation against the bundled
 * Istio CRDs, the production generators), optionally with a source fed over IPC instead of files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { DirectorySource } from '../src/config/directory-source';
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler } from '../src/config/source';
import { createLogger } from '../src/log';
import { CrdValidator } from '../src/config/crd-validator';
import { DEFAULT_MESH_SETTINGS } from '../src/push/mesh-settings';
import { Reconciler } from '../src/reconciler';
import { generateProxyResources } from '../src/xds/generators';

/** The bundled CRDs, found upwards from here: the compiled copy of this file sits deeper than the source. */
function bundledCrdFile(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'imports/istio/crd-all.gen.yaml');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`imports/istio/crd-all.gen.yaml not found above ${__dirname}; run the benchmark from the repository`);
}

/**
 * Reads a directory once, then takes file replacements pushed to it, with no settle delay: the way
 * an API-watch source delivers changes. Used where file-watch latency would hide the push pipeline.
 */
export class PushedFilesSource implements ConfigSource {
  private readonly files = new Map<string, string>();
  private onUpdate: ConfigUpdateHandler | undefined;

  constructor(private readonly dir: string) {}

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    for (const name of fs.readdirSync(this.dir).sort()) {
      this.files.set(path.join(this.dir, name), fs.readFileSync(path.join(this.dir, name), 'utf8'));
    }
    this.onUpdate = onUpdate;
    onUpdate({ documents: this.documents(), problems: [], reason: 'config:initial-load' });
  }

  async stop(): Promise<void> {
    this.onUpdate = undefined;
  }

  replace(file: string, text: string): void {
    this.files.set(file, text);
    this.onUpdate?.({ documents: this.documents(), problems: [], reason: 'config:file-changed' });
  }

  private documents(): ConfigDocument[] {
    return [...this.files].map(([source, text]) => ({ source, text }));
  }
}

export interface BenchReconcilerOptions {
  readonly dir: string;
  readonly source: 'directory' | 'pushed';
  readonly host?: string;
  readonly xdsPort?: number;
  readonly debounceMs?: number;
  /** Serve the ops HTTP API (`/debug/syncz`) on this port; omitted: no ops server. */
  readonly opsPort?: number;
  /** @default 'warn': per-proxy info lines would dominate the measured CPU at 1 000 proxies. */
  readonly logLevel?: string;
  /** @default true: validate against the bundled Istio CRDs, as the CLI does. */
  readonly validate?: boolean;
}

export async function startBenchReconciler(options: BenchReconcilerOptions): Promise<{ reconciler: Reconciler; xdsPort: number; opsPort?: number; source: ConfigSource }> {
  const source = options.source === 'directory' ? new DirectorySource({ dir: options.dir }) : new PushedFilesSource(options.dir);
  const crdFile = bundledCrdFile();
  const validator = options.validate === false ? undefined
    : new CrdValidator(parseAllDocuments(fs.readFileSync(crdFile, 'utf8')).map((doc) => doc.toJS() as object).filter(Boolean));
  const reconciler = new Reconciler({
    source,
    mesh: DEFAULT_MESH_SETTINGS,
    generate: (push, proxy) => generateProxyResources(push, proxy),
    log: createLogger({ level: options.logLevel ?? 'warn' }),
    validator,
    debounceMs: options.debounceMs ?? 20,
    xds: { host: options.host ?? '127.0.0.1', port: options.xdsPort ?? 0 },
    ops: options.opsPort === undefined ? undefined : { host: options.host ?? '127.0.0.1', port: options.opsPort },
  });
  const { xdsPort, opsPort } = await reconciler.start();
  return { reconciler, xdsPort, opsPort, source };
}
