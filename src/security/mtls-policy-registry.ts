import type { MtlsPolicy } from './mtls-policy';
import type { Mesh } from '../mesh/mesh';
import type { IMeshService } from '../mesh/mesh-service';

/**
 * The mTLS policies of one mesh, indexed by the scope they cover, so the policy deciding a
 * service and a policy's duplicates are found in constant time instead of by walking the
 * construct tree for every service. Policies register when constructed and lookups happen at
 * synth time, so a policy declared after the services it covers still decides them.
 */
export class MtlsPolicyRegistry {
  /** The registry of `mesh`, created on first use. */
  public static of(mesh: Mesh): MtlsPolicyRegistry {
    let registry = REGISTRIES.get(mesh);
    if (!registry) {
      registry = new MtlsPolicyRegistry();
      REGISTRIES.set(mesh, registry);
    }
    return registry;
  }

  // Each list is in declaration order: the first policy of a scope decides, the others are duplicates.
  private readonly meshWide: MtlsPolicy[] = [];
  private readonly byNamespace = new Map<string, MtlsPolicy[]>();
  private readonly byService = new Map<IMeshService, MtlsPolicy[]>();
  private readonly sameScopeAs = new Map<MtlsPolicy, MtlsPolicy[]>();

  private constructor() {}

  /** Adds a policy covering the whole mesh, one namespace or one service. */
  public register(policy: MtlsPolicy, scope: { readonly namespace?: string; readonly service?: IMeshService }): void {
    const sameScope = scope.service ? entryOf(this.byService, scope.service)
      : scope.namespace !== undefined ? entryOf(this.byNamespace, scope.namespace) : this.meshWide;
    sameScope.push(policy);
    this.sameScopeAs.set(policy, sameScope);
  }

  /** The most specific policy covering `service`: its own, else its namespace's, else the mesh's. */
  public decidingPolicy(service: IMeshService): MtlsPolicy | undefined {
    return this.byService.get(service)?.[0] ?? this.byNamespace.get(service.namespace)?.[0] ?? this.meshWide[0];
  }

  /** The first other policy registered for the same scope as `policy`. */
  public duplicateOf(policy: MtlsPolicy): MtlsPolicy | undefined {
    return this.sameScopeAs.get(policy)?.find(other => other !== policy);
  }
}

const REGISTRIES = new WeakMap<Mesh, MtlsPolicyRegistry>();

function entryOf<K>(index: Map<K, MtlsPolicy[]>, key: K): MtlsPolicy[] {
  let policies = index.get(key);
  if (!policies) {
    policies = [];
    index.set(key, policies);
  }
  return policies;
}
