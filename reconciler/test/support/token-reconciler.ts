/**
 * A reconciler as Kubernetes mode runs it, for real-Envoy tests: a mesh CA in a directory, xDS
 * over TLS with a serving certificate for `serverName`, and proxies authenticated by a token
 * review (a fake API server supplied by the test). The root certificate is written for bootstraps.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ConfigDocument } from '../../src/config/source';
import { silentLogger } from '../../src/log';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { DirectoryCaStore } from '../../src/security/directory-ca-store';
import { loadMeshSecurity, MeshSecurity } from '../../src/security/mesh-security';
import { createXdsServingCredentials, XdsServingCredentials } from '../../src/security/serving-credentials';
import { TokenReviewAuthenticator, TokenReviewStatus } from '../../src/security/token-review-authenticator';
import { generateProxyResources } from '../../src/xds/generators';
import { MemorySource } from './memory-source';

export interface TokenReconciler {
  readonly reconciler: Reconciler;
  readonly security: MeshSecurity;
  readonly xdsTlsPort: number;
  /** The mesh root, for bootstraps to verify the reconciler with. */
  readonly caCertFile: string;
  stop(): Promise<void>;
}

export async function startTokenReconciler(options: {
  readonly workDir: string;
  readonly serverName: string;
  readonly review: (token: string, audiences: readonly string[]) => Promise<TokenReviewStatus>;
  readonly documents?: ConfigDocument[];
}): Promise<TokenReconciler> {
  const security = await loadMeshSecurity(new DirectoryCaStore(path.join(options.workDir, 'ca')), DEFAULT_MESH_SETTINGS);
  const caCertFile = path.join(options.workDir, 'root-cert.pem');
  fs.writeFileSync(caCertFile, security.ca.certificatePem);
  const serving: XdsServingCredentials = await createXdsServingCredentials(security.ca, { dnsNames: [options.serverName], ipAddresses: [] });
  const reconciler = new Reconciler({
    source: new MemorySource(options.documents), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(),
    generate: (push, proxy) => generateProxyResources(push, proxy, security.extensions),
    certificates: security.certificates,
    authenticator: new TokenReviewAuthenticator(options.review),
    xds: { host: '127.0.0.1', port: 0 },
    xdsTls: { host: '127.0.0.1', port: 0, credentials: serving.credentials },
  });
  const xdsTlsPort = (await reconciler.start()).xdsTlsPort!;
  return {
    reconciler, security, xdsTlsPort, caCertFile,
    stop: async () => {
      await reconciler.stop();
      serving.stop();
    },
  };
}
