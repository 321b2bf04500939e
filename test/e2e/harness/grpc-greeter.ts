/**
 * A tiny gRPC service for gRPC scenarios, `mesh.e2e.Greeter/Hello`, loaded with proto-loader from
 * an inline .proto: the server stands in for a placed instance's application and answers with its
 * version and instance name.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { InstanceIdentity, RunningBackend } from './recording-backend';
import * as grpc from '../../../reconciler/node_modules/@grpc/grpc-js';
import * as protoLoader from '../../../reconciler/node_modules/@grpc/proto-loader';

const GREETER_PROTO = `syntax = "proto3";
package mesh.e2e;
service Greeter {
  rpc Hello (HelloRequest) returns (HelloReply);
}
message HelloRequest { string caller = 1; }
message HelloReply { string service = 1; string version = 2; string instance = 3; }
`;

export interface HelloReply {
  readonly service: string;
  readonly version: string;
  readonly instance: string;
}

/** The generated client class's shape, as far as scenarios use it. */
export interface GreeterClient extends grpc.Client {
  Hello(request: { caller: string }, metadata: grpc.Metadata, options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: HelloReply) => void): grpc.ClientUnaryCall;
}

type GreeterConstructor = new (target: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => GreeterClient;

let loaded: { service: grpc.ServiceDefinition; Client: GreeterConstructor } | undefined;

/** Loads the service once per test file from a temporary .proto. */
export function greeterDefinition(): { service: grpc.ServiceDefinition; Client: GreeterConstructor } {
  if (!loaded) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greeter-proto-'));
    const file = path.join(dir, 'greeter.proto');
    fs.writeFileSync(file, GREETER_PROTO);
    const packageDefinition = protoLoader.loadSync(file, { keepCase: true });
    fs.rmSync(dir, { recursive: true, force: true });
    const Greeter = (grpc.loadPackageDefinition(packageDefinition) as any).mesh.e2e.Greeter;
    loaded = { service: Greeter.service as grpc.ServiceDefinition, Client: Greeter as GreeterConstructor };
  }
  return loaded;
}

/** A Greeter server on `address` (any free port), counting calls by the authority they carried. */
export async function startGreeterBackend(identity: InstanceIdentity, address: string): Promise<RunningBackend> {
  const byHost = new Map<string, number>();
  let hits = 0;
  const server = new grpc.Server();
  server.addService(greeterDefinition().service, {
    Hello: (call: grpc.ServerUnaryCall<{ caller: string }, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) => {
      hits += 1;
      byHost.set(call.getHost(), (byHost.get(call.getHost()) ?? 0) + 1);
      callback(null, { service: identity.service, version: identity.version, instance: identity.instance });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${address}:0`, grpc.ServerCredentials.createInsecure(),
    (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    ...identity,
    address,
    port,
    get hits() {
      return hits;
    },
    hitsByHost: () => Object.fromEntries(byHost),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
