/**
 * Which of an Envoy's stats the telemetry reads, recognised by full name. Cluster names contain
 * dots (`outbound|9080|v2|reviews.shop.svc.cluster.local`), so a name is split by matching a known
 * stat at its end rather than at the first dot after `cluster.`.
 *
 * Cluster stats (per upstream cluster): request counts by status code, latency and body size
 * histograms, connection counts and bytes, circuit-breaker overflows, retries, outlier ejections,
 * TLS handshakes and the gRPC statuses of the gRPC stats filter. Connection manager stats (per
 * listener stat prefix): injected faults, TLS connections and the RBAC filters' decisions, per
 * action and per rule (see rbac-naming.ts). `server.uptime` dates the proxy.
 */
import { RbacFilterAction, rbacActionOfStatPrefix } from '../xds/translate/security/rbac-naming';

/** A counter or histogram of one upstream cluster. */
export type ClusterStat =
  | { readonly kind: 'responses'; readonly code: number }
  | { readonly kind: 'grpc-status'; readonly status: number }
  | { readonly kind: 'latency' | 'request-body' | 'response-body' }
  | { readonly kind: 'connections-opened' | 'connections-closed' | 'sent-bytes' | 'received-bytes' }
  | { readonly kind: 'overflows' | 'retries' | 'ejections' | 'ejections-active' | 'tls-handshakes' }
  | { readonly kind: 'grpc-request-messages' | 'grpc-response-messages' };

/** A counter of one HTTP connection manager, by its stat prefix. */
export type ListenerStat =
  | { readonly kind: 'fault-aborts' | 'fault-delays' | 'connections' | 'tls-connections' }
  | AuthorizationStat;

/**
 * What one RBAC filter decided: with `rule`, the requests that rule matched (allowed by an ALLOW
 * rule, denied by a DENY rule); without, every request the filter allowed or denied.
 */
export interface AuthorizationStat {
  readonly kind: 'authorization';
  readonly action: RbacFilterAction;
  readonly rule?: string;
  readonly outcome: 'allowed' | 'denied';
}

export type StatRef =
  | { readonly scope: 'cluster'; readonly cluster: string; readonly stat: ClusterStat }
  | { readonly scope: 'listener'; readonly statPrefix: string; readonly stat: ListenerStat }
  | { readonly scope: 'uptime' };

const FIXED_CLUSTER_STATS: Readonly<Record<string, ClusterStat>> = {
  'upstream_rq_time': { kind: 'latency' },
  'upstream_rq_body_size': { kind: 'request-body' },
  'upstream_rs_body_size': { kind: 'response-body' },
  'upstream_cx_total': { kind: 'connections-opened' },
  'upstream_cx_destroy': { kind: 'connections-closed' },
  'upstream_cx_tx_bytes_total': { kind: 'sent-bytes' },
  'upstream_cx_rx_bytes_total': { kind: 'received-bytes' },
  'upstream_rq_pending_overflow': { kind: 'overflows' },
  'upstream_rq_retry': { kind: 'retries' },
  'outlier_detection.ejections_enforced_total': { kind: 'ejections' },
  'outlier_detection.ejections_active': { kind: 'ejections-active' },
  'ssl.handshake': { kind: 'tls-handshakes' },
  'grpc.request_message_count': { kind: 'grpc-request-messages' },
  'grpc.response_message_count': { kind: 'grpc-response-messages' },
};

const FIXED_LISTENER_STATS: Readonly<Record<string, ListenerStat>> = {
  'fault.aborts_injected': { kind: 'fault-aborts' },
  'fault.delays_injected': { kind: 'fault-delays' },
  'downstream_cx_total': { kind: 'connections' },
  'downstream_cx_ssl_total': { kind: 'tls-connections' },
};

