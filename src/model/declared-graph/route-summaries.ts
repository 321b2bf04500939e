/** Short, readable texts for the parts of a route: its match, fault, and percentages. */

/** `90 %`, `12.5 %`: at most two decimals, no trailing zeros, so equal input gives equal text. */
export function formatPercent(value: number): string {
  return `${Number(value.toFixed(2))} %`;
}

function stringMatch(value: any): string {
  if (value === null || typeof value !== 'object') {
    return '';
  }
  if (value.exact !== undefined) {
    return `=${value.exact}`;
  }
  if (value.prefix !== undefined) {
    return ` ${value.prefix}*`;
  }
  if (value.regex !== undefined) {
    return ` ~${value.regex}`;
  }
  return '';
}

function mapMatches(kind: string, entries: any): string[] {
  if (entries === null || typeof entries !== 'object') {
    return [];
  }
  return Object.keys(entries).sort().map(key => `${kind} ${key}${stringMatch(entries[key])}`);
}

function labelText(labels: any): string {
  return Object.keys(labels ?? {}).sort().map(key => `${key}=${labels[key]}`).join(',');
}

/** One HTTP (or TCP/TLS) match condition: every part must hold. */
function summarizeCondition(match: any): string {
  if (match === null || typeof match !== 'object') {
    return '';
  }
  const parts: string[] = [];
  if (match.uri) {
    parts.push(`uri${stringMatch(match.uri)}`);
  }
  if (match.method) {
    parts.push(`method${stringMatch(match.method)}`);
  }
  if (match.authority) {
    parts.push(`authority${stringMatch(match.authority)}`);
  }
  parts.push(...mapMatches('header', match.headers));
  parts.push(...mapMatches('query', match.queryParams));
  if (match.port !== undefined) {
    parts.push(`port ${match.port}`);
  }
  if (match.sniHosts) {
    parts.push(`sni ${[...match.sniHosts].join(',')}`);
  }
  if (match.sourceLabels) {
    parts.push(`from ${labelText(match.sourceLabels)}`);
  }
  if (match.sourceNamespace) {
    parts.push(`from ns ${match.sourceNamespace}`);
  }
  if (Array.isArray(match.gateways) && match.gateways.length > 0) {
    parts.push(`via ${match.gateways.join(',')}`);
  }
  return parts.join(' & ');
}

/** A route's `match` list (any of them): `header end-user=jason | uri /api/*`; empty for every request. */
export function summarizeMatch(matches: any): string {
  if (!Array.isArray(matches)) {
    return '';
  }
  return matches.map(summarizeCondition).filter(text => text.length > 0).join(' | ');
}

function percentage(value: any): number {
  const declared = value?.percentage?.value ?? value?.percent;
  return typeof declared === 'number' ? declared : 100;
}

/** `abort 503 · 50 %`, `delay 2s · 10 %`, or both joined by `, `; empty when the route has no fault. */
export function summarizeFault(fault: any): string {
  if (fault === null || typeof fault !== 'object') {
    return '';
  }
  const parts: string[] = [];
  if (fault.delay) {
    parts.push(`delay ${fault.delay.fixedDelay ?? fault.delay.exponentialDelay ?? '?'} · ${formatPercent(percentage(fault.delay))}`);
  }
  if (fault.abort) {
    const status = fault.abort.httpStatus ?? (fault.abort.grpcStatus !== undefined ? `grpc ${fault.abort.grpcStatus}` : '?');
    parts.push(`abort ${status} · ${formatPercent(percentage(fault.abort))}`);
  }
  return parts.join(', ');
}

/** The share of requests a route mirrors; Istio mirrors all of them when `mirrorPercentage` is unset. */
export function mirrorPercent(route: any): number {
  const declared = route?.mirrorPercentage?.value ?? route?.mirrorPercent;
  return typeof declared === 'number' ? declared : 100;
}

/** `2024-05-01T09:00Z → 2024-05-01T10:00Z` from a chaos window annotation entry. */
export function summarizeWindow(window: { start?: unknown; end?: unknown } | undefined): string {
  if (!window) {
    return '';
  }
  const short = (value: unknown) => typeof value === 'string' ? value.replace(/:00(\.000)?Z$/, 'Z') : '?';
  return `${short(window.start)} → ${short(window.end)}`;
}

/** `v1 → v2: 10 % → 50 % (hold 300s) → 100 %` (stable → canary, then the canary's weights) from a rollout annotation; empty when unreadable. */
export function summarizeRollout(annotation: string | undefined): string {
  if (annotation === undefined) {
    return '';
  }
  try {
    const plan = JSON.parse(annotation);
    const steps = (Array.isArray(plan?.steps) ? plan.steps : [])
      .map((step: any) => `${formatPercent(Number(step?.weight))}${step?.pause ? ` (hold ${step.pause})` : ''}`);
    return `${plan.stable} → ${plan.canary}: ${[formatPercent(Number(plan.startWeight)), ...steps, '100 %'].join(' → ')}`;
  } catch {
    // A malformed annotation only loses the summary; the reconciler reports it.
    return '';
  }
}
