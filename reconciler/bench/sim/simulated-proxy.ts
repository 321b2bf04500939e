/**
 * A lightweight stand-in for an Envoy sidecar's xDS client: sends the node a sidecar bootstrap
 * sends, subscribes in Envoy's order (CDS wildcard → EDS for the EDS clusters received → LDS
 * wildcard → RDS for the route names the listeners use), ACKs every response as Envoy does, and
 * reconnects with Envoy's jittered exponential backoff. It keeps per-type counters for benchmarks.
 */
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS } from '../../src/push/contract';
import { SimulatedAdsClient, WireResponse } from './ads-wire';
import { clusterSummary, listenerSummary, resourceName } from './wire-fields';

export type AdsFlavour = 'sotw' | 'delta';

export const SUBSCRIBED_TYPES = [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route] as const;

export interface TypeCounters {
  responses: number;
  acks: number;
  /** Encoded response bytes received. */
  bytes: number;
  /** Resources received (SotW: every resource of every response; delta: changed ones only). */
  resources: number;
  ackedVersion?: string;
  /** `performance.now()` of the latest ACK. */
  lastAckAt?: number;
}

export interface SimulatedProxyOptions {
  readonly node: Record<string, unknown>;
  readonly target: string;
  readonly flavour: AdsFlavour;
  /** Called after each ACK is written, with `performance.now()`. */
  readonly onAck?: (proxy: SimulatedProxy, typeUrl: string, at: number) => void;
  /** Called with every response before it is acted on (e.g. to keep resource bytes). */
  readonly onResponse?: (proxy: SimulatedProxy, response: WireResponse) => void;
  /** Envoy's ADS retry backoff: first retry uniformly within [0, base), doubling up to max. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** gRPC call metadata sent on every stream, e.g. `authorization: Bearer <service-account token>`. */
  readonly callMetadata?: Record<string, string>;
}

interface TypeState {
  /** Names requested (EDS, RDS); wildcard types keep none. */
  names: Set<string>;
  /** Last accepted version and nonce (SotW ACK fields). */
  version: string;
  nonce: string;
  /** Delta: name → version held, sent back as initial_resource_versions on reconnect. */
  held: Map<string, string>;
}

export class SimulatedProxy {
  readonly counters = new Map<string, TypeCounters>(SUBSCRIBED_TYPES.map((typeUrl) => [typeUrl, { responses: 0, acks: 0, bytes: 0, resources: 0 }]));
  private readonly types = new Map<string, TypeState>();
  /** Cluster name → EDS assignment name; listener name → route names (kept across delta updates). */
  private readonly clusters = new Map<string, string | undefined>();
  private readonly listeners = new Map<string, string[]>();
  private client: grpc.Client | undefined;
  private stream: grpc.ClientDuplexStream<Record<string, unknown>, WireResponse> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryIntervalMs: number;
  private nodeSent = false;
  /** Stream (re)connections, the first included. */
  connections = 0;

  constructor(readonly id: string, private readonly options: SimulatedProxyOptions) {
    this.retryIntervalMs = options.retryBaseMs ?? 500;
  }

  /** Opens the ADS stream and asks for clusters; later subscriptions follow the responses. */
  connect(): void {
    this.stopped = false;
    this.openStream();
  }

  /** True once every type the proxy subscribed to has ACKed its latest response (LDS at least). */
  get isSynced(): boolean {
    if (!this.types.has(TYPE_URLS.listener)) return false;
    return [...this.types.keys()].every((typeUrl) => {
      const counters = this.counters.get(typeUrl)!;
      return counters.acks > 0 && counters.acks === counters.responses;
    });
  }

  /** Types ACKed at least once. */
  get ackedTypes(): string[] {
    return SUBSCRIBED_TYPES.filter((typeUrl) => this.counters.get(typeUrl)!.acks > 0);
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.client?.close();
    this.stream = undefined;
    this.client = undefined;
  }

