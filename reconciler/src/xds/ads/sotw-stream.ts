/**
 * One state-of-the-world ADS stream (`StreamAggregatedResources`). Per type it remembers what was
 * sent and ACKed; a NACK is recorded and the rejected version is never sent again, only a newer
 * snapshot is. Requests echoing an older nonce are stale and ignored.
 */
import { TYPE_URLS } from '../../push/contract';
import type { EncodedResource } from '../codec';
import { PUSH_ORDER } from '../snapshot';
import type { DiscoveryRequest, DiscoveryResponse, SotwCall } from './ads-service';
import { StreamCall } from './stream-call';
import { BuiltResponse, isWildcardType, StreamDependencies, StreamSession } from './stream-session';

interface SotwTypeState {
  wildcard: boolean;
  names: ReadonlySet<string>;
  sentVersion?: string;
  sentNonce?: string;
  sentNamesKey?: string;
  sentAt?: number;
  /**
   * Answer the next request even if it only ACKs: set for endpoints whenever clusters are sent,
   * because Envoy re-requests the endpoints of every cluster it updates and keeps the cluster
   * warming (up to its 15 s initial fetch timeout) until an answer comes, changed or not.
   */
  answerNext?: boolean;
  /** What the last response carried, so a NACK of it can name the resources. */
  sentResources?: readonly EncodedResource[];
  /** What the last ACKed response carried, so a NACK can tell which resources changed. */
  ackedResources?: readonly EncodedResource[];
}

const CLUSTER_TYPE = TYPE_URLS.cluster;
const ENDPOINT_TYPE = TYPE_URLS.endpoint;

export class SotwStream {
  private readonly session: StreamSession;
  private readonly types = new Map<string, SotwTypeState>();
  private readonly lifecycle: StreamCall<DiscoveryRequest, DiscoveryResponse>;

  constructor(private readonly call: SotwCall, private readonly deps: StreamDependencies) {
    this.session = new StreamSession(deps, () => this.pushAll());
    this.lifecycle = new StreamCall(call, this.session, deps, 'xDS stream', (request: DiscoveryRequest) => this.onRequest(request));
  }

  /** Ends the stream from the server side (shutdown). */
  close(): void {
    this.lifecycle.close();
  }

  private onRequest(request: DiscoveryRequest): void {
    const proxyId = this.session.bind(request.node);
    const typeUrl = request.type_url ?? '';
    const nonce = request.response_nonce ?? '';
    const state = this.types.get(typeUrl);

    if (nonce !== '' && state?.sentNonce !== nonce) {
      this.deps.log.debug({ proxy: proxyId, typeUrl, nonce }, 'ignoring a request with a stale nonce');
      return;
    }
    if (nonce !== '' && request.error_detail) {
      this.recordNack(proxyId, typeUrl, request, state!);
      return;
    }
    if (nonce !== '' && state) this.recordAck(proxyId, typeUrl, request.version_info ?? '', state);

    const names = request.resource_names ?? [];
    const next: SotwTypeState = {
      ...(state ?? {}),
      wildcard: isWildcardType(typeUrl) && (names.length === 0 || names.includes('*')),
      names: new Set(names.filter((name) => name !== '*').map((name) => this.session.internName(typeUrl, name))),
    };
    this.types.set(typeUrl, next);
    // A first request (no nonce) always gets an answer; an ACK only when the subscription changed
    // or the proxy is waiting for endpoints of clusters it just received.
    if (nonce === '' || namesKey(next) !== next.sentNamesKey || next.answerNext) this.send(typeUrl, 'request');
  }

  private recordAck(proxyId: string, typeUrl: string, version: string, state: SotwTypeState): void {
    this.deps.status.recordAck(proxyId, typeUrl, version);
    if (version === state.sentVersion) state.ackedResources = state.sentResources;
    const current = this.session.current;
    const convergence = current && version === state.sentVersion ? Date.now() - current.publishedAt : undefined;
    this.deps.observer.acked?.(proxyId, typeUrl, version, convergence);
  }

  private recordNack(proxyId: string, typeUrl: string, request: DiscoveryRequest, state: SotwTypeState): void {
    const message = request.error_detail?.message ?? '';
    const keptVersion = request.version_info ?? '';
    this.deps.status.recordNack(proxyId, typeUrl, { keptVersion, rejectedVersion: state.sentVersion, nonce: request.response_nonce ?? '', message });
    const sent = state.sentResources ?? [];
    const accepted = new Map((state.ackedResources ?? []).map((resource) => [resource.name, resource.hash]));
    this.deps.observer.nacked?.(proxyId, typeUrl, {
      keptVersion, rejectedVersion: state.sentVersion, errorDetail: { code: request.error_detail?.code, message },
      resources: sent, changed: sent.filter((resource) => accepted.get(resource.name) !== resource.hash),
    });
    this.deps.log.warn({ proxy: proxyId, typeUrl, rejectedVersion: state.sentVersion, message }, 'proxy rejected config (NACK)');
  }

  /** Sends every subscribed type whose version moved, clusters before endpoints, listeners before routes. */
  private pushAll(): void {
    const ordered = [...PUSH_ORDER, ...[...this.types.keys()].filter((typeUrl) => !PUSH_ORDER.includes(typeUrl))];
    for (const typeUrl of ordered) {
      const state = this.types.get(typeUrl);
      const version = this.session.current?.snapshot.version(typeUrl);
      if (state && version !== undefined && version !== state.sentVersion) this.send(typeUrl, 'version-changed');
    }
  }

  /**
   * Queues the type's resources; they are chosen when the write budget admits the response. A
   * push answers only if the version is still unsent by then; a request is always answered.
   */
  private send(typeUrl: string, trigger: 'request' | 'version-changed'): void {
    this.session.schedule(this.call, () => this.response(typeUrl, trigger));
  }

  private response(typeUrl: string, trigger: 'request' | 'version-changed'): BuiltResponse<DiscoveryResponse> | undefined {
    const state = this.types.get(typeUrl);
    const current = this.session.current;
    const version = current?.snapshot.version(typeUrl);
    if (!state || !current || version === undefined) return undefined;
    if (trigger === 'version-changed' && version === state.sentVersion) return undefined;
    const available = current.snapshot.resources(typeUrl);
    const chosen = state.wildcard
      ? [...available.values()]
      : [...state.names].map((name) => available.get(name)).filter((resource) => resource !== undefined);
    const nonce = this.session.nextNonce();
    Object.assign(state, { sentVersion: version, sentNonce: nonce, sentNamesKey: namesKey(state), sentAt: Date.now(), answerNext: false, sentResources: chosen });
    if (typeUrl === CLUSTER_TYPE) {
      const endpoints = this.types.get(ENDPOINT_TYPE);
      if (endpoints) endpoints.answerNext = true;
    }
    const proxyId = this.session.proxyId!;
    this.deps.status.recordSent(proxyId, typeUrl, version, nonce, current.reasons);
    this.deps.observer.responseSent?.(proxyId, typeUrl, chosen.length);
    return {
      response: { version_info: version, type_url: typeUrl, nonce, resources: chosen.map((resource) => ({ type_url: typeUrl, value: resource!.bytes })) },
      resourceBytes: chosen.reduce((sum, resource) => sum + resource!.bytes.length, 0),
    };
  }
}

function namesKey(state: SotwTypeState): string {
  return state.wildcard ? '*' : [...state.names].sort().join('\n');
}
