/**
 * The wiring: config source → ingest → PushContext → per connected proxy generate → snapshot → ADS.
 * A config change is debounced into one push carrying its reasons; a proxy that connects gets its
 * snapshot as soon as its workload certificate is issued. Anything that cannot be served (a
 * rejected object, a resource that does not encode, an inconsistent snapshot) is logged, counted
 * and shown, and the last good config stays.
 */
import * as grpc from '@grpc/grpc-js';
import { IngestCache, ingestDocuments, MeshObjectValidator } from './config/ingest';
import type { ConfigSource, ConfigUpdate } from './config/source';
import type { Logger } from './log';
import { OpsServer } from './ops/ops-server';
import { redactPrivateKeys } from './ops/redact';
import { ReconcilerMetrics } from './ops/reconciler-metrics';
import type { MeshObject, ProxyIdentity, ProxyResources, RejectedObject } from './push/contract';
import { ChaosWindowScheduler } from './push/chaos-window-scheduler';
import type { MeshSettings } from './push/mesh-settings';
import { PushContext } from './push/push-context';
import { parseProxyIdentity } from './push/proxy-identity';
import { AdsServer } from './xds/ads/ads-server';
import { assertCallerMayClaim, AuthenticatedCaller, ProxyAuthenticator } from './xds/ads/proxy-authentication';
import { PushDebouncer } from './xds/ads/push-debouncer';
import { ProxyCertificates, ProxyCertificateTracker } from './security/proxy-certificate-tracker';
import { MeshTelemetry, TelemetryOptions } from './telemetry/mesh-telemetry';
import { ResourceEncoder } from './xds/codec';
import { buildSnapshot } from './xds/snapshot';
import { SnapshotCache } from './xds/snapshot-cache';

/** Produces everything one proxy should hold; `generateProxyResources` in production. */
export type ProxyResourceGenerator = (push: PushContext, proxy: ProxyIdentity) => ProxyResources;

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface ReconcilerOptions {
  readonly source: ConfigSource;
  readonly mesh: MeshSettings;
  readonly generate: ProxyResourceGenerator;
  readonly log: Logger;
  /** The plaintext xDS port (or TLS when `credentials` are given). */
  readonly xds: ListenAddress & { readonly credentials?: grpc.ServerCredentials };
  /** A further xDS port served with TLS credentials (the reconciler's serving certificate). */
  readonly xdsTls?: ListenAddress & { readonly credentials: grpc.ServerCredentials };
  /** Checks every xDS caller; a caller proven to be a service account may only claim that identity. */
  readonly authenticator?: ProxyAuthenticator;
  /**
   * Workload certificates (WorkloadCertificateCache): issued before a proxy's first snapshot and
   * re-issued, with a push, when they near expiry. Omit to serve without SDS certificates.
   */
  readonly certificates?: ProxyCertificates;
  /** How often certificates are checked for rotation. @default 60000 */
  readonly rotationCheckMs?: number;
  /** Omit to run without the ops HTTP server (embedding, unit tests). */
  readonly ops?: ListenAddress;
  /** @default 20 */
  readonly debounceMs?: number;
  readonly validator?: MeshObjectValidator;
  /** Limits and labels of the proxies' stats telemetry. */
  readonly telemetry?: TelemetryOptions;
}

interface ConnectedProxy {
  readonly identity: ProxyIdentity;
  streams: number;
}

