/**
 * The ADS method definitions a simulated proxy uses: requests are encoded from proto3 JSON with the
 * reconciler's codec (so node metadata travels as a Struct, as Envoy sends it); responses are decoded
 * only down to the `Any` bytes, and each response's encoded size is kept for byte accounting.
 */
import * as grpc from '@grpc/grpc-js';
import { xdsProtoRoot } from '../../src/xds/codec';
import { messageFromJson } from '../../src/xds/codec-from-json';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

export interface WireResource {
  /** Delta responses name each resource; SotW ones carry only the bytes. */
  readonly name?: string;
  readonly bytes: Uint8Array;
}

/** A DiscoveryResponse or DeltaDiscoveryResponse, with only what a client acts on. */
export interface WireResponse {
  readonly typeUrl: string;
  readonly nonce: string;
  /** `version_info` (SotW) or `system_version_info` (delta). */
  readonly version: string;
  readonly resources: readonly WireResource[];
  readonly removed: readonly string[];
  /** Size of the encoded response message as it came off the stream. */
  readonly encodedBytes: number;
}

function requestSerializer(fullName: string): (request: Record<string, unknown>) => Buffer {
  return (request) => {
    const type = xdsProtoRoot().lookupType(fullName);
    return Buffer.from(type.encode(type.fromObject(messageFromJson(type, request, '$'))).finish());
  };
}

function sotwResponse(bytes: Buffer): WireResponse {
  const type = xdsProtoRoot().lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const decoded = type.decode(bytes) as unknown as { version_info: string; type_url: string; nonce: string; resources: { value: Uint8Array }[] };
  return {
    typeUrl: decoded.type_url,
    nonce: decoded.nonce,
    version: decoded.version_info,
    resources: decoded.resources.map((resource) => ({ bytes: resource.value })),
    removed: [],
    encodedBytes: bytes.length,
  };
}

function deltaResponse(bytes: Buffer): WireResponse {
  const type = xdsProtoRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  const decoded = type.decode(bytes) as unknown as {
    system_version_info: string; type_url: string; nonce: string; removed_resources: string[];
    resources: { name: string; resource?: { value: Uint8Array } }[];
  };
  return {
    typeUrl: decoded.type_url,
    nonce: decoded.nonce,
    version: decoded.system_version_info,
    resources: decoded.resources.map((resource) => ({ name: resource.name, bytes: resource.resource?.value ?? new Uint8Array() })),
    removed: decoded.removed_resources,
    encodedBytes: bytes.length,
  };
}

function method(name: string, requestType: string, deserialize: (bytes: Buffer) => WireResponse): grpc.MethodDefinition<Record<string, unknown>, WireResponse> {
  return {
    path: `${SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: requestSerializer(requestType),
    requestDeserialize: () => { throw new Error('a simulated proxy never receives requests'); },
    responseSerialize: () => { throw new Error('a simulated proxy never sends responses'); },
    responseDeserialize: deserialize,
  };
}

export const SIMULATED_ADS_DEFINITION = {
  StreamAggregatedResources: method('StreamAggregatedResources', 'envoy.service.discovery.v3.DiscoveryRequest', sotwResponse),
  DeltaAggregatedResources: method('DeltaAggregatedResources', 'envoy.service.discovery.v3.DeltaDiscoveryRequest', deltaResponse),
};

export const SimulatedAdsClient = grpc.makeGenericClientConstructor(SIMULATED_ADS_DEFINITION, 'AggregatedDiscoveryService');
