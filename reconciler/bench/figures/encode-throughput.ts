/**
 * The raw protobuf encode throughput of a set of resources on this machine: each resource is decoded
 * once into a protobufjs message, then encoded again and again for a fixed time. This is the
 * ceiling a control plane that encodes everything per push could reach on one core.
 */
import { lookupMessageType } from '../../src/xds/codec-protos';

export interface CapturedResource {
  readonly typeUrl: string;
  readonly bytes: Uint8Array;
}

/** Bytes encoded per second over at least `minMs` of repeated encoding. */
export function encodeBytesPerSecond(resources: readonly CapturedResource[], minMs = 500): number {
  const messages = resources.map((resource) => {
    const type = lookupMessageType(resource.typeUrl);
    if (!type) throw new Error(`no protobuf type for ${resource.typeUrl}`);
    return { type, message: type.decode(resource.bytes) };
  });
  let bytes = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (const { type, message } of messages) bytes += type.encode(message).finish().length;
    elapsed = performance.now() - started;
  }
  return bytes / (elapsed / 1000);
}
