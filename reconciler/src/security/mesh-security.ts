/**
 * The mesh's security state for one reconciler: the root CA (loaded or created in its store), the
 * workload certificate cache, and the generators' security hooks built from both.
 */
import type { MeshSettings } from '../push/mesh-settings';
import type { SecurityExtensions } from '../xds/translate/extension-points';
import { createSecurityExtensions } from '../xds/translate/security/extensions';
import type { CertificateAuthority } from './ca';
import { CaStore, loadOrCreateRootCa } from './ca-store';
import { WorkloadCertificateCache } from './workload-cert-cache';

export interface MeshSecurity {
  readonly ca: CertificateAuthority;
  readonly certificates: WorkloadCertificateCache;
  readonly extensions: SecurityExtensions;
}

export interface MeshSecurityOptions {
  /** Workload certificate lifetime. @default 24 hours */
  readonly certificateLifetimeMs?: number;
  /** Injectable clock for rotation decisions. */
  readonly clock?: () => Date;
}

export async function loadMeshSecurity(store: CaStore, mesh: MeshSettings, options: MeshSecurityOptions = {}): Promise<MeshSecurity> {
  const ca = await loadOrCreateRootCa(store, mesh.trustDomain);
  const certificates = new WorkloadCertificateCache(ca, { lifetimeMs: options.certificateLifetimeMs, clock: options.clock });
  const extensions = createSecurityExtensions({ rootCertificatePem: ca.certificatePem, certificates, rootNamespace: mesh.rootNamespace });
  return { ca, certificates, extensions };
}