  private openStream(): void {
    // Each sidecar has its own connection; the default shared subchannel pool would multiplex them all on one.
    this.client ??= new SimulatedAdsClient(this.options.target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    const method = this.options.flavour === 'sotw' ? 'StreamAggregatedResources' : 'DeltaAggregatedResources';
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.options.callMetadata ?? {})) metadata.set(key, value);
    const stream = (this.client as any)[method](metadata) as grpc.ClientDuplexStream<Record<string, unknown>, WireResponse>;
    this.stream = stream;
    this.nodeSent = false;
    this.connections += 1;
    stream.on('data', (response: WireResponse) => {
      this.retryIntervalMs = this.options.retryBaseMs ?? 500;
      this.onResponse(response);
    });
    stream.on('error', () => this.scheduleReconnect(stream));
    stream.on('end', () => this.scheduleReconnect(stream));
    if (this.types.size === 0) {
      this.subscribe(TYPE_URLS.cluster, []);
    } else {
      // Envoy re-sends every subscription on a new stream, with what it already holds.
      for (const typeUrl of this.types.keys()) this.resubscribe(typeUrl);
    }
  }

  private scheduleReconnect(stream: unknown): void {
    if (this.stopped || stream !== this.stream) return;
    this.stream = undefined;
    // Envoy dials a new connection on each retry; a reused grpc-js channel would add its own backoff.
    this.client?.close();
    this.client = undefined;
    const delay = Math.random() * this.retryIntervalMs;
    this.retryIntervalMs = Math.min(this.retryIntervalMs * 2, this.options.retryMaxMs ?? 30_000);
    this.retryTimer = setTimeout(() => this.openStream(), delay);
  }

  private write(request: Record<string, unknown>): void {
    if (!this.stream) return;
    // Like a bootstrap with set_node_on_first_message_only: the node goes on the stream's first message.
    this.stream.write(this.nodeSent ? request : { node: this.options.node, ...request });
    this.nodeSent = true;
  }

  private subscribe(typeUrl: string, names: readonly string[]): void {
    this.types.set(typeUrl, { names: new Set(names), version: '', nonce: '', held: new Map() });
    if (this.options.flavour === 'sotw') this.write({ type_url: typeUrl, resource_names: [...names] });
    else this.write({ type_url: typeUrl, resource_names_subscribe: [...names] });
  }

  private resubscribe(typeUrl: string): void {
    const state = this.types.get(typeUrl)!;
    if (this.options.flavour === 'sotw') {
      this.write({ type_url: typeUrl, resource_names: [...state.names], version_info: state.version });
    } else {
      this.write({ type_url: typeUrl, resource_names_subscribe: [...state.names], initial_resource_versions: Object.fromEntries(state.held) });
    }
  }

  private onResponse(response: WireResponse): void {
    const typeUrl = response.typeUrl;
    const state = this.types.get(typeUrl);
    const counters = this.counters.get(typeUrl);
    if (!state || !counters) return;
    this.options.onResponse?.(this, response);
    counters.responses += 1;
    counters.bytes += response.encodedBytes;
    counters.resources += response.resources.length;
    this.apply(typeUrl, response);
    state.version = response.version;
    state.nonce = response.nonce;
    if (this.options.flavour === 'delta') {
      for (const resource of response.resources) state.held.set(resource.name!, response.version);
      for (const name of response.removed) state.held.delete(name);
    }
    this.ack(typeUrl, state, counters);
    this.followDependents(typeUrl);
  }

  /** Updates the cluster and listener views a later EDS or RDS subscription is derived from. */
  private apply(typeUrl: string, response: WireResponse): void {
    if (typeUrl === TYPE_URLS.cluster) {
      if (this.options.flavour === 'sotw') this.clusters.clear();
      for (const name of response.removed) this.clusters.delete(name);
      for (const resource of response.resources) {
        const summary = clusterSummary(resource.bytes);
        this.clusters.set(summary.name, summary.edsName);
      }
    } else if (typeUrl === TYPE_URLS.listener) {
      if (this.options.flavour === 'sotw') this.listeners.clear();
      for (const name of response.removed) this.listeners.delete(name);
      for (const resource of response.resources) {
        const summary = listenerSummary(resource.bytes);
        this.listeners.set(summary.name, summary.routeNames);
      }
    } else if (typeUrl === TYPE_URLS.route || typeUrl === TYPE_URLS.endpoint) {
      // Names are not needed to follow the protocol; reading one keeps the work honest.
      for (const resource of response.resources.slice(0, 1)) resourceName(resource.bytes);
    }
  }

  private ack(typeUrl: string, state: TypeState, counters: TypeCounters): void {
    if (this.options.flavour === 'sotw') {
      this.write({ type_url: typeUrl, resource_names: [...state.names], version_info: state.version, response_nonce: state.nonce });
    } else {
      this.write({ type_url: typeUrl, response_nonce: state.nonce });
    }
    counters.acks += 1;
    counters.ackedVersion = state.version;
    counters.lastAckAt = performance.now();
    this.options.onAck?.(this, typeUrl, counters.lastAckAt);
  }

  /** After CDS: (re)subscribe EDS; after the first EDS (or no EDS clusters): LDS; after LDS: RDS. */
  private followDependents(typeUrl: string): void {
    if (typeUrl === TYPE_URLS.cluster) {
      const edsNames = [...this.clusters.values()].filter((name): name is string => name !== undefined);
      if (edsNames.length > 0) this.updateNames(TYPE_URLS.endpoint, edsNames);
      else this.startListeners();
    } else if (typeUrl === TYPE_URLS.endpoint) {
      this.startListeners();
    } else if (typeUrl === TYPE_URLS.listener) {
      const routeNames = [...new Set([...this.listeners.values()].flat())];
      if (routeNames.length > 0) this.updateNames(TYPE_URLS.route, routeNames);
    }
  }

  private startListeners(): void {
    if (!this.types.has(TYPE_URLS.listener)) this.subscribe(TYPE_URLS.listener, []);
  }

  private updateNames(typeUrl: string, wanted: readonly string[]): void {
    const state = this.types.get(typeUrl);
    if (!state) {
      this.subscribe(typeUrl, [...wanted].sort());
      return;
    }
    const next = new Set(wanted);
    const added = [...next].filter((name) => !state.names.has(name));
    const removed = [...state.names].filter((name) => !next.has(name));
    if (added.length === 0 && removed.length === 0) return;
    state.names = next;
    if (this.options.flavour === 'sotw') {
      this.write({ type_url: typeUrl, resource_names: [...next].sort(), version_info: state.version, response_nonce: state.nonce });
    } else {
      for (const name of removed) state.held.delete(name);
      this.write({ type_url: typeUrl, resource_names_subscribe: added, resource_names_unsubscribe: removed });
    }
  }
}
