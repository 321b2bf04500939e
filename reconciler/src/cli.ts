#!/usr/bin/env node
/**
 * `cdk8s-mesh-reconciler`: serves the mesh config in a directory or a cluster to Envoy sidecars
 * over ADS, plaintext and TLS, with workload certificates from the mesh CA. Exits 0 on
 * SIGTERM/SIGINT after closing streams, 1 on a startup error, 2 on bad flags; `--help` prints
 * the usage and exits 0.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { parse as parseYaml } from 'yaml';
import { DirectorySource } from './config/directory-source';
import type { MeshObjectValidator } from './config/ingest';
import { FileLastAcceptedStore } from './config/last-accepted-store';
import { createLogger, Logger } from './log';
import { clusterScopedName, RECONCILER_PORTS } from './model';
import type { ModeBackends } from './mode-backends';
import { readCrdDocuments } from './config/crd-documents';
import { CrdValidator } from './config/crd-validator';
import { DEFAULT_MESH_SETTINGS, MeshSettings, meshSettingsFromConfig } from './push/mesh-settings';
import { DEFAULT_HEALTH_THRESHOLDS, HealthThresholds, parseHealthThresholds } from './observatory/health';
import { tokenFileReader } from './ops/bearer-token';
import { checkLeaseTiming, DEFAULT_LEASE_TIMING, LeaseTiming } from './leadership/lease-elector';
import { Reconciler } from './reconciler';
import { FileRolloutStateStore } from './rollout/rollout-state-store';
import { DirectoryCaStore } from './security/directory-ca-store';
import { loadMeshSecurity } from './security/mesh-security';
import { createXdsServingCredentials } from './security/serving-credentials';
import { DEFAULT_TOKEN_AUDIENCE } from './security/token-review-authenticator';
import { LOOPBACK_AUTHENTICATOR, TRUST_ALL_AUTHENTICATOR } from './xds/ads/proxy-authentication';
import { generateProxyResources } from './xds/generators';

export const USAGE = `usage: cdk8s-mesh-reconciler --source=directory --dir <path> --data-dir <path> [flags]
       cdk8s-mesh-reconciler --source=kubernetes [flags]
       cdk8s-mesh-reconciler --help

flags:
  --source <directory|kubernetes>  where the mesh config comes from (default directory)
  --dir <path>                directory of synthesized mesh YAML (directory source)
  --data-dir <path>           directory mode, required: the reconciler's state (rollout steps in
                              <data-dir>/rollouts.json), the mesh root CA
                              and its private key in <data-dir>/ca; keep it private to the
                              reconciler and outside the watched tree (the image uses
                              /var/lib/cdk8s-mesh)
  --namespace <name>          Kubernetes mode: the reconciler's namespace, holding the mesh-ca Secret,
                              the mesh-last-accepted and mesh-rollouts ConfigMaps and the
                              mesh-rollout-leader Lease (default $POD_NAMESPACE)
  --kubeconfig <file>         Kubernetes mode: API server credentials (default: the pod's service
                              account, else $KUBECONFIG, else ~/.kube/config)
  --xds-port <n>              plaintext ADS gRPC port, always bound to 127.0.0.1 (default 15010)
  --xds-tls-port <n>          ADS gRPC port with TLS, certificate from the mesh CA (default 15012)
  --webhook-port <n>          Kubernetes mode: HTTPS validating admission webhook (default 15017)
  --webhook-configuration <n> Kubernetes mode: the ValidatingWebhookConfiguration whose caBundle the
                              reconciler sets (default mesh-reconciler-<namespace>)
  --xds-tls-names <a,b>       DNS names on the xDS serving certificate (default: the reconciler
                              Service names in Kubernetes mode, localhost in directory mode)
  --xds-tls-ips <a,b>         IP addresses on it (default: $POD_IP, or 127.0.0.1 in directory mode)
  --ops-port <n>              health, metrics and debug HTTP port (default 15014)
  --ops-token-file <file>     bearer token (the file's content, re-read on every use) that operator
                              actions on the ops port need: POST /rollouts/<namespace>/
                              <virtualservice>/<route>/<pause|resume|abort|promote>; without it
                              those actions are refused. With it, the observatory (/ui, /api)
                              needs it too: open /ui?token=<token> once
  --ops-host <addr>           bind address of the ops port (health, metrics, debug, the observatory
                              at /ui): default 127.0.0.1 in directory mode; in Kubernetes mode
                              --host, since the kubelet's probes and Prometheus reach the pod IP
  --health-thresholds <t>     the observatory's error-rate thresholds, degraded:failure in percent
                              (default Kiali's: 5xx=0:10,4xx=10:20)
  --host <addr>               bind address of the xDS TLS and webhook ports (default 0.0.0.0)
  --debounce-ms <n>           quiet time before a config change is pushed (default 20)
  --trust-domain <name>       SPIFFE trust domain (overrides the mesh config)
  --mesh-config <file>        YAML/JSON mesh settings: ${Object.keys(DEFAULT_MESH_SETTINGS).join(', ')}
  --crds <file>               Istio CRDs to validate objects against (default: the bundled crd-all.gen.yaml)
  --ca-dir <path>             directory mode root CA, instead of <data-dir>/ca
  --ca-cert-out <file>        write the root CA certificate here, for bootstraps to verify xDS TLS
  --cert-lifetime <duration>  workload and serving certificate lifetime, e.g. 24h, 90m (default 24h)
  --rotation-check <duration> how often certificates are checked for rotation (default 60s)
  --token-audience <name>     Kubernetes mode: audience of proxy tokens (default ${DEFAULT_TOKEN_AUDIENCE})
  --trust-remote-proxies      directory mode only: serve proxies beyond loopback on the TLS port and
                              believe the identity they claim, handing them that identity's private
                              key (private networks only; refused in Kubernetes mode)
  --istio-body-size-metrics   also expose istio_request_bytes and istio_response_bytes on /metrics
  --leader-elect-lease-duration <d>  Kubernetes mode: how long replicas wait for an unrenewed rollout
                              Lease (mesh-rollout-leader) before one takes over (default 15s)
  --leader-elect-renew-deadline <d>  how long the leader keeps executing rollouts without renewing
                              it (default 10s)
  --leader-elect-retry-period <d>    how often the Lease is renewed or tried (default 2s)
  --log-level <level>         pino level (default $LOG_LEVEL, else info)
  -h, --help                  print this help and exit

environment:
  POD_NAMESPACE               Kubernetes mode: the reconciler's namespace when --namespace is not
                              given (set it from the downward API)
  POD_NAME                    Kubernetes mode: this replica's name in Events and in the rollout
                              Lease (default the host name; the Mesh construct sets it)
  POD_IP                      IP address on the xDS serving certificate (default 127.0.0.1 in
                              directory mode)
  KUBECONFIG                  Kubernetes mode without --kubeconfig: kubeconfig file(s) to reach the
                              API server; without it ~/.kube/config, then the pod's service account
                              (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT)
  LOG_LEVEL                   log level when --log-level is not given

exit status: 0 after SIGTERM/SIGINT or --help, 1 when startup fails, 2 on bad flags`;

/** Parsed command line; exported for tests. */
export interface CliOptions {
  readonly source: 'directory' | 'kubernetes';
  readonly dir?: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly xdsPort: number;
  readonly webhookPort: number;
  readonly webhookConfiguration?: string;
  readonly xdsTlsPort: number;
  readonly xdsTlsNames?: readonly string[];
  readonly xdsTlsIps?: readonly string[];
  readonly opsPort: number;
  readonly opsTokenFile?: string;
  readonly opsHost: string;
  readonly healthThresholds: HealthThresholds;
  readonly host: string;
  readonly debounceMs: number;
  readonly trustDomain?: string;
  readonly meshConfig?: string;
  readonly crds?: string;
  /** Directory mode: where the root CA and its key are kept. */
  readonly caDir?: string;
  readonly caCertOut?: string;
  readonly certLifetimeMs: number;
  readonly rotationCheckMs: number;
  readonly tokenAudience: string;
  readonly trustRemoteProxies: boolean;
  readonly istioBodySizeMetrics: boolean;
  readonly logLevel?: string;
  /** Kubernetes mode: the rollout Lease's timing. */
  readonly leaseTiming: LeaseTiming;
}

