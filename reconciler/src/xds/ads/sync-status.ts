/**
 * What each proxy was sent, ACKed and NACKed, per type URL: the data behind `/debug/syncz`. A NACK is
 * kept until a later ACK so operators can see which config a proxy refused and why.
 */

export interface NackRecord {
  /** The version the proxy still runs (its last ACKed one). */
  readonly keptVersion: string;
  /** The version it refused. */
  readonly rejectedVersion?: string;
  readonly nonce: string;
  readonly message: string;
}

export interface TypeSyncStatus {
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  lastNack?: NackRecord;
  lastPushReasons?: readonly string[];
}

export class SyncStatusRegistry {
  private readonly byProxy = new Map<string, Map<string, TypeSyncStatus>>();

  get(proxyId: string, typeUrl: string): TypeSyncStatus {
    let types = this.byProxy.get(proxyId);
    if (!types) {
      types = new Map();
      this.byProxy.set(proxyId, types);
    }
    let status = types.get(typeUrl);
    if (!status) {
      status = {};
      types.set(typeUrl, status);
    }
    return status;
  }

  recordSent(proxyId: string, typeUrl: string, version: string, nonce: string, reasons: readonly string[]): void {
    Object.assign(this.get(proxyId, typeUrl), { sentVersion: version, sentNonce: nonce, lastPushReasons: reasons });
  }

  recordAck(proxyId: string, typeUrl: string, version: string): void {
    const status = this.get(proxyId, typeUrl);
    status.ackedVersion = version;
    if (status.lastNack && status.lastNack.rejectedVersion !== version) status.lastNack = undefined;
  }

  recordNack(proxyId: string, typeUrl: string, nack: NackRecord): void {
    this.get(proxyId, typeUrl).lastNack = nack;
  }

  /** Drops a proxy whose last stream closed. */
  remove(proxyId: string): void {
    this.byProxy.delete(proxyId);
  }

  /** `{ proxyId: { typeUrl: status } }`, sorted for stable output. */
  toJson(): Record<string, Record<string, TypeSyncStatus>> {
    const result: Record<string, Record<string, TypeSyncStatus>> = {};
    for (const proxyId of [...this.byProxy.keys()].sort()) {
      const types = this.byProxy.get(proxyId)!;
      result[proxyId] = Object.fromEntries([...types.keys()].sort().map((typeUrl) => [typeUrl, { ...types.get(typeUrl)! }]));
    }
    return result;
  }
}
