/**
 * The config connected proxies refuse right now: the latest NACK per proxy and type, with Envoy's
 * reason, the refused resources and the config objects that fed them. An entry stays until the
 * proxy ACKs a response sent after its NACK, or disconnects, so a NACK is as visible at
 * `/debug/rejected` and in `/metrics` as an object rejected at ingest.
 */
import type { EncodedResource } from '../xds/codec';
import type { AdsObserver, RejectedResponse } from '../xds/ads/ads-observer';
import type { ConfigRef } from '../xds/resource-provenance';
import type { Gauge } from './metrics';
import { shortType } from './reconciler-metrics';

/** Envoy lists every failing resource in one message; beyond this it is cut. */
const MAX_MESSAGE_CHARS = 4096;
/** A state-of-the-world response carries every subscribed resource; list at most this many names. */
const MAX_LISTED_RESOURCES = 100;

export interface ProxyRejection {
  readonly proxy: string;
  readonly typeUrl: string;
  readonly rejectedVersion?: string;
  /** The version the proxy keeps running ('' when it never accepted one). */
  readonly keptVersion: string;
  readonly errorDetail: { readonly code?: number; readonly message: string };
  /**
   * The refused resources: those Envoy's message names when it names any (Envoy names listeners
   * and clusters), else those that changed since the proxy last accepted the type, else every
   * resource of the refused response.
   */
  readonly resources: readonly string[];
  /** How many resources the refused response carried. */
  readonly resourcesSent: number;
  /** The config objects that fed the listed resources; fix these. */
  readonly objects: readonly ConfigRef[];
  /** When the NACK arrived, ISO 8601. */
  readonly at: string;
}

/** The config objects behind one resource sent to a proxy (empty when the proxy or the push is gone). */
export type ProvenanceLookup = (proxyId: string, typeUrl: string, resource: EncodedResource) => readonly ConfigRef[];

interface Entry {
  readonly rejection: ProxyRejection;
  /** Set once a newer response of the type went out: only an ACK of that one clears the NACK. */
  answered: boolean;
}

export class ProxyRejections implements AdsObserver {
  private readonly byProxy = new Map<string, Map<string, Entry>>();

  /** @param refusing counts proxies refusing each type, labelled `type` */
  constructor(private readonly provenance: ProvenanceLookup, private readonly refusing: Gauge, private readonly clock: () => Date = () => new Date()) {}

  nacked(proxyId: string, typeUrl: string, rejected: RejectedResponse): void {
    const message = rejected.errorDetail.message;
    const named = rejected.resources.filter((resource) => namesResource(message, resource.name));
    const culprits = [named, rejected.changed, rejected.resources].find((candidates) => candidates.length > 0) ?? [];
    const listed = culprits.slice(0, MAX_LISTED_RESOURCES);
    const objects = new Map<string, ConfigRef>();
    for (const resource of listed) {
      for (const ref of this.provenance(proxyId, typeUrl, resource)) objects.set(`${ref.kind}/${ref.namespace}/${ref.name}`, ref);
    }
    const types = this.byProxy.get(proxyId) ?? new Map<string, Entry>();
    types.set(typeUrl, {
      answered: false,
      rejection: {
        proxy: proxyId,
        typeUrl,
        rejectedVersion: rejected.rejectedVersion,
        keptVersion: rejected.keptVersion,
        errorDetail: { ...(rejected.errorDetail.code === undefined ? {} : { code: rejected.errorDetail.code }), message: cut(message) },
        resources: listed.map((resource) => resource.name),
        resourcesSent: rejected.resources.length,
        objects: [...objects.keys()].sort().map((key) => objects.get(key)!),
        at: this.clock().toISOString(),
      },
    });
    this.byProxy.set(proxyId, types);
    this.updateGauge(typeUrl);
  }

  responseSent(proxyId: string, typeUrl: string): void {
    const entry = this.byProxy.get(proxyId)?.get(typeUrl);
    if (entry) entry.answered = true;
  }

  acked(proxyId: string, typeUrl: string): void {
    const types = this.byProxy.get(proxyId);
    if (!types?.get(typeUrl)?.answered) return;
    types.delete(typeUrl);
    if (types.size === 0) this.byProxy.delete(proxyId);
    this.updateGauge(typeUrl);
  }

  /** Drops a proxy whose last stream closed. */
  forget(proxyId: string): void {
    const types = this.byProxy.get(proxyId);
    if (!types) return;
    this.byProxy.delete(proxyId);
    for (const typeUrl of types.keys()) this.updateGauge(typeUrl);
  }

  /** Every current rejection, by proxy then type URL. */
  toJson(): ProxyRejection[] {
    return [...this.byProxy.keys()].sort().flatMap((proxyId) => {
      const types = this.byProxy.get(proxyId)!;
      return [...types.keys()].sort().map((typeUrl) => types.get(typeUrl)!.rejection);
    });
  }

  private updateGauge(typeUrl: string): void {
    const count = [...this.byProxy.values()].filter((types) => types.has(typeUrl)).length;
    this.refusing.set(count, { type: shortType(typeUrl) });
  }
}

/** Characters around a resource name when a message quotes it as a whole (names themselves hold `.|_:~*`). */
const NAME_BOUNDARY = /[\s'"`,;()[\]{}]/;

/** Whether `message` names the resource as a whole word ("cluster(s) outbound|80||a: …"), not inside another name or word. */
function namesResource(message: string, name: string): boolean {
  for (let at = message.indexOf(name); at >= 0; at = message.indexOf(name, at + 1)) {
    const before = at === 0 ? ' ' : message[at - 1];
    const after = message.slice(at + name.length, at + name.length + 2);
    if (NAME_BOUNDARY.test(before) && (after === '' || NAME_BOUNDARY.test(after[0]) || /^:(\s|$)/.test(after))) return true;
  }
  return false;
}

function cut(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}… (${text.length} characters)`;
}