/** `--help` or `-h` anywhere before a `--` asks for the usage, whatever else the line holds. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = explainFlagErrors(() => parseArgs({
    args: [...argv],
    options: {
      'source': { type: 'string', default: 'directory' },
      'dir': { type: 'string' },
      'namespace': { type: 'string' },
      'kubeconfig': { type: 'string' },
      'xds-port': { type: 'string', default: String(RECONCILER_PORTS.xdsPlaintext) },
      'xds-tls-port': { type: 'string', default: String(RECONCILER_PORTS.xdsTls) },
      'webhook-port': { type: 'string', default: String(RECONCILER_PORTS.webhook) },
      'webhook-configuration': { type: 'string' },
      'xds-tls-names': { type: 'string' },
      'xds-tls-ips': { type: 'string' },
      'ops-port': { type: 'string', default: String(RECONCILER_PORTS.monitoring) },
      'ops-token-file': { type: 'string' },
      'ops-host': { type: 'string' },
      'health-thresholds': { type: 'string' },
      'host': { type: 'string', default: '0.0.0.0' },
      'debounce-ms': { type: 'string', default: '20' },
      'trust-domain': { type: 'string' },
      'mesh-config': { type: 'string' },
      'crds': { type: 'string' },
      'data-dir': { type: 'string' },
      'ca-dir': { type: 'string' },
      'ca-cert-out': { type: 'string' },
      'cert-lifetime': { type: 'string', default: '24h' },
      'rotation-check': { type: 'string', default: '60s' },
      'token-audience': { type: 'string', default: DEFAULT_TOKEN_AUDIENCE },
      'trust-remote-proxies': { type: 'boolean', default: false },
      'istio-body-size-metrics': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      'leader-elect-lease-duration': { type: 'string', default: `${DEFAULT_LEASE_TIMING.leaseDurationMs / 1000}s` },
      'leader-elect-renew-deadline': { type: 'string', default: `${DEFAULT_LEASE_TIMING.renewDeadlineMs / 1000}s` },
      'leader-elect-retry-period': { type: 'string', default: `${DEFAULT_LEASE_TIMING.retryPeriodMs / 1000}s` },
    },
    strict: true,
  }));
  const source = values.source;
  if (source !== 'directory' && source !== 'kubernetes') {
    throw new Error(`--source is '${source}'; it must be 'directory' or 'kubernetes'`);
  }
  if (source === 'directory' && !values.dir) throw new Error('--source=directory needs --dir <path to the synthesized YAML>');
  const namespace = values.namespace ?? env.POD_NAMESPACE;
  if (source === 'kubernetes' && !namespace) {
    throw new Error('--source=kubernetes needs --namespace or $POD_NAMESPACE (the namespace holding the mesh-ca Secret); set POD_NAMESPACE from the downward API');
  }
  if (source === 'kubernetes' && values['trust-remote-proxies']) {
    throw new Error('--trust-remote-proxies cannot be used with --source=kubernetes: every proxy proves its identity with a service-account token there');
  }
  if (source === 'directory' && !values['data-dir'] && !values['ca-dir']) {
    throw new Error('--source=directory needs --data-dir <path>: the mesh root CA and its private key are kept in <path>/ca; '
      + 'choose a directory only the reconciler can read, outside the watched config (the image uses /var/lib/cdk8s-mesh)');
  }
  const leaseTiming: LeaseTiming = {
    leaseDurationMs: durationFlag('--leader-elect-lease-duration', values['leader-elect-lease-duration']!),
    renewDeadlineMs: durationFlag('--leader-elect-renew-deadline', values['leader-elect-renew-deadline']!),
    retryPeriodMs: durationFlag('--leader-elect-retry-period', values['leader-elect-retry-period']!),
  };
  checkLeaseTiming(leaseTiming);
  return {
    source,
    dir: values.dir,
    namespace: source === 'kubernetes' ? namespace : undefined,
    kubeconfig: values.kubeconfig,
    xdsPort: wholeNumberFlag('--xds-port', values['xds-port']!),
    webhookPort: wholeNumberFlag('--webhook-port', values['webhook-port']!),
    webhookConfiguration: values['webhook-configuration'],
    xdsTlsPort: wholeNumberFlag('--xds-tls-port', values['xds-tls-port']!),
    xdsTlsNames: listFlag(values['xds-tls-names']),
    xdsTlsIps: listFlag(values['xds-tls-ips']),
    opsPort: wholeNumberFlag('--ops-port', values['ops-port']!),
    opsTokenFile: values['ops-token-file'],
    opsHost: values['ops-host'] ?? (source === 'kubernetes' ? values.host! : '127.0.0.1'),
    healthThresholds: values['health-thresholds'] ? parseHealthThresholds(values['health-thresholds']) : DEFAULT_HEALTH_THRESHOLDS,
    host: values.host!,
    debounceMs: wholeNumberFlag('--debounce-ms', values['debounce-ms']!),
    trustDomain: values['trust-domain'],
    meshConfig: values['mesh-config'],
    crds: values.crds,
    caDir: values['ca-dir'] ?? (values['data-dir'] ? path.join(values['data-dir'], 'ca') : undefined),
    caCertOut: values['ca-cert-out'],
    certLifetimeMs: durationFlag('--cert-lifetime', values['cert-lifetime']!),
    rotationCheckMs: durationFlag('--rotation-check', values['rotation-check']!),
    tokenAudience: values['token-audience']!,
    trustRemoteProxies: values['trust-remote-proxies']!,
    istioBodySizeMetrics: values['istio-body-size-metrics']!,
    logLevel: values['log-level'],
    leaseTiming,
  };
}

/** node:util's parse errors speak of positionals and option tokens; these say what to type instead. */
function explainFlagErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    const token = /'([^']*)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown flag '${token}'; see --help for the flags`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new Error(`unexpected argument '${token}'; every value belongs to a flag, as --flag value or --flag=value`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${message}; see --help for the flags`);
    throw error;
  }
}

