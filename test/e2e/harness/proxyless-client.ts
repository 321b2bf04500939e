/**
 * A proxyless gRPC client: grpc-js with the xDS resolver, bootstrapped (GRPC_XDS_BOOTSTRAP_CONFIG)
 * to the scenario's reconciler with an Istio-style node (`GENERATOR: grpc`, namespace, labels,
 * locality). No Envoy is involved: the client itself follows the routes and weights it is served.
 * grpc-js-xds reads its bootstrap once per module instance, so one such client per test file.
 */
import { greeterDefinition, GreeterClient, HelloReply } from './grpc-greeter';
import type { MeshScenario } from './mesh-scenario';
import { sendMany, SendManyOptions, TrafficSummary } from './traffic';
import * as grpc from '../../../reconciler/node_modules/@grpc/grpc-js';
import * as grpcXds from '../../../reconciler/node_modules/@grpc/grpc-js-xds';
import { uniqueLoopbackAddress } from '../../../reconciler/test/support/ports';
import { STARTUP_DEADLINE_MS } from '../../../reconciler/test/support/wait';
import { NODE_METADATA } from '../../../src/model';

export interface ProxylessClientOptions {
  readonly name: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** MeshService the channel targets. */
  readonly service: string;
  readonly port: number;
}

export interface ProxylessCallResult {
  readonly code: grpc.status;
  readonly reply?: HelloReply;
  /** The error's details when the call failed. */
  readonly details?: string;
  readonly latencyMs: number;
}

export class ProxylessGreeterClient {
  constructor(readonly nodeId: string, private readonly client: GreeterClient) {}

  /** One call; `deadlineMs` bounds it, name resolution over xDS included. */
  hello(metadata: Readonly<Record<string, string>> = {}, deadlineMs = 5000): Promise<ProxylessCallResult> {
    const started = process.hrtime.bigint();
    const callMetadata = new grpc.Metadata();
    Object.entries(metadata).forEach(([key, value]) => callMetadata.set(key, value));
    return new Promise((resolve) => {
      this.client.Hello({ caller: this.nodeId }, callMetadata, { deadline: Date.now() + deadlineMs }, (error, reply) => resolve({
        code: error ? error.code : grpc.status.OK,
        reply,
        details: error?.details,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
      }));
    });
  }

  /** `count` calls summarised like HTTP traffic: versions answering, statuses as gRPC codes. */
  helloMany(count: number, metadata: Readonly<Record<string, string>> = {}, options?: SendManyOptions): Promise<TrafficSummary> {
    return sendMany(count, async () => {
      const result = await this.hello(metadata);
      return { status: result.code, headers: {}, body: '', version: result.reply?.version, instance: result.reply?.instance, latencyMs: result.latencyMs };
    }, options);
  }

  close(): void {
    this.client.close();
  }
}

/** Starts the client, waits for its first successful call, and hands it to the scenario to stop and to converge on. */
export async function startProxylessClient(mesh: MeshScenario, options: ProxylessClientOptions): Promise<ProxylessGreeterClient> {
  const namespace = options.namespace ?? 'default';
  const address = uniqueLoopbackAddress();
  const nodeId = `sidecar~${address}~${options.name}.${namespace}~${namespace}.svc.cluster.local`;
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${mesh.reconciler.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: nodeId,
      cluster: `${options.name}.${namespace}`,
      locality: { region: 'loopback', zone: 'loopback-a' },
      metadata: {
        GENERATOR: 'grpc',
        [NODE_METADATA.namespace]: namespace,
        [NODE_METADATA.name]: options.name,
        [NODE_METADATA.labels]: { app: options.name },
        [NODE_METADATA.instanceIps]: address,
        [NODE_METADATA.serviceAccount]: options.name,
      },
    },
  });
  grpcXds.register();
  const target = `xds:///${options.service}.${namespace}.svc.cluster.local:${options.port}`;
  const client = new (greeterDefinition().Client)(target, grpc.credentials.createInsecure());
  const greeter = new ProxylessGreeterClient(nodeId, client);
  mesh.adopt({ description: `proxyless gRPC client ${options.name}`, stop: () => greeter.close() }, nodeId);
  // The first call waits for the xDS resolver; a loaded machine may take seconds to get there.
  const first = await greeter.hello({}, STARTUP_DEADLINE_MS);
  if (first.code !== grpc.status.OK) {
    throw new Error(`proxyless client ${options.name}: first call to ${target} failed with gRPC status ${grpc.status[first.code]}: ${first.details}`);
  }
  await mesh.waitUntilServed();
  return greeter;
}