export class Reconciler {
  readonly metrics = new ReconcilerMetrics();
  readonly snapshots = new SnapshotCache();
  /** Live traffic from every proxy's stats stream: rolling windows per edge and Istio's metrics. */
  readonly telemetry: MeshTelemetry;
  private readonly encoder = new ResourceEncoder();
  private readonly ingestCache = new IngestCache();
  private readonly ads: AdsServer;
  private readonly ops: OpsServer | undefined;
  private readonly debouncer: PushDebouncer;
  private readonly proxies = new Map<string, ConnectedProxy>();
  private readonly log: Logger;
  private readonly certificates: ProxyCertificateTracker | undefined;
  /** Re-pushes when a time-boxed chaos fault starts or ends. */
  private readonly chaosWindows = new ChaosWindowScheduler(() => this.debouncer.request('chaos:window-boundary'));
  private latestUpdate: ConfigUpdate | undefined;
  private pushContext: PushContext | undefined;
  private rejected: readonly RejectedObject[] = [];
  /** The last accepted version of every served object, kept in effect while an edit of it is rejected. */
  private lastAccepted = new Map<string, MeshObject>();
  private generationProblems = new Map<string, string[]>();
  private started = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.log = options.log;
    this.telemetry = new MeshTelemetry({
      currentPush: () => this.pushContext,
      snapshots: this.snapshots,
      trustDomain: options.mesh.trustDomain,
      authenticator: options.authenticator,
      log: this.log,
    }, options.telemetry);
    this.ads = new AdsServer({
      snapshots: this.snapshots,
      log: this.log,
      observer: this.metrics,
      credentials: options.xds.credentials,
      authenticator: options.authenticator,
      services: [this.telemetry.grpcService],
      proxies: {
        proxyConnected: (node, caller) => this.proxyConnected(node, caller),
        proxyDisconnected: (proxyId) => this.proxyDisconnected(proxyId),
      },
    });
    this.certificates = options.certificates ? new ProxyCertificateTracker({
      certificates: options.certificates,
      checkIntervalMs: options.rotationCheckMs ?? 60_000,
      connectedProxies: () => [...this.proxies.values()].map((proxy) => proxy.identity),
      isConnected: (proxyId) => this.proxies.has(proxyId),
      certificateReady: (identity, reason) => {
        if (reason === 'certificate:rotated') this.metrics.certificateRotations.inc();
        this.publishFor(identity, [reason]);
      },
      issueFailed: (identity, error) => this.failedGeneration(identity.id, [`issuing the workload certificate of ${identity.namespace}/${identity.serviceAccount} failed: ${error.message}`]),
    }) : undefined;
    this.debouncer = new PushDebouncer((reasons) => this.pushAll(reasons), { quietMs: options.debounceMs ?? 20 });
    this.ops = options.ops ? new OpsServer({
      isReady: () => this.pushContext !== undefined,
      metricsText: () => [this.metrics.render(), ...this.telemetry.renderMetrics()],
      configDump: (proxyId) => redactPrivateKeys(this.snapshots.getSnapshot(proxyId)?.toJson()),
      proxyIds: () => this.snapshots.proxyIds.sort(),
      syncz: () => this.ads.status.toJson(),
      rejected: () => ({ rejected: this.rejected, generation: Object.fromEntries(this.generationProblems) }),
      traffic: (windowMs) => this.telemetry.store.edges({ windowMs }),
    }) : undefined;
  }

  /** Loads the first config, then serves xDS (and ops); returns the bound ports. */
  async start(): Promise<{ xdsPort: number; xdsTlsPort?: number; opsPort?: number }> {
    const opsPort = this.ops ? await this.ops.listen(this.options.ops!.host, this.options.ops!.port) : undefined;
    await this.options.source.start((update) => this.onConfigUpdate(update));
    this.debouncer.flush(); // the first config is served without waiting for the quiet period
    const xdsPort = await this.ads.listen(this.options.xds.host, this.options.xds.port);
    const tls = this.options.xdsTls;
    const xdsTlsPort = tls ? await this.ads.listen(tls.host, tls.port, tls.credentials) : undefined;
    this.certificates?.start();
    this.started = true;
    this.log.info({ xdsPort, xdsTlsPort, opsPort }, 'reconciler serving xDS');
    return { xdsPort, xdsTlsPort, opsPort };
  }

  /** Stops accepting, ends the open streams and stops watching config. */
  async stop(): Promise<void> {
    this.debouncer.cancel();
    this.chaosWindows.cancel();
    this.certificates?.stop();
    await this.options.source.stop();
    this.telemetry.close();
    await this.ads.close();
    await this.ops?.close();
    if (this.started) this.log.info('reconciler stopped');
  }

  /** True once the first config set has been ingested. */
  get isReady(): boolean {
    return this.pushContext !== undefined;
  }

  /** Pushes pending changes now (tests use this instead of waiting out the debounce). */
  flushPendingPush(): void {
    this.debouncer.flush();
  }

  /** Runs the certificate rotation pass now (it also runs every `rotationCheckMs`). */
  async checkCertificateRotation(): Promise<void> {
    await this.certificates?.rotateDue();
  }

  private onConfigUpdate(update: ConfigUpdate): void {
    this.latestUpdate = update;
    this.debouncer.request(update.reason);
  }

  private pushAll(reasons: readonly string[]): void {
    const update = this.latestUpdate;
    if (!update) return;
    const started = process.hrtime.bigint();
    const ingested = ingestDocuments(update.documents, this.options.validator, { clusterDomain: this.options.mesh.clusterDomain, cache: this.ingestCache });
    const sourceRejections: RejectedObject[] = update.problems.map((problem) => ({
      kind: 'File', origin: { source: problem.source }, reasons: [`${problem.source} ${problem.reason}`],
    }));
    const served = withPreviousVersionsOfRejected(ingested.objects, ingested.rejected, this.lastAccepted);
    this.recordRejections([...sourceRejections, ...served.rejected]);
    try {
      this.pushContext = PushContext.build(served.objects, this.options.mesh);
      this.chaosWindows.schedule(this.pushContext.nextChaosWindowBoundary);
      this.lastAccepted = new Map(served.objects.map((object) => [objectKey(object), object]));
    } catch (error) {
      this.metrics.generationErrors.inc();
      this.log.error({ reasons, err: (error as Error).message }, 'config set not applied; proxies keep the previous config');
      return;
    }
    this.metrics.configLoads.inc();
    for (const proxy of this.proxies.values()) {
      // A proxy still waiting for its certificate is published when the certificate arrives.
      if (!this.certificates || this.certificates.hasCertificate(proxy.identity)) this.publishFor(proxy.identity, reasons);
    }
    this.metrics.pushDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.log.info({ reasons, objects: ingested.objects.length, rejected: this.rejected.length, proxies: this.proxies.size }, 'pushed config');
  }

  private recordRejections(rejected: readonly RejectedObject[]): void {
    const before = new Set(this.rejected.map((entry) => JSON.stringify(entry)));
    for (const entry of rejected) {
      if (!before.has(JSON.stringify(entry))) {
        this.log.warn({ kind: entry.kind, namespace: entry.namespace, name: entry.name, source: entry.origin.source, reasons: entry.reasons }, 'config rejected');
      }
    }
    this.rejected = rejected;
    this.metrics.rejectedObjects.set(rejected.length);
  }

  /** Generates, encodes, checks and publishes one proxy's snapshot; on failure the previous one stays. */
  private publishFor(identity: ProxyIdentity, reasons: readonly string[]): void {
    if (!this.pushContext) return;
    try {
      const snapshot = buildSnapshot(this.options.generate(this.pushContext, identity), this.encoder);
      const result = this.snapshots.setSnapshot(identity.id, snapshot, reasons);
      if (result.published) {
        this.generationProblems.delete(identity.id);
        return;
      }
      this.failedGeneration(identity.id, [...result.problems]);
    } catch (error) {
      this.failedGeneration(identity.id, [(error as Error).message]);
    }
  }

  private failedGeneration(proxyId: string, problems: string[]): void {
    this.generationProblems.set(proxyId, problems);
    this.metrics.generationErrors.inc();
    this.log.error({ proxy: proxyId, problems }, 'snapshot not published; the proxy keeps its previous config');
  }

  private proxyConnected(node: Record<string, unknown>, caller?: AuthenticatedCaller): string {
    const identity = parseProxyIdentity(node);
    assertCallerMayClaim(caller, identity);
    const existing = this.proxies.get(identity.id);
    if (existing) {
      existing.streams += 1;
    } else {
      this.proxies.set(identity.id, { identity, streams: 1 });
    }
    this.log.info({ proxy: identity.id, namespace: identity.namespace }, 'proxy connected');
    const certificates = this.certificates;
    if (!certificates || certificates.hasCertificate(identity)) this.publishFor(identity, ['proxy:connected']);
    if (certificates && !certificates.isCurrent(identity)) {
      void certificates.issue(identity, certificates.hasCertificate(identity) ? 'certificate:rotated' : 'proxy:connected');
    }
    return identity.id;
  }

  private proxyDisconnected(proxyId: string): void {
    const proxy = this.proxies.get(proxyId);
    if (!proxy) return;
    proxy.streams -= 1;
    if (proxy.streams > 0) return;
    this.proxies.delete(proxyId);
    this.snapshots.clear(proxyId);
    this.ads.status.remove(proxyId);
    this.generationProblems.delete(proxyId);
    this.log.info({ proxy: proxyId }, 'proxy disconnected');
  }
}