function wholeNumberFlag(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${flag} is '${text}'; it must be a whole number from 0 to 65535`);
  return value;
}

function listFlag(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter(Boolean);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationFlag(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const value = match ? Number(match[1]) * DURATION_UNITS_MS[match[2]] : NaN;
  if (!(value > 0)) throw new Error(`${flag} is '${text}'; it must be a positive duration such as 500ms, 30s, 90m or 24h`);
  return value;
}

/** Mesh settings: defaults, then the --mesh-config file, then --trust-domain. */
export function loadMeshSettings(options: Pick<CliOptions, 'meshConfig' | 'trustDomain'>): MeshSettings {
  const fromFile = options.meshConfig
    ? meshSettingsFromConfig(parseYaml(fs.readFileSync(options.meshConfig, 'utf8')) as unknown, `--mesh-config ${options.meshConfig}`)
    : DEFAULT_MESH_SETTINGS;
  return { ...fromFile, ...(options.trustDomain ? { trustDomain: options.trustDomain } : {}) };
}

/** The names proxies dial the reconciler by: its Service in Kubernetes mode, loopback otherwise. */
export function servingCertificateNames(options: CliOptions, mesh: MeshSettings, env: NodeJS.ProcessEnv = process.env) {
  const namespace = options.namespace ?? env.POD_NAMESPACE ?? '';
  const dnsNames = options.xdsTlsNames ?? (options.source === 'kubernetes'
    ? [`mesh-reconciler.${namespace}.svc`, `mesh-reconciler.${namespace}.svc.${mesh.clusterDomain}`]
    : ['localhost']);
  const ipAddresses = options.xdsTlsIps ?? (env.POD_IP ? [env.POD_IP] : options.source === 'directory' ? ['127.0.0.1'] : []);
  return { dnsNames, ipAddresses };
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
  return new CrdValidator(readCrdDocuments(file));
}

/** Kubernetes modules load `@kubernetes/client-node` (ESM-only), so they are required only in that mode. */
async function modeBackends(options: CliOptions, log: Logger): Promise<ModeBackends> {
  if (options.source === 'kubernetes') {
    const { kubernetesModeBackends } = await import('./kubernetes-mode');
    return kubernetesModeBackends({
      namespace: options.namespace!,
      kubeconfig: options.kubeconfig,
      tokenAudience: options.tokenAudience,
      podName: process.env.POD_NAME ?? os.hostname(),
      webhook: { host: options.host, port: options.webhookPort, configurationName: options.webhookConfiguration ?? clusterScopedName(options.namespace!) },
      leaseTiming: options.leaseTiming,
    }, log);
  }
  if (options.trustRemoteProxies) {
    log.warn('--trust-remote-proxies: any peer that reaches the TLS xDS port may claim any identity and receive its private key; use it only on a private network you control');
  }
  return {
    source: new DirectorySource({ dir: options.dir! }),
    caStore: new DirectoryCaStore(options.caDir!),
    authenticator: options.trustRemoteProxies ? TRUST_ALL_AUTHENTICATOR : LOOPBACK_AUTHENTICATOR,
    // The last accepted config lives beside the CA: both are the reconciler's own state.
    lastAccepted: new FileLastAcceptedStore(path.join(path.dirname(options.caDir!), 'last-accepted.json')),
    rolloutState: new FileRolloutStateStore(path.join(path.dirname(options.caDir!), 'rollouts.json')),
  };
}

/** Writes the root certificate atomically, so a bootstrap never reads a half-written file. */
function writeRootCertificate(file: string, pem: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, pem, { mode: 0o644 });
  fs.renameSync(temp, file);
}

export async function main(argv: readonly string[]): Promise<void> {
  if (asksForHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nrun 'cdk8s-mesh-reconciler --help' for the flags and environment variables\n`);
    process.exit(2);
  }
  const log = createLogger({ level: options.logLevel });
  try {
    const mesh = loadMeshSettings(options);
    const backends = await modeBackends(options, log);
    const security = await loadMeshSecurity(backends.caStore, mesh, { certificateLifetimeMs: options.certLifetimeMs });
    log.info({ trustDomain: security.ca.trustDomain, caStore: backends.caStore.description, caCertOut: options.caCertOut }, 'mesh CA loaded');
    if (options.caCertOut) writeRootCertificate(options.caCertOut, security.ca.certificatePem);
    const serving = await createXdsServingCredentials(security.ca, servingCertificateNames(options, mesh), {
      lifetimeMs: options.certLifetimeMs,
      onRenewalError: (error) => log.error({ err: error.message }, 'renewing the xDS serving certificate failed; the current one stays in use'),
    });
    const reconciler = new Reconciler({
      source: backends.source,
      mesh,
      generate: (push, proxy) => generateProxyResources(push, proxy, security.extensions),
      certificates: security.certificates,
      rotationCheckMs: options.rotationCheckMs,
      authenticator: backends.authenticator,
      lastAccepted: backends.lastAccepted,
      rolloutState: backends.rolloutState,
      rolloutLeadership: backends.rolloutLeadership,
      rolloutPeers: backends.rolloutPeers,
      onRolloutTransition: backends.onRolloutTransition,
      opsToken: options.opsTokenFile ? tokenFileReader(options.opsTokenFile, (message) => log.warn(message)) : undefined,
      onRejected: backends.onRejected,
      log,
      validator: loadValidator(options.crds, log),
      debounceMs: options.debounceMs,
      // Plaintext carries workload keys over SDS: it never leaves the host.
      xds: { host: '127.0.0.1', port: options.xdsPort },
      xdsTls: { host: options.host, port: options.xdsTlsPort, credentials: serving.credentials },
      ops: { host: options.opsHost, port: options.opsPort },
      healthThresholds: options.healthThresholds,
      telemetry: { bodySizeMetrics: options.istioBodySizeMetrics },
    });
    let stopExtras: (() => Promise<void>) | undefined;
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      serving.stop();
      Promise.all([reconciler.stop(), stopExtras?.()]).then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    await reconciler.start();
    stopExtras = await backends.afterStart?.({ reconciler, serving, rootCertificatePem: security.ca.certificatePem });
  } catch (error) {
    log.fatal({ err: (error as Error).message }, 'reconciler failed to start');
    process.exit(1);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
