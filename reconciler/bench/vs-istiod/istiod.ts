/**
 * istiod (`pilot-discovery discovery`, built at the pinned Istio version by ensure.sh) against the
 * benchmark's API server, in istio-system, serving plaintext xDS on 15010. Only the settings
 * upstream Envoy needs are changed (no istio-proxy-only filters: metadata exchange, ALPN, stats);
 * the tuned variant also lifts the 25 streams/s admission limit and debounces 20 ms, as ours does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureTestBinaries } from '../../../test/kubernetes/cluster/test-binaries';
import { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';
import { ControlPlane, waitForHttpOk } from './control-plane';
import { ISTIO_CLUSTER_ID } from './sidecar-identity';

export const ISTIOD_PORTS = { xds: 15010, xdsTls: 15012, monitoring: 15014, webhook: 15017, debug: 18080 } as const;

/** istiod's own defaults, for the notes: 25 new streams per second, 100 ms debounce. */
export const ISTIOD_DEFAULT_DEBOUNCE_MS = 100;
export const TUNED_ISTIOD_ENV = { PILOT_MAX_REQUESTS_PER_SECOND: '10000', PILOT_DEBOUNCE_AFTER: '20ms' } as const;

/** What upstream Envoy (not istio-proxy) needs from istiod. */
export const UPSTREAM_ENVOY_ENV = { PILOT_ENABLE_METADATA_EXCHANGE: 'false', PILOT_ENABLE_ALPN_FILTER: 'false' } as const;

/** `accessLog`: every proxy writes a TEXT line of this format to its standard output (off in the benchmark). */
export function istiodMeshConfig(accessLog?: { readonly format: string }): string {
  return ['trustDomain: cluster.local', 'rootNamespace: istio-system', 'defaultConfig:', '  discoveryAddress: 127.0.0.1:15012',
    'defaultProviders:', '  metrics: []',
    ...(accessLog ? ['accessLogFile: /dev/stdout', 'accessLogEncoding: TEXT', `accessLogFormat: ${JSON.stringify(accessLog.format)}`] : []),
    ''].join('\n');
}

export interface IstiodOptions {
  readonly tuned: boolean;
  readonly kubeconfigFile: string;
  readonly runDir: string;
  readonly accessLog?: { readonly format: string };
}

export async function startIstiod(options: IstiodOptions): Promise<ControlPlane> {
  const binary = ensureTestBinaries(['pilot-discovery'])('pilot-discovery');
  const dir = path.join(options.runDir, options.tuned ? 'istiod-tuned' : 'istiod-default');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'mesh.yaml'), istiodMeshConfig(options.accessLog));
  const process = ManagedProcess.start({
    command: binary,
    args: [
      'discovery', '--meshConfig', path.join(dir, 'mesh.yaml'), '--networksConfig', '/dev/null',
      '--namespace', 'istio-system', '--domain', 'cluster.local', '--kubeconfig', options.kubeconfigFile, '--shutdownDuration', '1s',
      '--httpAddr', `127.0.0.1:${ISTIOD_PORTS.debug}`, '--grpcAddr', `127.0.0.1:${ISTIOD_PORTS.xds}`,
      '--secureGRPCAddr', `127.0.0.1:${ISTIOD_PORTS.xdsTls}`, '--monitoringAddr', `127.0.0.1:${ISTIOD_PORTS.monitoring}`,
      '--httpsAddr', `127.0.0.1:${ISTIOD_PORTS.webhook}`,
    ],
    env: {
      PATH: globalThis.process.env.PATH, HOME: globalThis.process.env.HOME,
      POD_NAMESPACE: 'istio-system', POD_NAME: 'istiod-bench', REVISION: 'default', CLUSTER_ID: ISTIO_CLUSTER_ID,
      ...UPSTREAM_ENVOY_ENV, ...(options.tuned ? TUNED_ISTIOD_ENV : {}),
    },
    // istiod writes ./var/run/secrets relative to its working directory.
    cwd: dir,
    logFile: path.join(dir, 'istiod.log'),
  });
  const plane: ControlPlane = {
    side: options.tuned ? 'istiod-tuned' : 'istiod-default',
    xdsTarget: `127.0.0.1:${ISTIOD_PORTS.xds}`,
    process,
    debounceMs: options.tuned ? 20 : ISTIOD_DEFAULT_DEBOUNCE_MS,
    stop: async () => { await process.stop(10_000); },
  };
  try {
    await waitForHttpOk(`http://127.0.0.1:${ISTIOD_PORTS.debug}/ready`, process, plane.side, 120_000);
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return plane;
}
