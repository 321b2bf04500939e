/** `build*`: the Envoy routes of one service's virtual host, from its VirtualService or the default. */
import type { ScopedConfig } from '../../push/config-index';
import type { HttpRoute, VirtualServiceSpec } from '../../push/istio-spec';
import type { MeshService } from '../../push/service-model';
import { outboundClusterName } from '../naming';
import type { DestinationResolver } from './destination-resolver';
import { translateRedirect, translateRetries, translateRouteAction } from './route-action';
import { translateFilterOverrides, translateHeaderEdits } from './route-decorations';
import { MatchScope, translateRouteMatch } from './route-match';

export interface HttpRoutesInput {
  readonly service: MeshService;
  readonly port: number;
  readonly virtualService?: ScopedConfig<VirtualServiceSpec>;
  readonly resolver: DestinationResolver;
  readonly matchScope: MatchScope;
}

export function buildHttpRoutes(input: HttpRoutesInput): Record<string, unknown>[] {
  const { virtualService } = input;
  if (!virtualService?.spec.http?.length) {
    return [buildDefaultRoute(input)];
  }
  return buildVirtualServiceRoutes(virtualService, { ...input, routeNamePrefix: input.service.hostname });
}

/** The routes of one VirtualService, also used by gateways (whose hosts are not services). */
export interface VirtualServiceRoutesInput {
  readonly port: number;
  readonly resolver: DestinationResolver;
  readonly matchScope: MatchScope;
  /** Unnamed routes are named `<prefix>:<port>/<index>`. */
  readonly routeNamePrefix: string;
}

/**
 * Routes are matched in order, so none after one that matches every request can ever be chosen:
 * they are left out, as Istio leaves them out (smaller route configs, the same behaviour).
 */
export function buildVirtualServiceRoutes(virtualService: ScopedConfig<VirtualServiceSpec>, input: VirtualServiceRoutesInput): Record<string, unknown>[] {
  const label = `VirtualService ${virtualService.namespace}/${virtualService.name}`;
  const routes: Record<string, unknown>[] = [];
  for (const [index, route] of (virtualService.spec.http ?? []).entries()) {
    const translated = translateHttpRoute(route, `${label} spec.http[${index}]`, index, virtualService.namespace, input);
    const catchAll = translated.findIndex((entry) => matchesEveryRequest(entry.match as Record<string, unknown>));
    routes.push(...(catchAll >= 0 ? translated.slice(0, catchAll + 1) : translated));
    if (catchAll >= 0 || !route.match?.length) {
      break;
    }
  }
  return routes;
}

/** Any path, no header or query condition (the letter case of `/` does not matter). */
function matchesEveryRequest(match: Record<string, unknown>): boolean {
  const everyPath = match.prefix === '/' || (match.safe_regex as { regex?: string } | undefined)?.regex === '.*';
  return everyPath && !match.headers && !match.query_parameters && !match.dynamic_metadata;
}

/** One Istio HTTPRoute fans out to one Envoy route per match that can apply to this proxy. */
function translateHttpRoute(route: HttpRoute, field: string, index: number, configNamespace: string, input: VirtualServiceRoutesInput): Record<string, unknown>[] {
  const matches = route.match?.length ? route.match : [undefined];
  const envoyMatches = matches
    .map((match) => translateRouteMatch(match, input.matchScope))
    .filter((match): match is Record<string, unknown> => match !== undefined);
  if (envoyMatches.length === 0) {
    return [];
  }
  const body: Record<string, unknown> = {};
  if (route.redirect) {
    body.redirect = translateRedirect(route.redirect, field);
  } else if (route.directResponse) {
    body.direct_response = {
      status: route.directResponse.status,
      ...(route.directResponse.body?.string !== undefined ? { body: { inline_string: route.directResponse.body.string } } : {}),
    };
  } else {
    body.route = translateRouteAction(route, { resolver: input.resolver, configNamespace, port: input.port, field });
    Object.assign(body, translateHeaderEdits(mergeSingleDestinationHeaders(route)));
  }
  const overrides = translateFilterOverrides(route.fault, route.corsPolicy, field);
  if (overrides) {
    body.typed_per_filter_config = overrides;
  }
  return envoyMatches.map((match, matchIndex) => ({
    name: route.name ?? `${input.routeNamePrefix}:${input.port}/${index}${matches.length > 1 ? `.${matchIndex}` : ''}`,
    match,
    ...body,
  }));
}

/** With one destination, its `headers` apply to every request of the route. */
function mergeSingleDestinationHeaders(route: HttpRoute): HttpRoute['headers'] {
  const destinationHeaders = route.route?.length === 1 ? route.route[0].headers : undefined;
  if (!destinationHeaders) {
    return route.headers;
  }
  return {
    request: mergeOperations(route.headers?.request, destinationHeaders.request),
    response: mergeOperations(route.headers?.response, destinationHeaders.response),
  };
}

function mergeOperations<T extends { set?: object; add?: object; remove?: string[] }>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a || !b) {
    return a ?? b;
  }
  return { set: { ...a.set, ...b.set }, add: { ...a.add, ...b.add }, remove: [...(a.remove ?? []), ...(b.remove ?? [])] } as T;
}

/** No VirtualService: everything to the whole service on this port, with Istio's default retries. */
function buildDefaultRoute(input: HttpRoutesInput): Record<string, unknown> {
  const destination = { clusterName: outboundClusterName(input.port, undefined, input.service.hostname), hostname: input.service.hostname, port: input.port };
  const hashPolicy = input.resolver.hashPolicy(destination, `DestinationRule for ${input.service.hostname}`);
  return {
    name: 'default',
    match: { prefix: '/' },
    route: {
      cluster: destination.clusterName,
      timeout: '0s',
      max_grpc_timeout: '0s',
      // Istio keeps the retry host predicate here even when the route hashes.
      retry_policy: translateRetries(undefined, ''),
      ...(hashPolicy ? { hash_policy: hashPolicy } : {}),
    },
  };
}
