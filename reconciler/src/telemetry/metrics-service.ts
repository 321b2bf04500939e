/**
 * `envoy.service.metrics.v3.MetricsService/StreamMetrics` on the xDS ports: every proxy's stats
 * sink streams its flushes here. A stream is authenticated before its first message is read,
 * exactly like an ADS stream (the same authenticator), and bound to the proxy named by the node of
 * its first message; a service-account caller may only report as itself. A stream that breaks the
 * protocol is closed with a gRPC status saying why, and counted; the reconciler carries on.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log';
import { parseProxyIdentity } from '../push/proxy-identity';
import { AdsAccessError, assertCallerMayClaim, AuthenticatedCaller, ProxyAuthenticator } from '../xds/ads/proxy-authentication';
import { decodeStreamMetricsMessage } from './metrics-wire';
import type { ProxyStatsStream } from './telemetry-store';

const STREAM_METRICS_PATH = '/envoy.service.metrics.v3.MetricsService/StreamMetrics';

/** Messages stay raw bytes: the stream decodes them knowing which stats it reads. */
export const METRICS_SERVICE_DEFINITION: grpc.ServiceDefinition = {
  StreamMetrics: {
    path: STREAM_METRICS_PATH,
    requestStream: true,
    responseStream: false,
    requestSerialize: (bytes: Buffer) => bytes,
    requestDeserialize: (bytes: Buffer) => bytes,
    // StreamMetricsResponse has no fields: its encoding is empty.
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: () => ({}),
  },
};

/** Reads only the identifier of a stream's first message. */
const SKIP_METRICS = { bytes: () => false };

type MetricsCall = grpc.ServerReadableStream<Buffer, Record<string, never>>;
type MetricsCallback = grpc.sendUnaryData<Record<string, never>>;

/** Who receives the streams: the telemetry store. */
export interface StatsStreamSink {
  openStream(proxy: ReturnType<typeof parseProxyIdentity>, now: number): ProxyStatsStream;
}

export interface MetricsServiceOptions {
  readonly sink: StatsStreamSink;
  readonly log: Logger;
  /** The ADS authenticator; absent means anyone may report. */
  readonly authenticator?: ProxyAuthenticator;
  /** @default Date.now */
  readonly clock?: () => number;
}

export class MetricsService {
  /** Streams closed by the reconciler, by reason (`unauthenticated`, `forbidden`, `bad-node`, `bad-message`). */
  readonly refusals = new Map<string, number>();
  private readonly open = new Set<{ finish(respond: boolean): void }>();
  private readonly clock: () => number;

  constructor(private readonly options: MetricsServiceOptions) {
    this.clock = options.clock ?? Date.now;
  }

  readonly implementation: grpc.UntypedServiceImplementation = {
    StreamMetrics: (call: MetricsCall, callback: MetricsCallback) => this.accept(call, callback),
  };

  get openStreams(): number {
    return this.open.size;
  }

  /** Ends every open stream (shutdown); proxies reconnect to whoever serves next. */
  close(): void {
    for (const stream of [...this.open]) stream.finish(true);
  }

  private accept(call: MetricsCall, callback: MetricsCallback): void {
    const authenticator = this.options.authenticator;
    if (!authenticator) {
      this.serve(call, callback, undefined);
      return;
    }
    authenticator.authenticate({ metadata: call.metadata, peer: call.getPeer() }).then(
      (caller) => this.serve(call, callback, caller),
      (error: Error) => {
        const code = error instanceof AdsAccessError ? error.code : grpc.status.UNAUTHENTICATED;
        this.refuse(call, callback, code === grpc.status.PERMISSION_DENIED ? 'forbidden' : 'unauthenticated', code, error.message);
      },
    );
  }

  /** Requests stay buffered until the data listener is attached, so nothing is lost while authenticating. */
  private serve(call: MetricsCall, callback: MetricsCallback, caller: AuthenticatedCaller | undefined): void {
    // The proxy may have hung up while its credentials were checked.
    if (call.cancelled) return;
    let stream: ProxyStatsStream | undefined;
    let done = false;
    const handle = {
      /** Responding ends the call; a call the peer cancelled has nobody left to answer. */
      finish: (respond: boolean) => {
        if (done) return;
        done = true;
        this.open.delete(handle);
        stream?.close(this.clock());
        if (respond) callback(null, {});
      },
    };
    const fail = (reason: string, code: grpc.status, message: string) => {
      if (done) return;
      done = true;
      this.open.delete(handle);
      stream?.close(this.clock());
      this.refuse(call, callback, reason, code, message);
    };
    this.open.add(handle);
    call.on('data', (bytes: Buffer) => {
      if (done) return;
      try {
        if (!stream) {
          const { node } = decodeStreamMetricsMessage(bytes, SKIP_METRICS);
          if (!node) {
            fail('bad-node', grpc.status.INVALID_ARGUMENT, 'the first StreamMetricsMessage of a stream must carry identifier.node (Envoy sends it)');
            return;
          }
          const identity = parseProxyIdentity(node);
          assertCallerMayClaim(caller, identity);
          stream = this.options.sink.openStream(identity, this.clock());
        }
        stream.record(decodeStreamMetricsMessage(bytes, stream.filter).metrics, this.clock());
      } catch (error) {
        if (error instanceof AdsAccessError) fail('forbidden', error.code, error.message);
        else fail(stream ? 'bad-message' : 'bad-node', grpc.status.INVALID_ARGUMENT, (error as Error).message);
      }
    });
    call.on('end', () => handle.finish(true));
    call.on('error', () => handle.finish(false));
    call.on('cancelled', () => handle.finish(false));
  }

  private refuse(call: MetricsCall, callback: MetricsCallback, reason: string, code: grpc.status, message: string): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
    this.options.log.warn({ peer: call.getPeer(), reason, err: message }, 'refusing a stats stream');
    callback({ code, details: message });
  }
}
