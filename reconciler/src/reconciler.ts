/**
 * The wiring: config source → ingest → PushContext → per connected proxy generate → snapshot → ADS.
 * A config change is debounced into one push carrying its reasons; a proxy that connects gets its
 * snapshot as soon as its workload certificate is issued. Anything that cannot be served (a
 * rejected object, a resource that does not encode, an inconsistent snapshot) is logged, counted
 * and shown, and the last good config stays.
 */
import * as grpc from '@grpc/grpc-js';
import type { AdmissionVerdict } from './admission/admission-review';
import { IngestCache, ingestDocuments, MeshObjectValidator, objectKey } from './config/ingest';
import { HeldBackChange, servedSet, ServedVersion } from './config/last-good';
import { servedVersionsText, servedVersionsTextLength } from './config/served-versions-text';
import { heldObjectKey, LastAcceptedStore } from './config/last-accepted-store';
import { cutForMessage, SERVED_ISTIO_RESOURCES } from './model';
import type { ConfigDocument, ConfigSource, ConfigUpdate } from './config/source';
import type { Logger } from './log';
import { DEFAULT_HEALTH_THRESHOLDS, HealthThresholds } from './observatory/health';
import { Observatory } from './observatory/observatory';
import { defaultUiDirectory } from './observatory/observatory-http';
import { OpsServer } from './ops/ops-server';
import { ProxyRejections } from './ops/proxy-rejections';
import { redactPrivateKeys } from './ops/redact';
import { ReconcilerMetrics } from './ops/reconciler-metrics';
import type { IgnoredObject, MeshObject, NotAppliedFields, ProxyIdentity, ProxyResources, RejectedObject } from './push/contract';
import { ChaosWindowScheduler } from './push/chaos-window-scheduler';
import { ignoredView } from './ops/ignored-view';
import type { MeshSettings } from './push/mesh-settings';
import { PushContext } from './push/push-context';
import { parseProxyIdentity } from './push/proxy-identity';
import { combineObservers } from './xds/ads/ads-observer';
import { AdsServer } from './xds/ads/ads-server';
import { assertCallerMayClaim, AuthenticatedCaller, ProxyAuthenticator } from './xds/ads/proxy-authentication';
import { PushDebouncer } from './xds/ads/push-debouncer';
import { ProxyCertificates, ProxyCertificateTracker } from './security/proxy-certificate-tracker';
import { DeclaredRollout, declaredRollouts } from './rollout/declared-rollout';
import { RolloutController } from './rollout/rollout-controller';
import type { RolloutStateStore } from './rollout/rollout-state-store';
import type { RolloutTransition } from './rollout/rollout-transition';
import type { Leadership } from './leadership/leadership';
import { FleetSubsetTotals, standaloneTotals } from './telemetry/fleet-subset-totals';
import { MeshTelemetry, TelemetryOptions } from './telemetry/mesh-telemetry';
import { fetchPeerTotals, peerTotalsOf } from './telemetry/peer-totals';
import type { PeerAccess } from './security/peer-authentication';
import { EncodedResource, ResourceEncoder } from './xds/codec';
import { xdsProtoRoot } from './xds/codec-protos';
import { configsFeeding } from './xds/resource-provenance';
import { buildSnapshot } from './xds/snapshot';
import { SnapshotCache } from './xds/snapshot-cache';

/** The accepted set is saved whole up to this size: a ConfigMap holds at most 1 MiB, with room for its metadata. */
const MAX_SAVED_ACCEPTED_BYTES = 900 * 1024;

/**
 * Kinds whose accepted versions are saved: the mesh config users write. Services, Pods and
 * EndpointSlices are the cluster's live state, read again on start; saving them would cost a write
 * per endpoint change.
 */
const SAVED_KINDS: ReadonlySet<string> = new Set(SERVED_ISTIO_RESOURCES.map((resource) => resource.kind));

/** Produces everything one proxy should hold; `generateProxyResources` in production. */
export type ProxyResourceGenerator = (push: PushContext, proxy: ProxyIdentity) => ProxyResources;

