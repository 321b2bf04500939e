/**
 * Kubernetes mode's parts, wired: informers on the API server, the CA in a Secret, TokenReview for
 * proxies, the mesh root published to workload namespaces, the last accepted versions in a
 * ConfigMap, Warning Events on rejected objects, rollouts executed by the holder of a Lease with
 * their state in a ConfigMap and their transitions as Events, and the validating admission webhook
 * with its caBundle. Loaded only in that mode (it requires `@kubernetes/client-node`).
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as k8s from '@kubernetes/client-node';
import { WebhookServer } from './admission/webhook-server';
import { CaBundleResult, ensureWebhookCaBundle } from './admission/webhook-ca-bundle';
import { ConnectionReusingKubeConfig } from './config/connection-reusing-kube-config';
import { ConfigMapLastAcceptedStore } from './config/kubernetes-last-accepted-store';
import { KubernetesSource, kubernetesDocument } from './config/kubernetes-source';
import { RejectionEventRecorder } from './config/rejection-events';
import { ResourceWatch } from './config/resource-watch';
import { configMapClient, validatingWebhookConfigurationClient } from './config/server-side-apply';
import { kubernetesLeaseApi } from './leadership/kubernetes-lease-api';
import { LeaseElector, LeaseTiming } from './leadership/lease-elector';
import type { Logger } from './log';
import { clusterScopedName, RECONCILER_NAME, ROLLOUT_LEASE_NAME, ROLLOUT_STATE_CONFIG_MAP, SERVED_ISTIO_RESOURCES } from './model';
import { ConfigMapApi, ConfigMapRolloutStateStore } from './rollout/configmap-rollout-state-store';
import { RolloutEventRecorder } from './rollout/rollout-events';
import type { ModeBackends, ServingContext } from './mode-backends';
import type { RolloutPeers } from './reconciler';
import { createKubernetesSecurity } from './security/kubernetes-security';
import { serviceAccountUserOf, ServiceAccountPeerAuthenticator } from './security/peer-authentication';
import type { TokenReviewer } from './security/token-review-authenticator';

export interface KubernetesModeOptions {
  /** The reconciler's namespace: CA Secret, last-accepted ConfigMap, webhook Service. */
  readonly namespace: string;
  /** A kubeconfig file; the in-cluster service account (or `$KUBECONFIG`) when absent. */
  readonly kubeconfig?: string;
  readonly tokenAudience: string;
  /** This replica's name in Events. */
  readonly podName: string;
  /** HTTPS port of the admission webhook; 0 picks one, undefined turns the webhook off. */
  readonly webhook?: { readonly host: string; readonly port: number; readonly configurationName?: string };
  /** How often the webhook caBundle is checked while the configuration is missing. @default 30000 */
  readonly caBundleRetryMs?: number;
  /** This pod's service-account token. @default the kubelet's mount, /var/run/secrets/kubernetes.io/serviceaccount/token */
  readonly serviceAccountTokenFile?: string;
  /** Timing of the rollout Lease. @default DEFAULT_LEASE_TIMING (client-go's) */
  readonly leaseTiming?: LeaseTiming;
}

