/**
 * The ADS gRPC server: accepts streams of both flavours, hands each to its own stream object and
 * closes them all on shutdown. It sees the rest of the reconciler only through `SnapshotWatchSource`
 * and `ProxyConnectionHandler`.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log';
import type { SnapshotWatchSource } from '../snapshot-cache';
import type { AdsObserver, ProxyConnectionHandler } from './ads-observer';
import { ADS_SERVICE_DEFINITION, DeltaCall, SotwCall } from './ads-service';
import { DeltaStream } from './delta-stream';
import { SotwStream } from './sotw-stream';
import { SyncStatusRegistry } from './sync-status';

export interface AdsServerOptions {
  readonly snapshots: SnapshotWatchSource;
  readonly proxies: ProxyConnectionHandler;
  readonly log: Logger;
  readonly observer?: AdsObserver;
  /** @default insecure (plaintext); pass TLS credentials to serve xDS over TLS. */
  readonly credentials?: grpc.ServerCredentials;
}

export class AdsServer {
  readonly status = new SyncStatusRegistry();
  private readonly server: grpc.Server;
  private readonly streams = new Set<{ close(): void }>();
  private boundPort: number | undefined;

  constructor(private readonly options: AdsServerOptions) {
    // Envoy keeps ADS streams open for hours; keepalive pings let dead peers be noticed.
    this.server = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_permit_without_calls': 1 });
    const deps = { snapshots: options.snapshots, proxies: options.proxies, status: this.status, observer: options.observer ?? {}, log: options.log };
    this.server.addService(ADS_SERVICE_DEFINITION, {
      StreamAggregatedResources: (call: SotwCall) => this.track(call, new SotwStream(call, deps)),
      DeltaAggregatedResources: (call: DeltaCall) => this.track(call, new DeltaStream(call, deps)),
    });
  }

  /** Binds `host:port` (port 0 picks a free one) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, this.options.credentials ?? grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error) reject(new Error(`cannot listen for xDS on ${address}: ${error.message}`));
        else resolve(bound);
      });
    });
    return this.boundPort;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Stops accepting streams, ends the open ones and waits for gRPC to finish (forced after `graceMs`). */
  async close(graceMs = 2000): Promise<void> {
    for (const stream of [...this.streams]) stream.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private track(call: SotwCall | DeltaCall, stream: { close(): void }): void {
    this.streams.add(stream);
    const forget = () => this.streams.delete(stream);
    call.on('close', forget);
    call.on('cancelled', forget);
    call.on('error', forget);
    call.on('finish', forget);
  }
}
