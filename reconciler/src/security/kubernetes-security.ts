/**
 * Kubernetes mode's security backends: the root CA in a Secret of the reconciler's namespace,
 * proxy authentication through TokenReview, and the root certificate published to workload
 * namespaces for sidecars to verify the reconciler. This module loads `@kubernetes/client-node`, so the
 * CLI requires it only in Kubernetes mode.
 */
import * as k8s from '@kubernetes/client-node';
import { boundedTokenReviews } from './bounded-token-reviews';
import { KubernetesSecretCaStore } from './kubernetes-ca-store';
import { RootCertificatePublisher } from './root-cert-publisher';
import { DEFAULT_TOKEN_AUDIENCE, TokenReviewAuthenticator, TokenReviewer } from './token-review-authenticator';

export interface KubernetesSecurityOptions {
  /** The reconciler's own namespace (`$POD_NAMESPACE`), where the CA Secret lives. */
  readonly namespace: string;
  /** @default istio-ca */
  readonly tokenAudience?: string;
  /** @default loaded from the in-cluster service account, or `$KUBECONFIG` / `~/.kube/config` */
  readonly kubeConfig?: k8s.KubeConfig;
  /** Reports a namespace the root certificate could not be published to. */
  readonly onPublishError?: (namespace: string, error: Error) => void;
}

export function createKubernetesSecurity(options: KubernetesSecurityOptions) {
  const kubeConfig = options.kubeConfig ?? loadDefaultKubeConfig();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const authentication = kubeConfig.makeApiClient(k8s.AuthenticationV1Api);
  const caStore = new KubernetesSecretCaStore(core, { namespace: options.namespace });
  const tokenReviewer: TokenReviewer = boundedTokenReviews(async (token, audiences) => {
    const review = await authentication.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [...audiences] } },
    });
    return review.status ?? {};
  });
  return {
    tokenReviewer,
    caStore,
    rootCertificates: new RootCertificatePublisher(core, {
      rootCertificatePem: async () => {
        const root = await caStore.read();
        if (!root) throw new Error(`${caStore.description} does not exist yet; the root certificate is published once the reconciler has created it`);
        return root.certificatePem;
      },
      onError: options.onPublishError,
    }),
    authenticator: new TokenReviewAuthenticator(tokenReviewer, options.tokenAudience ?? DEFAULT_TOKEN_AUDIENCE),
  };
}

function loadDefaultKubeConfig(): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
