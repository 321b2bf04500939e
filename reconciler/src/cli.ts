#!/usr/bin/env node
/**
 * `cdk8s-mesh-reconciler`: serves the mesh config in a directory (or, later, a cluster) to Envoy
 * sidecars over ADS. Exits 0 on SIGTERM/SIGINT after closing streams, 1 on a startup error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { KubernetesSource } from './config/kubernetes-source';
import { DirectorySource } from './config/directory-source';
import type { MeshObjectValidator } from './config/ingest';
import type { ConfigSource } from './config/source';
import { createLogger, Logger } from './log';
import { IstioSchemaValidator } from './model';
import { DEFAULT_MESH_SETTINGS, MeshSettings } from './push/mesh-settings';
import { Reconciler } from './reconciler';
import { generateProxyResources } from './xds/generators';

const USAGE = `usage: cdk8s-mesh-reconciler [--source=directory --dir <path> | --source=kubernetes]
  --dir <path>           directory of synthesized mesh YAML (directory source)
  --xds-port <n>         ADS gRPC port (default 15010)
  --ops-port <n>         health, metrics and debug HTTP port (default 15014)
  --host <addr>          bind address (default 0.0.0.0)
  --debounce-ms <n>      quiet time before a config change is pushed (default 20)
  --trust-domain <name>  SPIFFE trust domain (default cluster.local)
  --mesh-config <file>   YAML/JSON with mesh settings (trustDomain, outboundTrafficPolicy, defaultMtlsMode, clusterDomain)
  --crds <file>          Istio CRDs to validate objects against (default: the bundled crd-all.gen.yaml)
  --log-level <level>    pino level (default info)`;

/** Parsed command line; exported for tests. */
export interface CliOptions {
  readonly source: 'directory' | 'kubernetes';
  readonly dir?: string;
  readonly xdsPort: number;
  readonly opsPort: number;
  readonly host: string;
  readonly debounceMs: number;
  readonly trustDomain?: string;
  readonly meshConfig?: string;
  readonly crds?: string;
  readonly logLevel?: string;
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'source': { type: 'string', default: 'directory' },
      'dir': { type: 'string' },
      'xds-port': { type: 'string', default: '15010' },
      'ops-port': { type: 'string', default: '15014' },
      'host': { type: 'string', default: '0.0.0.0' },
      'debounce-ms': { type: 'string', default: '20' },
      'trust-domain': { type: 'string' },
      'mesh-config': { type: 'string' },
      'crds': { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const source = values.source;
  if (source !== 'directory' && source !== 'kubernetes') {
    throw new Error(`--source is '${source}'; it must be 'directory' or 'kubernetes'`);
  }
  if (source === 'directory' && !values.dir) throw new Error('--source=directory needs --dir <path to the synthesized YAML>');
  return {
    source,
    dir: values.dir,
    xdsPort: integerFlag('--xds-port', values['xds-port']!),
    opsPort: integerFlag('--ops-port', values['ops-port']!),
    host: values.host!,
    debounceMs: integerFlag('--debounce-ms', values['debounce-ms']!),
    trustDomain: values['trust-domain'],
    meshConfig: values['mesh-config'],
    crds: values.crds,
    logLevel: values['log-level'],
  };
}

function integerFlag(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${flag} is '${text}'; it must be a whole number from 0 to 65535`);
  return value;
}

/** Mesh settings: defaults, then the --mesh-config file, then --trust-domain. */
export function loadMeshSettings(options: Pick<CliOptions, 'meshConfig' | 'trustDomain'>): MeshSettings {
  let fromFile: Partial<MeshSettings> = {};
  if (options.meshConfig) {
    const parsed = parseYaml(fs.readFileSync(options.meshConfig, 'utf8')) as unknown;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new Error(`--mesh-config ${options.meshConfig} must hold a map of mesh settings, e.g. 'trustDomain: example.org'`);
    }
    const unknownKeys = Object.keys(parsed ?? {}).filter((key) => !(key in DEFAULT_MESH_SETTINGS));
    if (unknownKeys.length > 0) {
      throw new Error(`--mesh-config ${options.meshConfig} has unknown settings ${unknownKeys.join(', ')}; known: ${Object.keys(DEFAULT_MESH_SETTINGS).join(', ')}`);
    }
    fromFile = (parsed ?? {}) as Partial<MeshSettings>;
  }
  return { ...DEFAULT_MESH_SETTINGS, ...fromFile, ...(options.trustDomain ? { trustDomain: options.trustDomain } : {}) };
}

/** The CRDs shipped next to the build (repo root `imports/istio/`, also copied into the image). */
const BUNDLED_CRDS = path.resolve(__dirname, '../../../../imports/istio/crd-all.gen.yaml');

function loadValidator(crdsFile: string | undefined, log: Logger): MeshObjectValidator | undefined {
  const file = crdsFile ?? BUNDLED_CRDS;
  if (!fs.existsSync(file)) {
    if (crdsFile) throw new Error(`--crds ${crdsFile} does not exist`);
    log.warn({ file }, 'bundled Istio CRDs not found; objects are not checked against their schemas');
    return undefined;
  }
  const crds = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => doc.toJS() as object).filter((doc) => doc);
  return new IstioSchemaValidator(crds);
}

function createSource(options: CliOptions): ConfigSource {
  if (options.source === 'kubernetes') return new KubernetesSource();
  return new DirectorySource({ dir: options.dir! });
}

export async function main(argv: readonly string[]): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: options.logLevel });
  try {
    const mesh = loadMeshSettings(options);
    const reconciler = new Reconciler({
      source: createSource(options),
      mesh,
      generate: (push, proxy) => generateProxyResources(push, proxy),
      log,
      validator: loadValidator(options.crds, log),
      debounceMs: options.debounceMs,
      xds: { host: options.host, port: options.xdsPort },
      ops: { host: options.host, port: options.opsPort },
    });
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      reconciler.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    await reconciler.start();
  } catch (error) {
    log.fatal({ err: (error as Error).message }, 'reconciler failed to start');
    process.exit(1);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