export function kubernetesModeBackends(options: KubernetesModeOptions, log: Logger): ModeBackends {
  const kubeConfig = new ConnectionReusingKubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();

  const security = createKubernetesSecurity({
    namespace: options.namespace,
    tokenAudience: options.tokenAudience,
    kubeConfig,
    onPublishError: (namespace, error) => log.error({ namespace, err: error.message }, 'publishing the mesh root certificate failed; retried on the next change'),
  });
  let replicaPods: readonly k8s.V1Pod[] = [];
  const source: KubernetesSource = new KubernetesSource({
    kubeConfig,
    // Sidecars mount the root certificate ConfigMap, so it follows the pods from namespace to namespace.
    onPods: (pods) => {
      replicaPods = pods;
      void security.rootCertificates.publishForPods(pods);
    },
    onWatchError: (status) => log.warn({ watch: status.name, failures: status.consecutiveFailures, err: status.lastError },
      status.synced ? 'watch failed; serving what was last read until it recovers' : 'list failed; not ready until it succeeds'),
  });
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let recordEvent: () => void = () => undefined;
  const events = new RejectionEventRecorder(core, {
    lookup: (rejection) => source.involvedObject(rejection.origin.source),
    reportingInstance: options.podName,
    onRecorded: () => recordEvent(),
    onError: (object, error) => log.warn({ kind: object.kind, namespace: object.namespace, name: object.name, err: error.message }, 'Event not recorded'),
  });

  // A restarted process is a new candidate: it must not inherit the Lease its predecessor held.
  const incarnation = randomUUID().slice(0, 8);
  const elector = new LeaseElector(kubernetesLeaseApi(kubeConfig, options.namespace, ROLLOUT_LEASE_NAME), {
    identity: `${options.podName}_${incarnation}`,
    description: `Lease ${options.namespace}/${ROLLOUT_LEASE_NAME}`,
    timing: options.leaseTiming,
    onError: (message) => log.warn({ lease: ROLLOUT_LEASE_NAME }, message),
  });
  const rolloutEvents = new RolloutEventRecorder(core, {
    lookup: (namespace, name) => source.involvedObject(`kubernetes:VirtualService/${namespace}/${name}`),
    reportingInstance: options.podName,
    onRecorded: () => recordEvent(),
    onError: (message) => log.warn(message),
  });

  return {
    source,
    caStore: security.caStore,
    authenticator: security.authenticator,
    lastAccepted: new ConfigMapLastAcceptedStore(configMapClient(kubeConfig), options.namespace),
    rolloutState: new ConfigMapRolloutStateStore({
      api: rolloutConfigMapClient(core),
      namespace: options.namespace,
      follow: (onChange) => followConfigMap(kubeConfig, options.namespace, ROLLOUT_STATE_CONFIG_MAP, onChange, (message) => log.warn(message)),
      onWatchError: (message) => log.warn(message),
    }),
    rolloutLeadership: elector,
    rolloutPeers: reconcilerPeers(options, incarnation, () => replicaPods, security.tokenReviewer),
    onRolloutTransition: (rollout, transition) => void rolloutEvents.record(rollout, transition),
    onRejected: (rejected) => void events.record(rejected),
    afterStart: async (context) => {
      recordEvent = () => context.reconciler.metrics.eventsRecorded.inc();
      // Started once the config is read: a new leader resumes the rollouts it declares.
      elector.start();
      const stopWebhook = options.webhook ? await startWebhook(options, kubeConfig, context, log) : undefined;
      return async () => {
        await Promise.all([elector.stop(), stopWebhook?.()]);
      };
    },
  };
}

/**
 * The other replicas: the ready pods of the reconciler's Deployment in its namespace (from the pod
 * watch the reconciler runs anyway), reached on their pod IP and authenticated with the pod's
 * service-account token, which the kubelet keeps fresh (read on every use).
 */
