/** Builders for the Istio security objects the translation tests feed in. */
import type { MeshObject } from '../../src/push/contract';
import { encodeResourceBytes } from '../../src/xds/codec';

export const ROOT_NAMESPACE = 'istio-system';

export function istioObject(kind: string, namespace: string, name: string, spec: unknown): MeshObject {
  const group = kind === 'DestinationRule' ? 'networking.istio.io' : 'security.istio.io';
  return { apiVersion: `${group}/v1`, kind, metadata: { name, namespace }, spec };
}

export const peerAuthentication = (namespace: string, name: string, spec: unknown) => istioObject('PeerAuthentication', namespace, name, spec);
export const authorizationPolicy = (namespace: string, name: string, spec: unknown) => istioObject('AuthorizationPolicy', namespace, name, spec);
export const requestAuthentication = (namespace: string, name: string, spec: unknown) => istioObject('RequestAuthentication', namespace, name, spec);

/** Throws unless the JSON encodes as the given Envoy message with the strict codec (unknown fields, bad enums). */
export function assertEncodes(typeUrl: string, resource: Record<string, unknown>): void {
  encodeResourceBytes(typeUrl, { name: 'under-test', resource });
}

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

/** An HCM with the given HTTP filters ahead of the router, replying 200 directly. */
export function httpConnectionManager(httpFilters: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'name': 'envoy.filters.network.http_connection_manager',
    'typed_config': {
      '@type': HCM_TYPE,
      'stat_prefix': 'inbound',
      'route_config': {
        name: 'inbound',
        virtual_hosts: [{ name: 'app', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'ok' } } }] }],
      },
      'http_filters': [
        ...httpFilters,
        { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      ],
      ...extra,
    },
  };
}

/**
 * Points SDS references at a bootstrap's static secrets. Used where Envoy runs without a control
 * plane, and for static clusters in validate mode: Envoy 1.40's validate mode crashes on a static
 * cluster whose secrets come over ADS (in a running mesh clusters arrive over CDS instead).
 */
export function withStaticSecrets<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, field) => (key === 'sds_config' ? undefined : field));
}

/** A resource as a bootstrap embeds it: without the top-level `@type`. */
export function withoutType(resource: Record<string, unknown>): Record<string, unknown> {
  const { '@type': _type, ...fields } = resource;
  return fields;
}
