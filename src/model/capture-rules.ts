/**
 * Traffic capture for a sidecar: the iptables `nat` rules that send a pod's TCP traffic through
 * its proxy. One pure function serves synth-time injection (the `istio-init` container script)
 * and the reconciler image's entrypoint, so both capture traffic the same way.
 *
 * The chain layout follows Istio's `istio-iptables` (IPv4 only):
 * - PREROUTING → MESH_INBOUND → MESH_IN_REDIRECT (REDIRECT to the inbound capture port)
 * - OUTPUT → MESH_OUTPUT → MESH_REDIRECT (REDIRECT to the outbound capture port)
 * Traffic of the proxy itself (its UID/GID) is never captured, or it would loop forever.
 */
import { PROXY_UID, SIDECAR_PORTS } from './bootstrap';

/** Which traffic the sidecar captures. */
export interface CaptureOptions {
  /** CIDRs whose outbound traffic is captured; `['*']` captures all. @default ['*'] */
  readonly includeOutboundIpRanges?: readonly string[];
  /** CIDRs whose outbound traffic bypasses the proxy. @default [] */
  readonly excludeOutboundIpRanges?: readonly string[];
  /** Inbound destination ports that bypass the proxy, on top of the proxy's own ports. @default [] */
  readonly excludeInboundPorts?: readonly number[];
  /** Outbound destination ports that bypass the proxy. @default [] */
  readonly excludeOutboundPorts?: readonly number[];
  /** UID (and GID) of the proxy. @default PROXY_UID */
  readonly proxyUid?: number;
  /** @default SIDECAR_PORTS.outboundCapture */
  readonly outboundCapturePort?: number;
  /** @default SIDECAR_PORTS.inboundCapture */
  readonly inboundCapturePort?: number;
}

/** Chain names, prefixed so they never collide with other tools' chains. */
export const CAPTURE_CHAINS = {
  inbound: 'MESH_INBOUND',
  inboundRedirect: 'MESH_IN_REDIRECT',
  outbound: 'MESH_OUTPUT',
  outboundRedirect: 'MESH_REDIRECT',
} as const;

/** Ports of the proxy itself that must reach it directly, never through inbound capture. */
export const PROXY_INBOUND_EXCLUDED_PORTS: readonly number[] = [
  SIDECAR_PORTS.prometheus,
  SIDECAR_PORTS.readiness,
  SIDECAR_PORTS.agent,
];

/** Source address Envoy uses for inbound passthrough; Istio reserves it the same way. */
const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6/32';

/** The iptables invocations (argument lists, without the `iptables` binary) in execution order. */
export function buildCaptureRules(options: CaptureOptions = {}): string[][] {
  const uid = String(options.proxyUid ?? PROXY_UID);
  const includeOutbound = options.includeOutboundIpRanges ?? ['*'];
  const nat = (...args: string[]) => ['-t', 'nat', ...args];
  const { inbound, inboundRedirect, outbound, outboundRedirect } = CAPTURE_CHAINS;

  const rules: string[][] = [
    ...[inbound, inboundRedirect, outbound, outboundRedirect].map(chain => nat('-N', chain)),
    nat('-A', outboundRedirect, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports',
      String(options.outboundCapturePort ?? SIDECAR_PORTS.outboundCapture)),
    nat('-A', inboundRedirect, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports',
      String(options.inboundCapturePort ?? SIDECAR_PORTS.inboundCapture)),
  ];

  // Inbound: everything except the proxy's own ports and the excluded ones.
  rules.push(nat('-A', 'PREROUTING', '-p', 'tcp', '-j', inbound));
  for (const port of uniqueSorted([...PROXY_INBOUND_EXCLUDED_PORTS, ...(options.excludeInboundPorts ?? [])])) {
    rules.push(nat('-A', inbound, '-p', 'tcp', '--dport', String(port), '-j', 'RETURN'));
  }
  rules.push(nat('-A', inbound, '-p', 'tcp', '-j', inboundRedirect));

  // Outbound: the order matters, the first matching RETURN wins.
  rules.push(nat('-A', 'OUTPUT', '-p', 'tcp', '-j', outbound));
  for (const port of uniqueSorted(options.excludeOutboundPorts ?? [])) {
    rules.push(nat('-A', outbound, '-p', 'tcp', '--dport', String(port), '-j', 'RETURN'));
  }
  rules.push(
    nat('-A', outbound, '-o', 'lo', '-s', INBOUND_PASSTHROUGH_SOURCE, '-j', 'RETURN'),
    // The proxy calling the pod's own IP over loopback is inbound traffic for this pod.
    nat('-A', outbound, '-o', 'lo', '!', '-d', '127.0.0.1/32', '-m', 'owner', '--uid-owner', uid, '-j', inboundRedirect),
    nat('-A', outbound, '-o', 'lo', '-m', 'owner', '!', '--uid-owner', uid, '-j', 'RETURN'),
    nat('-A', outbound, '-m', 'owner', '--uid-owner', uid, '-j', 'RETURN'),
    nat('-A', outbound, '-o', 'lo', '!', '-d', '127.0.0.1/32', '-m', 'owner', '--gid-owner', uid, '-j', inboundRedirect),
    nat('-A', outbound, '-o', 'lo', '-m', 'owner', '!', '--gid-owner', uid, '-j', 'RETURN'),
    nat('-A', outbound, '-m', 'owner', '--gid-owner', uid, '-j', 'RETURN'),
    nat('-A', outbound, '-d', '127.0.0.1/32', '-j', 'RETURN'),
  );
  for (const cidr of options.excludeOutboundIpRanges ?? []) {
    rules.push(nat('-A', outbound, '-d', cidr, '-j', 'RETURN'));
  }
  if (includeOutbound.includes('*')) {
    rules.push(nat('-A', outbound, '-j', outboundRedirect));
  } else {
    for (const cidr of includeOutbound) {
      rules.push(nat('-A', outbound, '-d', cidr, '-j', outboundRedirect));
    }
  }
  return rules;
}

/** A POSIX shell script applying {@link buildCaptureRules}; it stops at the first failing rule. */
export function renderCaptureScript(options: CaptureOptions = {}): string {
  const lines = buildCaptureRules(options).map(args => ['iptables', ...args].map(shellQuote).join(' '));
  return ['set -eu', ...lines].join('\n') + '\n';
}

function uniqueSorted(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, '\'\\\'\'')}'`;
}
