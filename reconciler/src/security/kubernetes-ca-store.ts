/**
 * A CaStore in a Kubernetes Secret. The API server arbitrates races: create fails with 409
 * Conflict for every replica but the first, and those read the winner's Secret instead.
 */
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { CaMaterial } from './ca';
import { CaStore } from './ca-store';
import { CA_CERT_FILE, CA_KEY_FILE } from './directory-ca-store';
import { describeApiError, httpStatusOf } from '../config/http-status';
import { CA_SECRET_NAME } from '../model';

/** The two CoreV1Api calls the store needs, so tests can pass a fake. */
export type SecretApi = Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret'>;

export interface KubernetesCaStoreOptions {
  readonly namespace: string;
  /** @default mesh-ca, the name the Mesh construct's Role grants */
  readonly name?: string;
}

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

export class KubernetesSecretCaStore implements CaStore {
  readonly description: string;
  private readonly namespace: string;
  private readonly name: string;

  constructor(private readonly api: SecretApi, options: KubernetesCaStoreOptions) {
    this.namespace = options.namespace;
    this.name = options.name ?? CA_SECRET_NAME;
    this.description = `Secret ${this.namespace}/${this.name}`;
  }

  async read(): Promise<CaMaterial | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.api.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (httpStatusOf(error) === HTTP_NOT_FOUND) return undefined;
      throw new Error(`cannot read ${this.description}: ${describeApiError(error)}`
        + (httpStatusOf(error) === 403 ? '; the reconciler\'s Role must allow get on it by name (the Mesh construct emits that Role)' : ''));
    }
    return this.materialFrom(secret);
  }

  async createIfAbsent(candidate: CaMaterial): Promise<CaMaterial> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s-mesh-reconciler' } },
      type: 'Opaque',
      data: {
        [CA_CERT_FILE]: Buffer.from(candidate.certificatePem).toString('base64'),
        [CA_KEY_FILE]: Buffer.from(candidate.privateKeyPem).toString('base64'),
      },
    };
    try {
      await this.api.createNamespacedSecret({ namespace: this.namespace, body });
      return candidate;
    } catch (error) {
      if (httpStatusOf(error) !== HTTP_CONFLICT) {
        throw new Error(`cannot create ${this.description}: ${describeApiError(error)}`
          + (httpStatusOf(error) === 403 ? '; the reconciler\'s Role must allow create on Secrets in its namespace' : ''));
      }
    }
    const winner = await this.read();
    if (!winner) {
      throw new Error(`${this.description}: create reported 409 Conflict but the Secret cannot be read; check that the reconciler may get Secrets in namespace ${this.namespace}`);
    }
    return winner;
  }

  private materialFrom(secret: V1Secret): CaMaterial {
    const certificate = secret.data?.[CA_CERT_FILE];
    const key = secret.data?.[CA_KEY_FILE];
    if (!certificate || !key) {
      throw new Error(`${this.description}: data must hold "${CA_CERT_FILE}" and "${CA_KEY_FILE}" but has [${Object.keys(secret.data ?? {}).join(', ')}]; delete the Secret so a new root is created`);
    }
    return {
      certificatePem: Buffer.from(certificate, 'base64').toString('utf8'),
      privateKeyPem: Buffer.from(key, 'base64').toString('utf8'),
    };
  }
}
