/**
 * Checks and conversions shared by the feature constructs (traffic, resilience, security,
 * gateways): Istio durations and percentages, and resolving the service a construct configures.
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from './validation';
import { IMeshService, MeshService } from '../mesh/mesh-service';

/** Route order of the merged VirtualService, most specific first (higher first). */
export const FeatureRoutePriority = {
  /** Faults injected for matching requests only: tried before anything else. */
  CHAOS_MATCHED: 400,
  /** A/B test segments (header, cookie, query parameter, source service). */
  AB_MATCH: 300,
  /** The header that forces the canary. */
  CANARY_HEADER: 200,
  /** Weighted splits and other routes without a match. */
  CATCH_ALL: 0,
} as const;

/** The service as the construct that owns its routing objects, or an error naming the prop. */
export function owningService(scope: IConstruct, prop: string, service: IMeshService): MeshService {
  if (!(service instanceof MeshService)) {
    throw propError(scope, prop, service.node.path, 'it is not a MeshService, so it owns no VirtualService or DestinationRule',
      'Pass a MeshService declared in this app.');
  }
  requireSameApp(scope, prop, service);
  return service;
}

/** Throws unless `other` is declared in the same app as `scope`. */
export function requireSameApp(scope: IConstruct, prop: string, other: IConstruct): void {
  if (other.node.root !== scope.node.root) {
    throw propError(scope, prop, other.node.path, 'the service is not part of this app',
      'Declare the service in the same app, or declare an ExternalService for hosts outside the mesh.');
  }
}

/** An Istio duration (`5s`, `250ms`); throws unless the duration is at least one millisecond. */
export function istioDuration(scope: IConstruct, prop: string, duration: Duration): string {
  let millis: number;
  try {
    millis = duration.toMilliseconds();
  } catch {
    // cdk8s refuses fractions of a millisecond ("cannot be converted into a whole number of millis").
    millis = Number.NaN;
  }
  if (!Number.isInteger(millis) || millis < 1) {
    const shown = Number.isNaN(millis) ? duration.toHumanString() : `${millis}ms`;
    throw propError(scope, prop, shown, 'it must be a positive whole number of milliseconds',
      'Use a positive duration such as Duration.seconds(5).');
  }
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

const INT32_MAX = 2 ** 31 - 1;

/** Throws unless `value` is a percentage between 0 and 100. */
export function requirePercentage(scope: IConstruct, prop: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw propError(scope, prop, value, 'it must be a percentage between 0 and 100', 'Use a value such as 10 for 10 %.');
  }
  return value;
}

/** Throws unless `value` is an integer of at least `min`. */
export function requireInteger(scope: IConstruct, prop: string, value: number, min: number): number {
  // Every count Istio's CRDs take is an int32 or uint32: above 2^31 - 1 the API server refuses it.
  if (!Number.isInteger(value) || value < min || value > INT32_MAX) {
    throw propError(scope, prop, value, `it must be an integer from ${min} to ${INT32_MAX}`, 'Use an integer in that range.');
  }
  return value;
}

/** A validation message when `version` is not (yet, at synth time) a version of the service. */
export function unknownVersionMessages(prop: string, service: IMeshService, versions: readonly (string | undefined)[]): string[] {
  return versions.filter((version): version is string => version !== undefined && !service.versions.includes(version))
    .map(version => `'${prop}' is "${version}"; "${service.node.path}" has no such version. `
      + `Use one of ${JSON.stringify(service.versions)} or add the version to the service.`);
}

/** A DNS-1123 label made from a construct id, for deterministic route and object names. */
export function nameFromId(id: string): string {
  const name = id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-').replace(/^-|-$/g, '');
  return (name || 'route').slice(0, 63).replace(/-$/, '');
}
