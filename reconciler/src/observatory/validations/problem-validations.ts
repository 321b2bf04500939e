/** Validations from what the reconciler refused: rejected and ignored objects, and NACKs in effect. */
import type { IgnoredObject, RejectedObject } from '../../push/contract';
import type { ProxyNack } from '../observatory-inputs';
import { objectLabel, Validation, VALIDATION_CODES } from './validation';

export function rejectedValidations(rejected: readonly RejectedObject[]): Validation[] {
  return rejected.map((entry) => ({
    code: VALIDATION_CODES.rejectedObject,
    severity: 'error',
    object: entry.name !== undefined ? objectLabel(entry.kind, entry.namespace, entry.name) : `${entry.kind} ${entry.origin.source}`,
    namespace: entry.namespace ?? (entry.name !== undefined ? 'default' : undefined),
    message: `rejected (from ${entry.origin.source}): ${entry.reasons.join('; ')}`,
    fix: 'correct the object as the reason says; until then proxies keep its last accepted version, or run without it',
  }));
}

export function ignoredValidations(ignored: readonly IgnoredObject[]): Validation[] {
  // Workload objects (Deployments, ConfigMaps …) are expected in a synthesized app; list only what is mesh config.
  return ignored.filter((entry) => entry.category !== 'not-mesh-config').map((entry) => ({
    code: VALIDATION_CODES.ignoredObject,
    severity: 'info',
    object: objectLabel(entry.kind, entry.namespace, entry.name),
    namespace: entry.namespace ?? 'default',
    message: `not served: ${entry.reason}`,
    fix: entry.category === 'unsupported-kind' ? 'express it with a supported kind, or remove it' : `check the apiVersion ${entry.apiVersion} and kind`,
  }));
}

export function nackValidations(nacks: readonly ProxyNack[]): Validation[] {
  return nacks.map((nack) => {
    const first = nack.objects[0];
    return {
      code: VALIDATION_CODES.nackedConfig,
      severity: 'error',
      object: first ? objectLabel(first.kind, first.namespace, first.name) : `proxy ${nack.proxy}`,
      namespace: first?.namespace,
      message: `proxy ${nack.proxy} refused ${nack.typeUrl.split('.').pop()}: ${nack.errorDetail.message}`,
      fix: `change ${nack.objects.map((object) => objectLabel(object.kind, object.namespace, object.name)).join(', ') || 'the config it was sent'} so Envoy accepts it; the proxy keeps its previous config meanwhile`,
    };
  });
}