/** `<cluster>.<stat>` for the fixed stats, whose suffixes are tried longest first. */
const CLUSTER_SUFFIXES = Object.keys(FIXED_CLUSTER_STATS).sort((a, b) => b.length - a.length);
const LISTENER_SUFFIXES = Object.keys(FIXED_LISTENER_STATS).sort((a, b) => b.length - a.length);

const RESPONSE_CODE = /\.upstream_rq_([1-5]\d\d)$/;
/** The gRPC stats filter without per-method stats: `cluster.<name>.grpc.<status>`. */
const GRPC_STATUS = /\.grpc\.(\d{1,2})$/;

/**
 * Envoy repeats some cluster stats under sub-scopes (`cluster.<name>.external.upstream_rq_200`,
 * `.internal.`, `.canary.`, `.zone.<from>.<to>.`); read as `<name>.external` they would count twice.
 */
const SUB_SCOPE = /\.(external|internal|canary|zone\.[^.]*\.[^.]*)$/;

/**
 * The stat a full Envoy stat name denotes, or undefined when the telemetry does not read it.
 * `isCluster` names the proxy's real clusters, so that a host that itself ends in `.external` is
 * still read; without it such names are taken for Envoy's sub-scopes.
 */
export function parseStatName(name: string, isCluster?: (cluster: string) => boolean): StatRef | undefined {
  const ref = parseStatNameShared(name);
  return ref && isSubScopeCopy(ref) && !isCluster?.(ref.cluster) ? undefined : ref;
}

/**
 * What a name denotes whichever proxy sent it, to be shared between proxies; a cluster stat may
 * still be a sub-scope copy, which only the sending proxy's clusters tell (`isSubScopeCopy`).
 */
export function parseStatNameShared(name: string): StatRef | undefined {
  if (name.startsWith('cluster.')) return clusterStat(name.slice('cluster.'.length));
  if (name.startsWith('http.')) return listenerStat(name.slice('http.'.length));
  if (name === 'server.uptime') return { scope: 'uptime' };
  return undefined;
}

/** Whether a cluster stat's cluster part may be a cluster name followed by one of Envoy's sub-scopes. */
export function isSubScopeCopy(ref: StatRef): ref is Extract<StatRef, { scope: 'cluster' }> {
  return ref.scope === 'cluster' && SUB_SCOPE.test(ref.cluster);
}

function clusterStat(rest: string): StatRef | undefined {
  const code = RESPONSE_CODE.exec(rest);
  if (code) return cluster(rest.slice(0, code.index), { kind: 'responses', code: Number(code[1]) });
  const grpc = GRPC_STATUS.exec(rest);
  if (grpc && Number(grpc[1]) <= 16) return cluster(rest.slice(0, grpc.index), { kind: 'grpc-status', status: Number(grpc[1]) });
  for (const suffix of CLUSTER_SUFFIXES) {
    if (rest.length > suffix.length + 1 && rest.endsWith(suffix) && rest[rest.length - suffix.length - 1] === '.') {
      return cluster(rest.slice(0, rest.length - suffix.length - 1), FIXED_CLUSTER_STATS[suffix]);
    }
  }
  return undefined;
}

function cluster(name: string, stat: ClusterStat): StatRef {
  return { scope: 'cluster', cluster: name, stat };
}

/** `<listener>.rbac.<action>.[policy.<rule>.]allowed|denied`; rule names hold no dots before `.allowed`. */
const AUTHORIZATION_STAT = /^(.+?)\.rbac\.([a-z]+)\.(?:policy\.(.+)\.)?(allowed|denied)$/;

