/**
 * The ADS gRPC server: accepts streams of both flavours, hands each to its own stream object and
 * closes them all on shutdown. It may listen on several ports (plaintext and TLS) at once. It sees
 * the rest of the reconciler only through `SnapshotWatchSource`, `ProxyConnectionHandler` and,
 * when callers must prove who they are, `ProxyAuthenticator`.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log';
import type { SnapshotWatchSource } from '../snapshot-cache';
import type { AdsObserver, ProxyConnectionHandler } from './ads-observer';
import { ADS_SERVICE_DEFINITION, DeltaCall, SotwCall } from './ads-service';
import { DeltaStream } from './delta-stream';
import { AdsAccessError, AuthenticatedCaller, ProxyAuthenticator } from './proxy-authentication';
import { SotwStream } from './sotw-stream';
import { SyncStatusRegistry } from './sync-status';
import { WriteBudget, WriteBudgetOptions } from './write-budget';

export interface AdsServerOptions {
  readonly snapshots: SnapshotWatchSource;
  readonly proxies: ProxyConnectionHandler;
  readonly log: Logger;
  readonly observer?: AdsObserver;
  /** @default insecure (plaintext); pass TLS credentials to serve xDS over TLS. */
  readonly credentials?: grpc.ServerCredentials;
  /** Checks each stream's caller before its first request is read; absent means anyone may connect. */
  readonly authenticator?: ProxyAuthenticator;
  /** Bounds response bytes written but not yet flushed, over all streams. */
  readonly writeBudget?: WriteBudgetOptions;
  /** Further gRPC services proxies reach over the same ports (the stats stream). */
  readonly services?: readonly { readonly definition: grpc.ServiceDefinition; readonly implementation: grpc.UntypedServiceImplementation }[];
}

export class AdsServer {
  readonly status = new SyncStatusRegistry();
  private readonly server: grpc.Server;
  private readonly streams = new Set<{ close(): void }>();
  private readonly pendingCalls = new Set<SotwCall | DeltaCall>();
  private boundPort: number | undefined;

  constructor(private readonly options: AdsServerOptions) {
    // Envoy keeps ADS streams open for hours; keepalive pings let dead peers be noticed.
    this.server = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_permit_without_calls': 1 });
    const deps = {
      snapshots: options.snapshots, proxies: options.proxies, status: this.status, observer: options.observer ?? {}, log: options.log,
      writeBudget: new WriteBudget(options.writeBudget),
    };
    this.server.addService(ADS_SERVICE_DEFINITION, {
      StreamAggregatedResources: (call: SotwCall) => this.accept(call, (caller) => new SotwStream(call, { ...deps, caller })),
      DeltaAggregatedResources: (call: DeltaCall) => this.accept(call, (caller) => new DeltaStream(call, { ...deps, caller })),
    });
    for (const service of options.services ?? []) this.server.addService(service.definition, service.implementation);
  }

  /**
   * Binds `host:port` (port 0 picks a free one) with `credentials` (default: the server's) and
   * returns the bound port. Call once per port, e.g. plaintext and TLS.
   */
  async listen(host: string, port: number, credentials?: grpc.ServerCredentials): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, credentials ?? this.options.credentials ?? grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error) reject(new Error(`cannot listen for xDS on ${address}: ${error.message}`));
        else resolve(boundPort);
      });
    });
    this.boundPort ??= bound;
    return bound;
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
    for (const call of [...this.pendingCalls]) call.end();
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

  /**
   * Opens the stream once its caller is known. Requests stay buffered meanwhile: a gRPC call does
   * not emit data before the stream object attaches its listener.
   */
  private accept(call: SotwCall | DeltaCall, open: (caller: AuthenticatedCaller | undefined) => { close(): void }): void {
    const authenticator = this.options.authenticator;
    if (!authenticator) {
      this.track(call, open(undefined));
      return;
    }
    this.pendingCalls.add(call);
    let ended = false;
    call.once('cancelled', () => { ended = true; });
    authenticator.authenticate({ metadata: call.metadata, peer: call.getPeer() }).then((caller) => {
      this.pendingCalls.delete(call);
      if (!ended) this.track(call, open(caller));
    }, (error: Error) => {
      this.pendingCalls.delete(call);
      const code = error instanceof AdsAccessError ? error.code : grpc.status.UNAUTHENTICATED;
      this.options.log.warn({ peer: call.getPeer(), err: error.message }, 'refusing an xDS stream');
      call.emit('error', { code, details: error.message });
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
