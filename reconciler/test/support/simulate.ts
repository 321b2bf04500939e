/**
 * A tiny model of Envoy's HTTP routing, enough to ask "which cluster does this request reach?" of
 * generated resources: listener by port → route configuration → virtual host by domain → first
 * matching route. Simulation tests assert outcomes rather than diffing generated protos.
 */
import { ProxyResources, TYPE_URLS } from '../../src/push/contract';

export interface SimulatedRequest {
  readonly host: string;
  readonly port: number;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

export interface SimulatedOutcome {
  readonly listener: string;
  readonly routeConfig: string;
  readonly virtualHost: string;
  readonly route: any;
  /** The single cluster reached, or undefined for weighted, redirect and direct responses. */
  readonly cluster?: string;
  readonly weightedClusters?: { name: string; weight: number }[];
  readonly redirect?: any;
  readonly directResponse?: any;
}

export function resourcesOf(resources: ProxyResources, typeUrl: string): any[] {
  return (resources.get(typeUrl as any) ?? []).map((resource) => resource.resource);
}

export function findResource(resources: ProxyResources, typeUrl: string, name: string): any {
  const found = resourcesOf(resources, typeUrl).find((resource) => resource.name === name || resource.cluster_name === name);
  if (!found) {
    throw new Error(`no ${typeUrl.split('.').pop()} named '${name}'`);
  }
  return found;
}

/** Routes a request through the outbound listener bound to its port; throws when nothing matches. */
export function simulate(resources: ProxyResources, request: SimulatedRequest): SimulatedOutcome {
  const listener = resourcesOf(resources, TYPE_URLS.listener)
    .find((candidate) => candidate.traffic_direction === 'OUTBOUND' && candidate.address.socket_address.port_value === request.port);
  if (!listener) {
    throw new Error(`no outbound listener on port ${request.port}`);
  }
  const hcm = listener.filter_chains.at(-1).filters.find((filter: any) => filter.name === 'envoy.filters.network.http_connection_manager');
  if (!hcm) {
    throw new Error(`listener ${listener.name} is not HTTP`);
  }
  const routeConfigName = hcm.typed_config.rds.route_config_name;
  const routeConfig = findResource(resources, TYPE_URLS.route, routeConfigName);
  const authority = request.host.includes(':') ? request.host : `${request.host}:${request.port}`;
  const virtualHost = selectVirtualHost(routeConfig.virtual_hosts, authority, request.host);
  if (!virtualHost) {
    throw new Error(`no virtual host for '${request.host}' in route config ${routeConfigName}`);
  }
  const headers = normalizeHeaders(request, authority);
  const route = virtualHost.routes.find((candidate: any) => routeMatches(candidate.match, request.path ?? '/', headers));
  if (!route) {
    throw new Error(`no route for ${request.path ?? '/'} in virtual host ${virtualHost.name}`);
  }
  return {
    listener: listener.name,
    routeConfig: routeConfigName,
    virtualHost: virtualHost.name,
    route,
    cluster: route.route?.cluster,
    weightedClusters: route.route?.weighted_clusters?.clusters,
    redirect: route.redirect,
    directResponse: route.direct_response,
  };
}

/** Envoy's order: exact domain, then longest suffix wildcard (`*.x`), then longest prefix wildcard (`x:*`), then `*`. */
function selectVirtualHost(virtualHosts: any[], authority: string, host: string): any {
  const candidates = [authority, host];
  for (const name of candidates) {
    const exact = virtualHosts.find((virtualHost) => virtualHost.domains.includes(name));
    if (exact) {
      return exact;
    }
  }
  const longestWildcard = (covers: (domain: string) => boolean) => virtualHosts
    .flatMap((virtualHost) => virtualHost.domains
      .filter((domain: string) => domain !== '*' && covers(domain))
      .map((domain: string) => ({ virtualHost, length: domain.length })))
    .sort((a: any, b: any) => b.length - a.length)[0]?.virtualHost;
  const suffix = longestWildcard((domain) => domain.startsWith('*') && candidates.some((name) => name.endsWith(domain.slice(1))));
  const prefix = longestWildcard((domain) => domain.endsWith('*') && candidates.some((name) => name.startsWith(domain.slice(0, -1))));
  return suffix ?? prefix ?? virtualHosts.find((virtualHost) => virtualHost.domains.includes('*'));
}

function normalizeHeaders(request: SimulatedRequest, authority: string): Record<string, string> {
  const headers: Record<string, string> = { ':method': request.method ?? 'GET', ':authority': authority, ':path': request.path ?? '/' };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

function routeMatches(match: any, fullPath: string, headers: Record<string, string>): boolean {
  const [path, query = ''] = fullPath.split('?');
  const caseSensitive = match.case_sensitive !== false;
  const comparablePath = caseSensitive ? path : path.toLowerCase();
  if (match.path !== undefined && comparablePath !== (caseSensitive ? match.path : match.path.toLowerCase())) {
    return false;
  }
  if (match.prefix !== undefined && !comparablePath.startsWith(caseSensitive ? match.prefix : match.prefix.toLowerCase())) {
    return false;
  }
  if (match.safe_regex && !new RegExp(`^(?:${match.safe_regex.regex})$`).test(path)) {
    return false;
  }
  for (const header of match.headers ?? []) {
    const value = headers[header.name];
    const matched = header.present_match ? value !== undefined : value !== undefined && stringMatches(header.string_match, value);
    if (matched === !!header.invert_match) {
      return false;
    }
  }
  const params = new URLSearchParams(query);
  for (const param of match.query_parameters ?? []) {
    const value = params.get(param.name);
    if (value === null || (!param.present_match && !stringMatches(param.string_match, value))) {
      return false;
    }
  }
  return true;
}

function stringMatches(matcher: any, value: string): boolean {
  if (matcher.exact !== undefined) {
    return value === matcher.exact;
  }
  if (matcher.prefix !== undefined) {
    return value.startsWith(matcher.prefix);
  }
  if (matcher.safe_regex) {
    return new RegExp(`^(?:${matcher.safe_regex.regex})$`).test(value);
  }
  throw new Error(`unsupported string matcher ${JSON.stringify(matcher)}`);
}
