/**
 * Where the mesh root lives. Every reconciler replica calls `loadOrCreateRootCa` at start; the
 * store guarantees that concurrent first starts agree on one root (create-if-absent, then read).
 */
import { CaMaterial, CertificateAuthority, CreateRootCaOptions, createRootCa, loadCertificateAuthority } from './ca';

export interface CaStore {
  /** Names the store (a directory, a Secret) in error messages. */
  readonly description: string;
  /** The stored root, or undefined when none has been created yet. */
  read(): Promise<CaMaterial | undefined>;
  /**
   * Stores `candidate` unless a root already exists, and returns the root that is stored
   * afterwards: the candidate if this call won, otherwise the one another replica stored first.
   */
  createIfAbsent(candidate: CaMaterial): Promise<CaMaterial>;
}

/** Loads the stored root, creating it on first start; fails if it belongs to another trust domain. */
export async function loadOrCreateRootCa(
  store: CaStore, trustDomain: string, options: CreateRootCaOptions = {}): Promise<CertificateAuthority> {
  const material = await store.read() ?? await store.createIfAbsent(await createRootCa(trustDomain, options));
  const ca = await loadCertificateAuthority(material, store.description);
  if (ca.trustDomain !== trustDomain) {
    throw new Error(`${store.description}: the stored root CA is for trust domain "${ca.trustDomain}" but the mesh is configured with "${trustDomain}"; configure trust domain "${ca.trustDomain}" or delete the stored root to create a new one`);
  }
  return ca;
}
