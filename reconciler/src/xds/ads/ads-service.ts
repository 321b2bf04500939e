/**
 * The gRPC method definitions of `envoy.service.discovery.v3.AggregatedDiscoveryService`, built from
 * the codec's protobuf root so requests decode to proto3 JSON (node metadata as plain JSON) and
 * responses are encoded from already-encoded resource bytes.
 */
import type * as grpc from '@grpc/grpc-js';
import { xdsProtoRoot } from '../codec';
import { messageFromJson } from '../codec-from-json';
import { messageToJson } from '../codec-to-json';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

/** A resource as it travels: the type URL and the already-encoded message bytes. */
export interface AnyBytes {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface DiscoveryRequest {
  readonly version_info?: string;
  readonly node?: Record<string, unknown>;
  readonly resource_names?: string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { code?: number; message?: string };
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: AnyBytes[];
  readonly type_url: string;
  readonly nonce: string;
}

export interface DeltaDiscoveryRequest {
  readonly node?: Record<string, unknown>;
  readonly type_url?: string;
  readonly resource_names_subscribe?: string[];
  readonly resource_names_unsubscribe?: string[];
  readonly initial_resource_versions?: Record<string, string>;
  readonly response_nonce?: string;
  readonly error_detail?: { code?: number; message?: string };
}

export interface DeltaDiscoveryResponse {
  readonly system_version_info: string;
  readonly resources: { name: string; version: string; resource: AnyBytes }[];
  readonly type_url: string;
  readonly removed_resources: string[];
  readonly nonce: string;
}

/**
 * Requests travel as proto3 JSON (so clients may pass node metadata as plain JSON); responses carry
 * `Any`s whose bytes are already encoded, so they are serialized as protobufjs objects directly.
 */
function codecFor<T>(fullName: string, form: 'json' | 'encoded'): { serialize: (value: T) => Buffer; deserialize: (bytes: Buffer) => T } {
  return {
    serialize: (value: T) => {
      const type = xdsProtoRoot().lookupType(fullName);
      const object = form === 'json' ? messageFromJson(type, value, '$') : value as Record<string, unknown>;
      const bytes = type.encode(type.fromObject(object)).finish();
      // A view, not a copy: a push writes megabytes of responses, and copying each doubled the work.
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes: Buffer) => {
      const type = xdsProtoRoot().lookupType(fullName);
      return messageToJson(type, type.decode(bytes), '$') as T;
    },
  };
}

function streamingMethod<Req, Res>(name: string, requestType: string, responseType: string): grpc.MethodDefinition<Req, Res> {
  const request = codecFor<Req>(requestType, 'json');
  const response = codecFor<Res>(responseType, 'encoded');
  return {
    path: `${SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: request.deserialize,
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
  };
}

export const ADS_SERVICE_DEFINITION = {
  StreamAggregatedResources: streamingMethod<DiscoveryRequest, DiscoveryResponse>(
    'StreamAggregatedResources', 'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse'),
  DeltaAggregatedResources: streamingMethod<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(
    'DeltaAggregatedResources', 'envoy.service.discovery.v3.DeltaDiscoveryRequest', 'envoy.service.discovery.v3.DeltaDiscoveryResponse'),
};

export type SotwCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
export type DeltaCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