function objectKey(object: { kind: string; namespace?: string; name?: string; metadata?: { namespace?: string; name?: string } }): string {
  return `${object.kind}/${object.metadata?.namespace ?? object.namespace ?? ''}/${object.metadata?.name ?? object.name ?? ''}`;
}

/**
 * An edit that makes an object invalid does not delete it: like an API server refusing the update,
 * the last accepted version stays in effect (and the rejection says so). Removing an object from
 * the config still removes it.
 */
function withPreviousVersionsOfRejected(
  accepted: readonly MeshObject[], rejected: readonly RejectedObject[], lastAccepted: ReadonlyMap<string, MeshObject>,
): { objects: MeshObject[]; rejected: RejectedObject[] } {
  const acceptedKeys = new Set(accepted.map(objectKey));
  const kept: MeshObject[] = [];
  const annotated = rejected.map((entry) => {
    const previous = entry.name === undefined ? undefined : lastAccepted.get(objectKey(entry));
    if (!previous || acceptedKeys.has(objectKey(entry))) return entry;
    acceptedKeys.add(objectKey(entry));
    kept.push(previous);
    return { ...entry, reasons: [...entry.reasons, 'the previously accepted version stays in effect until this is fixed'] };
  });
  return { objects: [...accepted, ...kept], rejected: annotated };
}
