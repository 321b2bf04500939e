// The service page: versions and endpoints, the routing in effect, DestinationRule policies,
// mTLS, the authorization rules that name the service and what they allowed and denied.
import { el, table, trafficLine, weight } from './format.js';

export function renderService(container, detail) {
  const health = detail.health ? `${detail.health.state} (${detail.health.reason})` : '–';
  container.replaceChildren(
    el('h2', {}, `${detail.namespace}/${detail.name}`),
    el('p', {}, `${detail.host} · ports ${detail.ports.join(', ')} · health ${health} · ${trafficLine(detail.traffic)}`),
    ...detail.badges.map((badge) => el('p', { class: 'badge-line' }, `${badge.kind}: ${badge.text}`)),
    el('h3', {}, 'Versions'),
    table(['version', 'health', 'traffic', 'endpoints (ready / ejected)', 'instances'], detail.versions.map((version) => [
      version.name, version.health ? version.health.state : '–', trafficLine(version.traffic),
      `${version.endpoints.length - version.ejected} / ${version.ejected}`,
      version.endpoints.map((endpoint) => `${endpoint.workload} ${endpoint.address}:${endpoint.port}`).join(', ') || 'none',
    ])),
    el('h3', {}, 'Routing'),
    table(['route', 'match', 'destinations', 'retries', 'timeout', 'fault', 'mirror'], detail.routing.map((row) => [
      row.route, row.match || 'every request', row.destinations.map((target) => `${target.target} ${weight(target.weight)}`).join(', '),
      row.retries || '–', row.timeout || '–', row.fault || '–', row.mirror || '–',
    ])),
    el('h3', {}, 'DestinationRule'),
    detail.destinationRule ? el('div', {}, el('p', {}, detail.destinationRule.object), table(['policy'], detail.destinationRule.policies.map((policy) => [policy]))) : el('p', { class: 'empty' }, 'none'),
    el('h3', {}, 'Security'),
    el('p', { class: 'mtls' }, `mTLS ${detail.mtls.mode} (${detail.mtls.source})`),
    table(['action', 'policy', 'from', 'to'], detail.authorization.map((rule) => [rule.action, rule.policy, rule.from, rule.to || 'any request'])),
    el('h4', {}, 'Authorization decisions in the window'),
    table(['policy', 'action', 'allowed', 'denied'], (detail.authorizationDecisions ?? []).map((decision) => [
      decision.policy ?? 'no ALLOW rule matched', decision.action, String(decision.allowed), String(decision.denied),
    ])),
  );
}