/** This replica among the others of its control plane (Kubernetes mode). */
export interface RolloutPeers {
  /** This replica's name (its pod name) and process incarnation (new on every start). */
  readonly self: string;
  readonly incarnation: string;
  /** The other ready replicas now, by pod name and IP. */
  peers(): readonly { readonly name: string; readonly address: string }[];
  /** The bearer token this replica presents to its peers. */
  credential(): string | undefined;
  /** Whether a peer's `authorization` header may read this replica's totals. */
  authorize(authorization: string | undefined): Promise<PeerAccess>;
}

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
  /**
   * Persists the last accepted version of objects whose current version is rejected, so a restarted
   * replica serves what the others serve. Omit to keep it in memory only.
   */
  readonly lastAccepted?: LastAcceptedStore;
  /** Receives the rejections after every push (Kubernetes mode records them as Events). */
  readonly onRejected?: (rejected: readonly RejectedObject[]) => void;
  /** Limits and labels of the proxies' stats telemetry. */
  readonly telemetry?: TelemetryOptions;
  /**
   * Executes the rollouts VirtualServices declare, keeping their state here. Omit to serve the
   * weights as written (no store, no execution: a restart would lose the step).
   */
  readonly rolloutState?: RolloutStateStore;
  /** Only while this replica leads are rollouts judged and saved here; the others follow the saved state. @default - always */
  readonly rolloutLeadership?: Leadership;
  /** Receives each saved rollout transition, e.g. to record it as an Event. */
  readonly onRolloutTransition?: (rollout: DeclaredRollout, transition: RolloutTransition) => void;
  /** Error-ratio thresholds of the observatory's health. @default Kiali's: 5xx 0 %/10 %, 4xx 10 %/20 % */
  readonly healthThresholds?: HealthThresholds;
  /** The bundled observatory pages. @default build/ui next to the built reconciler */
  readonly uiDirectory?: string;
  /**
   * The other replicas of this control plane (Kubernetes mode): the rollout leader judges a canary
   * on the totals of all of them, read from their ops ports. Omit for one process.
   */
  readonly rolloutPeers?: RolloutPeers;
  /** The bearer token operator actions on the ops port must carry; read on every action, so it can be rotated. Omit to refuse them. */
  readonly opsToken?: () => string | undefined;
}