function listenerStat(rest: string): StatRef | undefined {
  const authorization = AUTHORIZATION_STAT.exec(rest);
  if (authorization) {
    const action = rbacActionOfStatPrefix(authorization[2]);
    if (!action) return undefined;
    const outcome = authorization[4] as AuthorizationStat['outcome'];
    const stat: AuthorizationStat = authorization[3] === undefined ? { kind: 'authorization', action, outcome } : { kind: 'authorization', action, rule: authorization[3], outcome };
    return { scope: 'listener', statPrefix: authorization[1], stat };
  }
  for (const suffix of LISTENER_SUFFIXES) {
    if (rest.length > suffix.length + 1 && rest.endsWith(suffix) && rest[rest.length - suffix.length - 1] === '.') {
      return { scope: 'listener', statPrefix: rest.slice(0, rest.length - suffix.length - 1), stat: FIXED_LISTENER_STATS[suffix] };
    }
  }
  return undefined;
}

const ASCII = (text: string) => Uint8Array.from(text, (character) => character.charCodeAt(0));
const CLUSTER_PREFIX = ASCII('cluster.');
const LISTENER_PREFIX = ASCII('http.');
const UPTIME = ASCII('server.uptime');
const CLUSTER_SUFFIX_BYTES = CLUSTER_SUFFIXES.map((suffix) => ASCII(`.${suffix}`));
const LISTENER_SUFFIX_BYTES = [...LISTENER_SUFFIXES, 'allowed', 'denied'].map((suffix) => ASCII(`.${suffix}`));
const RESPONSE_CODE_STEM = ASCII('.upstream_rq_');
const GRPC_STEM = ASCII('.grpc.');
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * Whether a stat name (the bytes `buffer[start, end)`) may be one `parseStatName` reads: a cheap
 * test on its prefix and suffix, so the names of the many stats the telemetry ignores are never
 * decoded. Never refuses a name `parseStatName` accepts.
 */
export function mayBeReadStat(buffer: Uint8Array, start: number, end: number): boolean {
  if (hasPrefix(buffer, start, end, CLUSTER_PREFIX)) {
    return hasAnySuffix(buffer, start, end, CLUSTER_SUFFIX_BYTES) || endsWithCode(buffer, start, end) || endsWithGrpcStatus(buffer, start, end);
  }
  if (hasPrefix(buffer, start, end, LISTENER_PREFIX)) return hasAnySuffix(buffer, start, end, LISTENER_SUFFIX_BYTES);
  return end - start === UPTIME.length && hasPrefix(buffer, start, end, UPTIME);
}

function hasAnySuffix(buffer: Uint8Array, start: number, end: number, suffixes: readonly Uint8Array[]): boolean {
  const last = buffer[end - 1];
  for (const suffix of suffixes) {
    if (suffix[suffix.length - 1] === last && hasSuffix(buffer, start, end, suffix)) return true;
  }
  return false;
}

function hasPrefix(buffer: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let index = 0; index < prefix.length; index += 1) if (buffer[start + index] !== prefix[index]) return false;
  return true;
}

/** Compared from the end: names that differ mostly differ in their last bytes. */
function hasSuffix(buffer: Uint8Array, start: number, end: number, suffix: Uint8Array): boolean {
  if (end - start < suffix.length) return false;
  const offset = end - suffix.length;
  for (let index = suffix.length - 1; index >= 0; index -= 1) if (buffer[offset + index] !== suffix[index]) return false;
  return true;
}

const isDigit = (byte: number) => byte >= DIGIT_0 && byte <= DIGIT_9;

/** `….upstream_rq_<three digits>` */
function endsWithCode(buffer: Uint8Array, start: number, end: number): boolean {
  return end - start > RESPONSE_CODE_STEM.length + 3 && isDigit(buffer[end - 1]) && isDigit(buffer[end - 2]) && isDigit(buffer[end - 3])
    && hasSuffix(buffer, start, end - 3, RESPONSE_CODE_STEM);
}

/** `….grpc.<one or two digits>` */
function endsWithGrpcStatus(buffer: Uint8Array, start: number, end: number): boolean {
  if (!isDigit(buffer[end - 1])) return false;
  const digits = isDigit(buffer[end - 2]) ? 2 : 1;
  return hasSuffix(buffer, start, end - digits, GRPC_STEM);
}
