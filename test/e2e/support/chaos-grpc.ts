/**
 * A real gRPC server and client (grpc-js, which the reconciler package ships) for fault scenarios:
 * the server replaces the application of a placed instance; the client calls through a caller's
 * Envoy egress listener with the service's host as authority, so Envoy routes it like any mesh call.
 * Messages are raw bytes, so no .proto file is needed.
 */
import * as grpc from '../../../reconciler/node_modules/@grpc/grpc-js';
import type { MeshScenario } from '../harness';

const identity = (bytes: Buffer) => bytes;

/** One unary method, `/mesh.e2e.Probe/Check`, answering with the instance name. */
const PROBE_SERVICE = {
  check: {
    path: '/mesh.e2e.Probe/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies grpc.ServiceDefinition;

/** What one call produced: the status code (0 = OK) and the reply when there was one. */
export interface ProbeOutcome {
  readonly code: grpc.status;
  readonly reply?: string;
}

/** Replaces the application of `service`/`version` instance 0 with the gRPC probe server. */
export async function serveGrpcProbe(mesh: MeshScenario, service: string, version: string): Promise<void> {
  const placed = mesh.backends(service, version)[0];
  if (!placed) {
    throw new Error(`no placed instance of ${service} ${version}; declare it in the scenario's workloads`);
  }
  await placed.close();
  const server = new grpc.Server();
  server.addService(PROBE_SERVICE, {
    check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(placed.instance)),
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`${placed.address}:${placed.port}`, grpc.ServerCredentials.createInsecure(),
    (error) => (error ? reject(error) : resolve())));
  mesh.adopt({
    description: `gRPC probe server of ${placed.instance}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  });
}

/** A gRPC client of the probe service through the caller's sidecar; stopped with the scenario. */
export function grpcProbeClient(mesh: MeshScenario, from: string, service: string): (metadata?: Record<string, string>) => Promise<ProbeOutcome> {
  const target = mesh.target(from, { service });
  const Client = grpc.makeGenericClientConstructor(PROBE_SERVICE, 'Probe');
  const client = new Client(`${target.address}:${target.port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': target.host });
  mesh.adopt({ description: `gRPC probe client of ${from}`, stop: () => client.close() });
  return (metadata = {}) => new Promise<ProbeOutcome>((resolve) => {
    const callMetadata = new grpc.Metadata();
    Object.entries(metadata).forEach(([key, value]) => callMetadata.set(key, value));
    const options = { deadline: Date.now() + 5000 };
    client.makeUnaryRequest(PROBE_SERVICE.check.path, identity, identity, Buffer.from('probe'), callMetadata, options,
      (error: grpc.ServiceError | null, reply?: Buffer) => {
        resolve(error ? { code: error.code } : { code: grpc.status.OK, reply: reply?.toString() });
      });
  });
}