/** Why the reconciler is or is not ready, for `/readyz`. */
export interface Readiness {
  readonly ready: boolean;
  /** One line each: what is missing, or what is degraded while still serving. */
  readonly details: readonly string[];
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
  /** NACKs still in effect, with the config objects behind the refused resources. */
  private readonly proxyRejections = new ProxyRejections((proxyId, typeUrl, resource) => this.configsFeeding(proxyId, typeUrl, resource), this.metrics.refusingProxies);
  private readonly ads: AdsServer;
  private readonly ops: OpsServer | undefined;
  private readonly fleetTotals: FleetSubsetTotals;
  /** Progressive delivery: the declared rollouts' state machines and the weights they serve. */
  readonly rollouts: RolloutController | undefined;
  /** The live graph, service views and validations behind `/api` and `/ui`. */
  readonly observatory: Observatory;
  private readonly debouncer: PushDebouncer;
  private readonly proxies = new Map<string, ConnectedProxy>();
  private readonly log: Logger;
  private readonly certificates: ProxyCertificateTracker | undefined;
  /** Re-pushes when a time-boxed chaos fault starts or ends. */
  private readonly chaosWindows = new ChaosWindowScheduler(() => this.debouncer.request('chaos:window-boundary'));
  private latestUpdate: ConfigUpdate | undefined;
  private pushContext: PushContext | undefined;
  private rejected: readonly RejectedObject[] = [];
  /** The accepted objects the current push context was built from, for the observatory. */
  private servedObjects: readonly MeshObject[] = [];
  private ignored: readonly IgnoredObject[] = [];
  private notApplied: readonly NotAppliedFields[] = [];
  private heldBack: readonly HeldBackChange[] = [];
  /** Every served object (and where it was defined), kept in effect while an edit of it is rejected. */
  private lastAccepted = new Map<string, ServedVersion>();
  private generationProblems = new Map<string, string[]>();
  /** Keys of the held-back objects last written to the store, to write only on a change. */
  private savedHeldKey = '';
  private warnedSavedSize = false;
  /** The versions the last save decision was made for (by reference). */
  private checkedVersions?: readonly ServedVersion[];
  private readonly admissionCache = new IngestCache();
  /** Declared rollouts already reported as not executed. */
  private readonly unexecutedRollouts = new Set<string>();
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
      observer: combineObservers(this.metrics, this.proxyRejections),
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
    const peers = options.rolloutPeers;
    this.fleetTotals = peers && options.ops ? new FleetSubsetTotals({
      local: this.telemetry.store.subsetTotals,
      self: peers.self,
      incarnation: peers.incarnation,
      // Every replica listens on the same ops port (one Deployment).
      peers: () => peers.peers().map((peer) => ({ name: peer.name, opsUrl: `http://${peer.address.includes(':') ? `[${peer.address}]` : peer.address}:${options.ops!.port}` })),
      fetchPeer: (peer) => fetchPeerTotals(peer, peers.credential()),
    }) : standaloneTotals(this.telemetry.store.subsetTotals);
    this.rollouts = options.rolloutState ? new RolloutController({
      store: options.rolloutState,
      traffic: this.fleetTotals,
      clusterDomain: options.mesh.clusterDomain,
      log: this.log,
      onWeightsChanged: (reason) => this.debouncer.request(reason),
      leadership: options.rolloutLeadership,
      onTransition: options.onRolloutTransition,
    }) : undefined;
    this.observatory = new Observatory(() => ({
      push: this.pushContext,
      servedObjects: this.servedObjects,
      mesh: this.options.mesh,
      traffic: this.telemetry.store,
      authorization: this.telemetry.store.authorization,
      rollouts: this.rollouts?.statuses() ?? [],
      rejected: this.rejected,
      ignored: this.ignored,
      nacks: this.proxyRejections.toJson(),
      connectedProxies: [...this.proxies.values()].map((proxy) => proxy.identity),
      thresholds: options.healthThresholds ?? DEFAULT_HEALTH_THRESHOLDS,
      now: Date.now(),
    }));
    this.ops = options.ops ? new OpsServer({
      readiness: () => this.readiness(),
      metricsText: () => {
        this.metrics.observeSource(this.options.source.status?.());
        return [this.metrics.render(), ...(this.rollouts ? [this.rollouts.renderMetrics()] : []), ...this.telemetry.renderMetrics()];
      },
      configDump: (proxyId) => redactPrivateKeys(this.snapshots.getSnapshot(proxyId)?.toJson()),
      proxyIds: () => this.snapshots.proxyIds.sort(),
      syncz: () => this.ads.status.toJson(),
      rejected: () => ({ rejected: this.rejected, heldBack: this.heldBack, notApplied: this.notApplied, generation: Object.fromEntries(this.generationProblems), nacked: this.proxyRejections.toJson() }),
      ignored: () => ignoredView(this.ignored),
      traffic: (windowMs) => this.telemetry.store.edges({ windowMs }),
      rollouts: () => this.rollouts?.view() ?? { rollouts: [], executed: false, reason: 'rollouts are not executed: this reconciler runs without a rollout state store' },
      rolloutAction: (key, action) => this.rollouts
        ? this.rollouts.act(key, action)
        : Promise.resolve({ status: 409 as const, body: { error: 'rollouts are not executed by this reconciler (no rollout state store), so there is nothing to act on' } }),
      peerTotals: peers ? async (authorization) => {
        const access = await peers.authorize(authorization);
        return access.ok ? { status: 200, body: peerTotalsOf(this.telemetry.store.subsetTotals, peers.self, peers.incarnation) } : { status: access.status, body: { error: access.error } };
      } : undefined,
      opsToken: options.opsToken,
      observatory: this.observatory,
      uiDirectory: options.uiDirectory ?? defaultUiDirectory(),
    }) : undefined;
  }

  /** Loads the first config, then serves xDS (and ops); returns the bound ports. */
  async start(): Promise<{ xdsPort: number; xdsTlsPort?: number; opsPort?: number }> {
    const opsPort = this.ops ? await this.ops.listen(this.options.ops!.host, this.options.ops!.port) : undefined;
    await this.loadLastAccepted();
    await this.rollouts?.load();
    const sourceStarted = this.options.source.start((update) => this.onConfigUpdate(update));
    sourceStarted.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    // The Envoy protos take a quarter second to load: do it while the source's first reads are in
    // flight, rather than on the first proxy's request.
    await new Promise(setImmediate);
    xdsProtoRoot();
    await sourceStarted;
    this.debouncer.flush(); // the first config is served without waiting for the quiet period
    const xdsPort = await this.ads.listen(this.options.xds.host, this.options.xds.port);
    const tls = this.options.xdsTls;
    const xdsTlsPort = tls ? await this.ads.listen(tls.host, tls.port, tls.credentials) : undefined;
    this.certificates?.start();
    this.fleetTotals.start();
    this.started = true;
    this.log.info({ xdsPort, xdsTlsPort, opsPort }, 'reconciler serving xDS');
    return { xdsPort, xdsTlsPort, opsPort };
  }

  /** Stops accepting, ends the open streams and stops watching config. */
  async stop(): Promise<void> {
    this.debouncer.cancel();
    this.chaosWindows.cancel();
    await this.rollouts?.stop();
    await this.fleetTotals.stop();
    this.certificates?.stop();
    await this.options.source.stop();
    this.telemetry.close();
    await this.ads.close();
    await this.ops?.close();
    if (this.started) this.log.info('reconciler stopped');
  }

  /** True once the first complete config set has been ingested. */
  get isReady(): boolean {
    return this.readiness().ready;
  }

  /**
   * Ready once the source has read everything once (every Kubernetes watch has completed its first
   * list) and that config was pushed. A watch failing afterwards keeps the replica ready (it serves
   * the last config it read) but is reported until it recovers.
   */
  readiness(): Readiness {
    const status = this.options.source.status?.();
    const details: string[] = [];
    for (const watch of status?.watches ?? []) {
      if (!watch.synced) details.push(`waiting for the first list of ${watch.name}${watch.lastError ? `: ${watch.lastError}` : ''}`);
      else if (watch.consecutiveFailures > 0) details.push(`stale: ${watch.lastError ?? `watch of ${watch.name} failing`} (${watch.consecutiveFailures} failures in a row)`);
    }
    const ready = this.pushContext !== undefined && (status?.ready ?? true);
    if (!ready && details.length === 0) details.push('waiting for the first config load');
    return { ready, details };
  }

  /**
   * What ingest would say of `document` (the object `key`) if it replaced its current version: the
   * admission webhook's verdict. Other objects the change would make invalid come back as warnings.
   */
  checkCandidate(document: ConfigDocument, key: { kind: string; namespace: string; name: string }): AdmissionVerdict {
    const current = this.latestUpdate?.documents ?? [];
    const documents = [...current.filter((doc) => doc.source !== document.source), document];
    const inEffect = new Map([...this.lastAccepted].map(([objectId, version]) => [objectId, version.origin]));
    const { rejected } = ingestDocuments(documents, this.options.validator, { clusterDomain: this.options.mesh.clusterDomain, cache: this.admissionCache, inEffect });
    const isCandidate = (entry: RejectedObject) => entry.kind === key.kind && (entry.namespace ?? 'default') === key.namespace && entry.name === key.name;
    const reasons = rejected.filter((entry) => isCandidate(entry) || entry.origin.source === document.source).flatMap((entry) => entry.reasons);
    const before = new Set(this.rejected.flatMap((entry) => entry.reasons));
    const warnings = rejected.filter((entry) => !isCandidate(entry) && entry.origin.source !== document.source)
      .flatMap((entry) => entry.reasons).filter((reason) => !before.has(reason))
      .map((reason) => `with this change: ${reason}`);
    return { allowed: reasons.length === 0, reasons, warnings };
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

  /** Never throws: it runs from a timer, and an exception there would end the process. */
  private pushAll(reasons: readonly string[]): void {
    try {
      this.ingestAndPush(reasons);
    } catch (error) {
      this.metrics.generationErrors.inc();
      const message = cutForMessage((error as Error)?.stack ?? String(error));
      this.generationProblems.set('(config)', [`the config change could not be applied: ${message}`]);
      this.log.error({ reasons, err: message }, 'config change not applied; proxies keep the previous config');
    }
  }

  private ingestAndPush(reasons: readonly string[]): void {
    const update = this.latestUpdate;
    if (!update) return;
    const started = process.hrtime.bigint();
    const inEffect = new Map([...this.lastAccepted].map(([key, version]) => [key, version.origin]));
    const ingested = ingestDocuments(update.documents, this.options.validator, { clusterDomain: this.options.mesh.clusterDomain, cache: this.ingestCache, inEffect });
    const sourceRejections: RejectedObject[] = update.problems.map((problem) => ({
      kind: 'File', origin: { source: problem.source }, reasons: [`${problem.source} ${problem.reason}`],
    }));
    const served = servedSet(ingested, this.lastAccepted, this.options.mesh.clusterDomain);
    this.recordRejections([...sourceRejections, ...served.rejected]);
    this.recordAccounting(ingested.ignored, ingested.notApplied, served.heldBack);
    try {
      const rolloutWeights = this.servedRolloutWeights(declaredRollouts(served.objects));
      // Built against the previous push, so an endpoint change regenerates only what read those endpoints.
      this.pushContext = PushContext.build(served.objects, this.options.mesh, Date.now(), rolloutWeights, this.pushContext);
      this.servedObjects = served.objects;
      this.chaosWindows.schedule(this.pushContext.nextChaosWindowBoundary);
      this.lastAccepted = served.inEffect;
      this.metrics.servedObjects.set(served.objects.length);
      this.generationProblems.delete('(config)');
      this.saveAccepted(served.inEffect, ingested.objects);
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
    this.pushContext.releasePrevious();
    this.metrics.pushDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.log.info({ reasons, objects: served.objects.length, rejected: this.rejected.length, ignored: this.ignored.length, proxies: this.proxies.size }, 'pushed config');
  }

  /** The weights running rollouts serve; without a state store none run, which is said once per rollout. */
  private servedRolloutWeights(declared: readonly DeclaredRollout[]) {
    if (this.rollouts) return this.rollouts.sync(declared);
    for (const rollout of declared) {
      if (this.unexecutedRollouts.has(rollout.key)) continue;
      this.unexecutedRollouts.add(rollout.key);
      this.log.warn({ rollout: rollout.key }, 'rollout declared but not executed: this reconciler has no rollout state store; the weights written in the VirtualService are served');
    }
    return [];
  }

  private recordAccounting(ignored: readonly IgnoredObject[], notApplied: readonly NotAppliedFields[], heldBack: readonly HeldBackChange[]): void {
    this.ignored = ignored;
    this.notApplied = notApplied;
    this.heldBack = heldBack;
    this.metrics.recordIgnored(ignored);
    this.metrics.notAppliedFields.set(notApplied.reduce((sum, entry) => sum + entry.fields.length, 0));
    this.metrics.heldBackChanges.set(heldBack.length);
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
    this.options.onRejected?.(rejected);
  }

  /** Seeds the last accepted versions with what a previous run (or another replica) held back. */
  private async loadLastAccepted(): Promise<void> {
    const store = this.options.lastAccepted;
    if (!store) return;
    try {
      const held = await store.load();
      for (const version of held) this.lastAccepted.set(objectKey(version.object), version);
      this.savedHeldKey = servedVersionsText(held);
      if (held.length > 0) this.log.info({ store: store.description, objects: held.map((version) => heldObjectKey(version.object)) }, 'last accepted versions loaded; served while their current versions are rejected');
    } catch (error) {
      this.log.error({ store: store.description, err: (error as Error).message }, 'last accepted versions could not be loaded; a rejected object is served only once a valid version of it has been read');
    }
  }

  /**
   * Writes the accepted mesh config when it changed, so that a replica started while every other one
   * was down still serves the last accepted version of an object whose stored version is invalid.
   * Versions held back in place of rejected edits are always saved; a set too large for the store
   * keeps only those (warned once). A failure is logged and retried on the next push.
   */
  private saveAccepted(inEffect: ReadonlyMap<string, ServedVersion>, acceptedInput: readonly MeshObject[]): void {
    const store = this.options.lastAccepted;
    if (!store) return;
    const held = heldBack(inEffect, acceptedInput);
    const heldObjects = new Set(held.map((version) => version.object));
    let versions = sortedVersions([...inEffect.values()].filter((version) => SAVED_KINDS.has(version.object.kind) || heldObjects.has(version.object)));
    // Most pushes (endpoint changes) leave the mesh config as it was: compare by reference before serializing it.
    if (sameVersions(versions, this.checkedVersions)) return;
    this.checkedVersions = versions;
    const wholeLength = servedVersionsTextLength(versions);
    if (wholeLength > MAX_SAVED_ACCEPTED_BYTES) {
      if (!this.warnedSavedSize) {
        this.log.warn({ store: store.description, bytes: wholeLength, limit: MAX_SAVED_ACCEPTED_BYTES }, 'the accepted config is too large to save whole; only held-back versions are saved, so a replica started while all others are down serves an invalid stored object only once it is fixed');
        this.warnedSavedSize = true;
      }
      versions = held;
    }
    const key = servedVersionsText(versions);
    if (key === this.savedHeldKey) return;
    this.savedHeldKey = key;
    store.save(versions).catch((error: Error) => {
      this.savedHeldKey = '';
      this.checkedVersions = undefined;
      this.log.error({ store: store.description, err: error.message }, 'saving the last accepted versions failed; retried on the next push');
    });
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

  /** Derived from the current push: a NACK arrives moments after its push, and a later push replaces the NACKed version anyway. */
  private configsFeeding(proxyId: string, typeUrl: string, resource: EncodedResource) {
    const proxy = this.proxies.get(proxyId);
    return proxy && this.pushContext ? configsFeeding(this.pushContext, proxy.identity, typeUrl, resource.json) : [];
  }

  private proxyConnected(node: Record<string, unknown>, caller?: AuthenticatedCaller): string {
    const identity = parseProxyIdentity(node);
    assertCallerMayClaim(caller, identity);
    const existing = this.proxies.get(identity.id);
    if (existing) {
      existing.streams += 1;
    } else {
      this.proxies.set(identity.id, { identity, streams: 1 });
      this.telemetry.store.sidecarConnected(identity);
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
    this.telemetry.store.sidecarDisconnected(proxy.identity);
    this.snapshots.clear(proxyId);
    this.ads.status.remove(proxyId);
    this.proxyRejections.forget(proxyId);
    this.generationProblems.delete(proxyId);
    this.log.info({ proxy: proxyId }, 'proxy disconnected');
  }
}

/** Versions in effect that are not what the source holds now (previous versions kept): held back. */
function heldBack(inEffect: ReadonlyMap<string, ServedVersion>, acceptedInput: readonly MeshObject[]): ServedVersion[] {
  const input = new Set(acceptedInput);
  return sortedVersions([...inEffect.values()].filter((version) => !input.has(version.object)));
}

function sortedVersions(versions: ServedVersion[]): ServedVersion[] {
  return versions.sort((a, b) => heldObjectKey(a.object).localeCompare(heldObjectKey(b.object)));
}

function sameVersions(a: readonly ServedVersion[], b: readonly ServedVersion[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((version, index) => version.object === b[index].object && version.origin === b[index].origin);
}

