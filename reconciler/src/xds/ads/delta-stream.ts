/**
 * One incremental ADS stream (`DeltaAggregatedResources`). The server tracks which version of each
 * resource the proxy holds and sends only changed resources and removals. A NACK is recorded and
 * nothing is resent until the content changes again, so a rejected resource cannot loop.
 */
import { TYPE_URLS } from '../../push/contract';
import type { EncodedResource } from '../codec';
import { PUSH_ORDER } from '../snapshot';
import type { DeltaCall, DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './ads-service';
import { KnownVersions } from './known-versions';
import { ResourcesByName, setDifference } from './set-difference';
import { StreamCall } from './stream-call';
import { BuiltResponse, isWildcardType, StreamDependencies, StreamSession } from './stream-session';

interface DeltaTypeState {
  wildcard: boolean;
  readonly subscribed: Set<string>;
  /** Resource name → version the proxy holds (as far as this server knows). */
  readonly known: KnownVersions;
  /** Nonce → system version and the resources sent, for responses not yet ACKed or NACKed. */
  readonly pending: Map<string, SentResponse>;
  /** Bumped on every subscription change, so a coverage check knows when it is stale. */
  subscriptionEpoch: number;
  /** A set whose every name the proxy was found subscribed to, at that epoch. */
  covered?: { readonly set: ResourcesByName; readonly epoch: number };
}

interface SentResponse {
  readonly version: string;
  readonly resources: readonly EncodedResource[];
}

const CLUSTER_TYPE = TYPE_URLS.cluster;
const ENDPOINT_TYPE = TYPE_URLS.endpoint;

export class DeltaStream {
  private readonly session: StreamSession;
  private readonly types = new Map<string, DeltaTypeState>();
  private readonly lifecycle: StreamCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  /** Endpoints forgotten for updated clusters and not sent since (see forgetEndpoints). */
  private endpointsOwed = false;

  constructor(private readonly call: DeltaCall, private readonly deps: StreamDependencies) {
    this.session = new StreamSession(deps, () => this.pushAll());
    this.lifecycle = new StreamCall(call, this.session, deps, 'delta xDS stream', (request: DeltaDiscoveryRequest) => this.onRequest(request));
  }

  /** Ends the stream from the server side (shutdown). */
  close(): void {
    this.lifecycle.close();
  }

  private onRequest(request: DeltaDiscoveryRequest): void {
    const proxyId = this.session.bind(request.node);
    const typeUrl = request.type_url ?? '';
    const nonce = request.response_nonce ?? '';
    let state = this.types.get(typeUrl);
    const isFirst = !state;
    if (!state) {
      state = { wildcard: false, subscribed: new Set(), known: new KnownVersions(request.initial_resource_versions ?? {}), pending: new Map(), subscriptionEpoch: 0 };
      this.types.set(typeUrl, state);
    }

    if (nonce !== '') {
      const sent = state.pending.get(nonce);
      if (sent === undefined) {
        this.deps.log.debug({ proxy: proxyId, typeUrl, nonce }, 'ignoring a delta request with a stale nonce');
        return;
      }
      state.pending.delete(nonce);
      const { version } = sent;
      if (request.error_detail) {
        const message = request.error_detail.message ?? '';
        const keptVersion = this.deps.status.get(proxyId, typeUrl).ackedVersion ?? '';
        this.deps.status.recordNack(proxyId, typeUrl, { keptVersion, rejectedVersion: version, nonce, message });
        this.deps.observer.nacked?.(proxyId, typeUrl, {
          keptVersion, rejectedVersion: version, errorDetail: { code: request.error_detail.code, message }, resources: sent.resources, changed: sent.resources,
        });
        this.deps.log.warn({ proxy: proxyId, typeUrl, rejectedVersion: version, message }, 'proxy rejected config (delta NACK)');
        return;
      }
      this.deps.status.recordAck(proxyId, typeUrl, version);
      const current = this.session.current;
      const convergence = current?.snapshot.version(typeUrl) === version ? Date.now() - current.publishedAt : undefined;
      this.deps.observer.acked?.(proxyId, typeUrl, version, convergence);
    }

    const subscribe = request.resource_names_subscribe ?? [];
    const unsubscribe = request.resource_names_unsubscribe ?? [];
    if (subscribe.length > 0 || unsubscribe.length > 0) state.subscriptionEpoch += 1;
    if (isFirst && isWildcardType(typeUrl) && subscribe.length === 0) state.wildcard = true;
    for (const name of subscribe) {
      if (name === '*') {
        state.wildcard = true;
        continue;
      }
      const interned = this.session.internName(typeUrl, name);
      state.subscribed.add(interned);
      // A subscription for a resource the proxy already held is a new watch: answer it, unless the
      // proxy said on connect that it holds it.
      if (!isFirst || !(request.initial_resource_versions ?? {})[name]) state.known.delete(interned);
    }
    for (const name of unsubscribe) {
      if (name === '*') state.wildcard = false;
      state.subscribed.delete(name);
      state.known.delete(name);
    }
    // Envoy waits for a first answer per type before finishing initialization, even an empty one.
    if (isFirst || subscribe.length > 0) this.send(typeUrl, isFirst);
  }

  /**
   * An updated EDS cluster warms until its endpoints arrive, and Envoy does not ask for them again
   * (the subscription is unchanged): forget that the proxy holds them, so the endpoints response
   * that follows every clusters response sends them even when they did not change. Otherwise the
   * cluster stays warming until its initial fetch timeout and the old version keeps serving.
   */
  private forgetEndpoints(names: readonly string[]): void {
    const endpoints = this.types.get(ENDPOINT_TYPE);
    if (!endpoints) return;
    for (const name of names) endpoints.known.delete(name);
    this.endpointsOwed = true;
  }

  private pushAll(): void {
    const ordered = [...PUSH_ORDER, ...[...this.types.keys()].filter((typeUrl) => !PUSH_ORDER.includes(typeUrl))];
    for (const typeUrl of ordered) {
      if (this.types.has(typeUrl)) this.send(typeUrl, false);
    }
  }

  /** Queues a response with what changed for the type; it is worked out when the write budget admits it. */
  private send(typeUrl: string, evenIfEmpty: boolean): void {
    this.session.schedule(this.call, () => this.changes(typeUrl, evenIfEmpty));
    // After the clusters: the endpoints of the clusters they updated (see forgetEndpoints); nothing to work out when none.
    if (typeUrl === CLUSTER_TYPE && this.types.has(ENDPOINT_TYPE)) {
      this.session.schedule(this.call, () => (this.endpointsOwed ? this.changes(ENDPOINT_TYPE, false) : undefined));
    }
  }

  private changes(typeUrl: string, evenIfEmpty: boolean): BuiltResponse<DeltaDiscoveryResponse> | undefined {
    const state = this.types.get(typeUrl);
    const current = this.session.current;
    const version = current?.snapshot.version(typeUrl);
    if (!state || !current || version === undefined) return undefined;
    if (typeUrl === ENDPOINT_TYPE) this.endpointsOwed = false;
    const available = current.snapshot.resources(typeUrl);
    const { sent, removed, holdsAll, updatedEdsClusters } = this.sharedChanges(state, available, typeUrl) ?? this.ownChanges(state, available, typeUrl);
    const resources: DeltaDiscoveryResponse['resources'][number][] = sent.map((resource) => ({
      name: resource.name, version: resource.hash, resource: { type_url: typeUrl, value: resource.bytes },
    }));
    const resourceBytes = sent.reduce((sum, resource) => sum + resource.bytes.length, 0);
    if (holdsAll) state.covered = { set: available, epoch: state.subscriptionEpoch };
    if (resources.length === 0 && removed.length === 0 && !evenIfEmpty) {
      if (holdsAll) state.known.holdExactly(available);
      return undefined;
    }

    if (holdsAll) {
      state.known.holdExactly(available);
    } else {
      for (const entry of resources) state.known.set(entry.name, entry.version);
      for (const name of removed) state.known.delete(name);
    }
    if (updatedEdsClusters.length > 0) this.forgetEndpoints(updatedEdsClusters);
    const nonce = this.session.nextNonce();
    state.pending.set(nonce, { version, resources: sent });
    const proxyId = this.session.proxyId!;
    this.deps.status.recordSent(proxyId, typeUrl, version, nonce, current.reasons);
    this.deps.observer.responseSent?.(proxyId, typeUrl, resources.length);
    return { response: { system_version_info: version, type_url: typeUrl, nonce, resources, removed_resources: [...removed] }, resourceBytes };
  }

  /**
   * The usual case, from the difference shared by every proxy making the same move: the proxy holds
   * exactly one set and wants every resource of the next one. Undefined when that is not known.
   */
  private sharedChanges(state: DeltaTypeState, available: ResourcesByName, typeUrl: string): TypeChanges | undefined {
    const held = state.known.exactly();
    if (!held) return undefined;
    const difference = setDifference(held, available);
    const covered = state.wildcard || (state.covered?.set === held && state.covered.epoch === state.subscriptionEpoch
      && difference.added.every((name) => state.subscribed.has(name)));
    if (!covered) return undefined;
    const updatedEdsClusters = typeUrl === CLUSTER_TYPE
      ? difference.changed.filter((resource) => held.has(resource.name)).flatMap(edsServiceNames)
      : [];
    return { sent: difference.changed, removed: difference.removed, holdsAll: true, updatedEdsClusters };
  }

  /** Resource by resource, against what this proxy holds and subscribes to. */
  private ownChanges(state: DeltaTypeState, available: ResourcesByName, typeUrl: string): TypeChanges {
    const wanted = state.wildcard ? available.keys() : state.subscribed.values();
    const sent: EncodedResource[] = [];
    const updatedEdsClusters: string[] = [];
    for (const name of wanted) {
      const resource = available.get(name);
      const held = state.known.get(name);
      if (!resource || held === resource.hash) continue;
      if (typeUrl === CLUSTER_TYPE && held !== undefined) updatedEdsClusters.push(...edsServiceNames(resource));
      sent.push(resource);
    }
    const removed = state.known.missingFrom(available);
    return { sent, removed, holdsAll: state.wildcard || subscribesAll(state.subscribed, available), updatedEdsClusters };
  }
}

interface TypeChanges {
  readonly sent: readonly EncodedResource[];
  readonly removed: readonly string[];
  /** The proxy wants every available resource, so once answered it holds exactly the snapshot's set. */
  readonly holdsAll: boolean;
  readonly updatedEdsClusters: readonly string[];
}

/** The EDS names an EDS cluster reads its endpoints from (none for other cluster types). */
function edsServiceNames(cluster: EncodedResource): string[] {
  const json = cluster.json as { type?: string; eds_cluster_config?: { service_name?: string } };
  if (json.type !== 'EDS') return [];
  return [json.eds_cluster_config?.service_name || cluster.name];
}

/** Whether every available resource is subscribed: then after a response the proxy holds exactly them. */
function subscribesAll(subscribed: ReadonlySet<string>, available: ReadonlyMap<string, unknown>): boolean {
  if (subscribed.size < available.size) return false;
  for (const name of available.keys()) if (!subscribed.has(name)) return false;
  return true;
}
