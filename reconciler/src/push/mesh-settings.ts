/** Mesh-wide settings, the reconciler's equivalent of Istio's MeshConfig. */
import { ACCESS_LOG_ENCODINGS, AccessLogEncoding, accessLogFormatProblem } from '../model';

/** What a sidecar does with a request for a host the registry does not know. */
export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** Mesh-wide mTLS default when no PeerAuthentication selects a workload. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** How workloads get their sidecar; informational for the reconciler, which serves both alike. */
export type InjectionMode = 'SYNTH' | 'ISTIO_WEBHOOK';

export interface MeshSettings {
  /** SPIFFE trust domain of workload identities. */
  readonly trustDomain: string;
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  readonly defaultMtlsMode: MtlsMode;
  /** Kubernetes cluster DNS suffix, e.g. `cluster.local`. */
  readonly clusterDomain: string;
  /** Namespace whose security policies apply mesh-wide (Istio's root namespace). */
  readonly rootNamespace: string;
  readonly injectionMode: InjectionMode;
  /** Where every sidecar and gateway writes its access log (Istio's `accessLogFile`); empty logs nothing. */
  readonly accessLogFile: string;
  readonly accessLogEncoding: AccessLogEncoding;
  /** Istio's `accessLogFormat`: a line for TEXT, a JSON object for JSON; empty takes the encoding's default. */
  readonly accessLogFormat: string;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  trustDomain: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  defaultMtlsMode: 'PERMISSIVE',
  clusterDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  injectionMode: 'SYNTH',
  accessLogFile: '',
  accessLogEncoding: 'TEXT',
  accessLogFormat: '',
};

/** What each setting accepts: a list of values, a non-empty string, or a string that may be empty. */
const ALLOWED_VALUES: { readonly [K in keyof MeshSettings]: readonly string[] | 'text' | 'optional text' } = {
  trustDomain: 'text',
  outboundTrafficPolicy: ['ALLOW_ANY', 'REGISTRY_ONLY'],
  defaultMtlsMode: ['STRICT', 'PERMISSIVE', 'DISABLE'],
  clusterDomain: 'text',
  rootNamespace: 'text',
  injectionMode: ['SYNTH', 'ISTIO_WEBHOOK'],
  accessLogFile: 'optional text',
  accessLogEncoding: ACCESS_LOG_ENCODINGS,
  accessLogFormat: 'optional text',
};

/**
 * Mesh settings from a parsed mesh config document (the `mesh-config` ConfigMap the Mesh construct
 * writes): missing keys take their defaults; unknown keys and bad values are refused, naming
 * `where` (the file), the key, the value and what is accepted.
 */
export function meshSettingsFromConfig(parsed: unknown, where: string): MeshSettings {
  if (parsed === null || parsed === undefined) return DEFAULT_MESH_SETTINGS;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${where} must hold a map of mesh settings, e.g. 'trustDomain: example.org'`);
  }
  const known = Object.keys(DEFAULT_MESH_SETTINGS);
  const entries = Object.entries(parsed as Record<string, unknown>);
  const unknownKeys = entries.map(([key]) => key).filter((key) => !known.includes(key));
  if (unknownKeys.length > 0) {
    throw new Error(`${where} has unknown settings ${unknownKeys.join(', ')}; known: ${known.join(', ')}`);
  }
  for (const [key, value] of entries) {
    const allowed = ALLOWED_VALUES[key as keyof MeshSettings];
    const valid = typeof value === 'string' && (allowed === 'optional text' || (allowed === 'text' ? value !== '' : allowed.includes(value)));
    if (!valid) {
      const expected = allowed === 'text' ? 'a non-empty string' : allowed === 'optional text' ? 'a string' : `one of ${allowed.join(', ')}`;
      throw new Error(`${where}: ${key} is ${JSON.stringify(value)}; it must be ${expected}`);
    }
  }
  const settings: MeshSettings = { ...DEFAULT_MESH_SETTINGS, ...(parsed as Partial<MeshSettings>) };
  checkAccessLog(settings, where);
  return settings;
}

/** A log file Envoy opens itself must be absolute; a format must be one Envoy parses, or every listener is refused. */
function checkAccessLog(settings: MeshSettings, where: string): void {
  if (settings.accessLogFile !== '' && !settings.accessLogFile.startsWith('/')) {
    throw new Error(`${where}: accessLogFile is ${JSON.stringify(settings.accessLogFile)}; it must be an absolute path such as /dev/stdout, or empty for no access log`);
  }
  const problem = settings.accessLogFormat === '' ? undefined : accessLogFormatProblem(settings.accessLogFormat, settings.accessLogEncoding);
  if (problem) {
    throw new Error(`${where}: accessLogFormat ${JSON.stringify(settings.accessLogFormat)} (encoding ${settings.accessLogEncoding}) would be refused by Envoy: ${problem}`);
  }
}
