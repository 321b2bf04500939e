/**
 * What the reconciler does with each kind of object in its input: serve it, or ignore it with a
 * reason. Nothing is dropped without being counted or listed (see `/debug/ignored`).
 */

/** `Secret`: `kubernetes.io/tls` objects holding gateway certificates (Gateway `tls.credentialName`). */
export const KUBERNETES_KINDS: ReadonlySet<string> = new Set(['Service', 'Pod', 'EndpointSlice', 'Secret']);

export const ISTIO_KINDS: ReadonlySet<string> = new Set([
  'VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Sidecar', 'Gateway',
  'PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy',
]);

/**
 * Built-in Kubernetes API groups (besides `*.k8s.io`): their objects (Deployments, ConfigMaps,
 * Namespaces, RBAC, CRDs...) are part of a synthesized app but not mesh config.
 */
const KUBERNETES_GROUPS: ReadonlySet<string> = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'extensions']);
/** CRD groups under `k8s.io` that are routing config of their own, not built-in Kubernetes. */
const NOT_BUILT_IN_GROUPS: ReadonlySet<string> = new Set(['gateway.networking.k8s.io']);

export type IgnoredCategory = 'not-mesh-config' | 'unsupported-kind' | 'unknown-kind';

export type KindTreatment =
  | { readonly serve: true }
  /** `validate`: checked against its CRD first, so an invalid one is reported as invalid. */
  | { readonly serve: false; readonly category: IgnoredCategory; readonly reason: string; readonly validate: boolean };

/**
 * @param knowsKind whether the CRD validator has a CRD for an Istio group and kind; without a
 * validator every Istio kind is taken to have one.
 */
export function kindTreatment(apiVersion: string, kind: string, knowsKind: (group: string, kind: string) => boolean = () => true): KindTreatment {
  const group = apiGroup(apiVersion);
  const istio = isIstioGroup(group);
  if ((istio && ISTIO_KINDS.has(kind)) || (!istio && KUBERNETES_KINDS.has(kind) && isBuiltInGroup(group))) return { serve: true };
  if (istio) {
    if (knowsKind(group, kind)) {
      return { serve: false, category: 'unsupported-kind', validate: true, reason: `${kind} is not supported by this control plane: it is valid, but not applied to any proxy` };
    }
    const suggestion = closestKind(kind);
    return {
      serve: false, category: 'unknown-kind', validate: false,
      reason: `${group} has no kind ${kind}${suggestion ? `; did you mean ${suggestion}?` : ''}; it is not applied`,
    };
  }
  if (isBuiltInGroup(group)) {
    return { serve: false, category: 'not-mesh-config', validate: false, reason: `${kind} is Kubernetes workload config, not mesh config; the control plane does not read it` };
  }
  return { serve: false, category: 'unknown-kind', validate: false, reason: `${apiVersion} ${kind} is not a kind this control plane knows; it is not applied` };
}

/** Istio objects are checked against their CRD schema; core Kubernetes kinds are not. */
export function isIstioApiVersion(apiVersion: string): boolean {
  return isIstioGroup(apiGroup(apiVersion));
}

function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function isIstioGroup(group: string): boolean {
  return group === 'istio.io' || group.endsWith('.istio.io');
}

function isBuiltInGroup(group: string): boolean {
  return KUBERNETES_GROUPS.has(group) || (group.endsWith('.k8s.io') && !NOT_BUILT_IN_GROUPS.has(group));
}

/** A served kind within two edits of a typo (`VirtualServce`), for the hint. */
function closestKind(kind: string): string | undefined {
  let best: { kind: string; distance: number } | undefined;
  for (const candidate of ISTIO_KINDS) {
    const distance = editDistance(kind.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { kind: candidate, distance };
  }
  return best?.kind;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