function reconcilerPeers(options: KubernetesModeOptions, incarnation: string, pods: () => readonly k8s.V1Pod[], review: TokenReviewer): RolloutPeers {
  const credential = () => {
    try {
      return fs.readFileSync(options.serviceAccountTokenFile ?? SERVICE_ACCOUNT_TOKEN_FILE, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  let authenticator: ServiceAccountPeerAuthenticator | undefined;
  return {
    self: options.podName,
    incarnation,
    peers: () => pods().filter((pod) => pod.metadata?.namespace === options.namespace && pod.metadata?.labels?.app === RECONCILER_NAME
      && pod.metadata.name !== options.podName && !pod.metadata.deletionTimestamp && pod.status?.podIP
      && pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'))
      .map((pod) => ({ name: pod.metadata!.name!, address: pod.status!.podIP! })),
    credential,
    authorize: (authorization) => {
      if (!authenticator) {
        const user = serviceAccountUserOf(credential() ?? '');
        if (!user) return Promise.resolve({ ok: false as const, status: 503 as const, error: `this replica cannot read its own service-account token (${options.serviceAccountTokenFile ?? SERVICE_ACCOUNT_TOKEN_FILE}) to know which account its peers run as` });
        authenticator = new ServiceAccountPeerAuthenticator(review, user);
      }
      return authenticator.authorize(authorization);
    },
  };
}

/** Where the kubelet mounts the pod's service-account token. */
const SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** A list + watch of one ConfigMap by name (authorized by RBAC resourceNames); `onChange` gets it after each change. */
function followConfigMap(kubeConfig: k8s.KubeConfig, namespace: string, name: string,
  onChange: (configMap: k8s.V1ConfigMap | undefined) => void, onFailure: (message: string) => void): () => Promise<void> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  const current = () => watch.objects().find((object) => object.metadata?.name === name) as k8s.V1ConfigMap | undefined;
  const watch: ResourceWatch = new ResourceWatch({
    resource: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    client: { watch: new k8s.Watch(kubeConfig), list: () => core.listNamespacedConfigMap({ namespace, fieldSelector }) },
    fieldSelector,
    name: `ConfigMap ${namespace}/${name}`,
    onChange: () => onChange(current()),
    onFailure: (status) => onFailure(status.lastError ?? `watching ConfigMap ${namespace}/${name} failed; retrying`),
  });
  watch.start();
  void watch.whenSynced().then(() => onChange(current()));
  return () => watch.stop();
}

function rolloutConfigMapClient(core: k8s.CoreV1Api): ConfigMapApi {
  return {
    read: (name, namespace) => core.readNamespacedConfigMap({ name, namespace }),
    create: (namespace, body) => core.createNamespacedConfigMap({ namespace, body }),
    replace: (name, namespace, body) => core.replaceNamespacedConfigMap({ name, namespace, body }),
  };
}

/** Serves the webhook and keeps its caBundle set to the mesh root; returns its stop function. */
async function startWebhook(options: KubernetesModeOptions, kubeConfig: k8s.KubeConfig, context: ServingContext, log: Logger) {
  const webhookOptions = options.webhook!;
  const resourcesByKind = new Map(SERVED_ISTIO_RESOURCES.map((resource) => [resource.kind, resource]));
  const server = new WebhookServer({
    certificate: context.serving.current(),
    check: (object) => {
      const resource = resourcesByKind.get(String(object.kind));
      if (!resource) return { allowed: true, reasons: [], warnings: [`kind ${String(object.kind)} is not served by the mesh control plane`] };
      const metadata = (object.metadata ?? {}) as { namespace?: string; name?: string };
      return context.reconciler.checkCandidate(kubernetesDocument(object as k8s.KubernetesObject, resource),
        { kind: resource.kind, namespace: metadata.namespace ?? 'default', name: metadata.name ?? '' });
    },
    onReviewed: (allowed) => context.reconciler.metrics.admissionReviews.inc({ allowed: String(allowed) }),
    onError: (error) => log.warn({ err: error.message }, 'admission review not answered'),
  });
  context.serving.onRenewed((certificate) => server.replaceCertificate(certificate));
  const port = await server.listen(webhookOptions.host, webhookOptions.port);
  log.info({ port }, 'validating admission webhook serving');

  const api = validatingWebhookConfigurationClient(kubeConfig);
  const configurationName = webhookOptions.configurationName ?? clusterScopedName(options.namespace);
  let lastResult: CaBundleResult | undefined;
  const ensure = async () => {
    try {
      const result = await ensureWebhookCaBundle(api, configurationName, context.rootCertificatePem);
      if (result !== lastResult) {
        if (result === 'missing') log.warn({ configurationName }, 'no ValidatingWebhookConfiguration by that name: objects are checked only when the reconciler reads them');
        else log.info({ configurationName, result }, 'admission webhook caBundle is the mesh root');
      }
      lastResult = result;
    } catch (error) {
      log.error({ configurationName, err: (error as Error).message }, 'setting the admission webhook caBundle failed; retried');
      lastResult = undefined;
    }
  };
  await ensure();
  // Re-checked regularly: the configuration may be applied (or re-applied by hand) after the reconciler starts.
  const timer = setInterval(() => void ensure(), options.caBundleRetryMs ?? 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await server.close();
  };
}
