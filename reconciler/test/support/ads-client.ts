/**
 * A minimal ADS client for tests: opens a SotW or delta stream, sends requests as proto3 JSON and
 * hands responses out in arrival order (resources decoded to proto3 JSON with `@type`).
 */
import * as grpc from '@grpc/grpc-js';
import { ADS_SERVICE_DEFINITION } from '../../src/xds/ads/ads-service';

export interface ReceivedResponse {
  readonly [field: string]: any;
}

const AdsClient = grpc.makeGenericClientConstructor(ADS_SERVICE_DEFINITION, 'AggregatedDiscoveryService');

export class TestAdsStream {
  private readonly queue: ReceivedResponse[] = [];
  private readonly waiters: ((response: ReceivedResponse) => void)[] = [];
  private failure: Error | undefined;
  private readonly failureWaiters: ((error: Error) => void)[] = [];

  private constructor(private readonly client: grpc.Client, private readonly stream: grpc.ClientDuplexStream<unknown, ReceivedResponse>) {
    stream.on('data', (response: ReceivedResponse) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(response);
      else this.queue.push(response);
    });
    stream.on('error', (error: Error) => {
      this.failure = error;
      this.failureWaiters.splice(0).forEach((waiter) => waiter(error));
    });
  }

  /** `metadata`: headers sent with the stream, e.g. `{ authorization: 'Bearer …' }`. */
  static open(port: number, flavour: 'sotw' | 'delta', metadata?: Record<string, string>): TestAdsStream {
    return TestAdsStream.openWith(new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()), flavour, metadata);
  }

  /** Over TLS to `address` (`host:port`), verifying the server's certificate against `rootCertPem` for `serverName`. */
  static openTls(address: string, tls: { rootCertPem: string; serverName: string }, flavour: 'sotw' | 'delta', metadata?: Record<string, string>): TestAdsStream {
    const credentials = grpc.credentials.createSsl(Buffer.from(tls.rootCertPem));
    return TestAdsStream.openWith(new AdsClient(address, credentials, { 'grpc.ssl_target_name_override': tls.serverName }), flavour, metadata);
  }

  private static openWith(client: grpc.Client, flavour: 'sotw' | 'delta', metadata?: Record<string, string>): TestAdsStream {
    const method = flavour === 'sotw' ? 'StreamAggregatedResources' : 'DeltaAggregatedResources';
    const headers = new grpc.Metadata();
    Object.entries(metadata ?? {}).forEach(([key, value]) => headers.set(key, value));
    const stream = (client as any)[method](headers) as grpc.ClientDuplexStream<unknown, ReceivedResponse>;
    return new TestAdsStream(client, stream);
  }

  send(request: Record<string, unknown>): void {
    this.stream.write(request);
  }

  /** The next response, or a rejection after `timeoutMs` naming what was awaited. */
  next(timeoutMs = 5000): Promise<ReceivedResponse> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no xDS response within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  /** Resolves with the stream's error status. */
  failed(): Promise<Error> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.failureWaiters.push(resolve));
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}
