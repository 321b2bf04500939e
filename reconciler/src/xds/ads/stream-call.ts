/**
 * The gRPC side of an ADS stream, the same for state-of-the-world and delta: requests are handed
 * to the protocol one at a time, the stream closes once whoever ends it, and a request the
 * protocol cannot serve closes this stream with a gRPC status instead of taking the server down.
 */
import * as grpc from '@grpc/grpc-js';
import type { StreamDependencies, StreamSession } from './stream-session';

export class StreamCall<Request, Response> {
  constructor(
    private readonly call: grpc.ServerDuplexStream<Request, Response>,
    private readonly session: StreamSession,
    private readonly deps: StreamDependencies,
    /** Names the stream kind in logs, e.g. `delta xDS stream`. */
    private readonly kind: string,
    onRequest: (request: Request) => void,
  ) {
    call.on('data', (request: Request) => this.safely(() => onRequest(request)));
    call.on('end', () => this.close());
    call.on('error', () => this.close());
    call.on('cancelled', () => this.close());
  }

  /** Ends the stream from the server side (shutdown); later calls do nothing. */
  close(): void {
    if (this.session.isClosed) return;
    this.session.close();
    this.call.end();
  }

  private safely(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.deps.log.warn({ proxy: this.session.proxyId, err: (error as Error).message }, `closing ${this.kind} after a bad request`);
      this.session.close();
      const code = (error as { code?: unknown }).code;
      this.call.emit('error', { code: typeof code === 'number' ? code : grpc.status.INVALID_ARGUMENT, details: (error as Error).message });
    }
  }
}
