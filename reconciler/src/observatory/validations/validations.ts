/** Every validation of the mesh, sorted errors first, then by object and code. */
import { declaredView } from '../declared-view';
import type { PushContext } from '../../push/push-context';
import type { ObservatoryInputs } from '../observatory-inputs';
import { TrafficIndex, trafficIndex } from '../traffic-index';
import { plaintextChecks, sidecarChecks, subsetChecks, virtualServiceHostChecks } from './config-checks';
import { ignoredValidations, nackValidations, rejectedValidations } from './problem-validations';
import type { Validation, ValidationSeverity } from './validation';

const SEVERITY_ORDER: Record<ValidationSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Checks that read only the accepted config, run once per push context. */
const configOnly = new WeakMap<PushContext, Validation[]>();

/** @param traffic the window's traffic, when the caller has already indexed it */
export function meshValidations(inputs: ObservatoryInputs, windowMs: number, namespace?: string, traffic?: TrafficIndex): Validation[] {
  return unsortedValidations(inputs, windowMs, namespace, traffic)
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || compare(a.object, b.object) || compare(a.code, b.code));
}

/** How many validations of each severity: the graph's banner, which needs no order. */
export function meshValidationCounts(inputs: ObservatoryInputs, windowMs: number, namespace: string | undefined, traffic: TrafficIndex): Record<ValidationSeverity, number> {
  const counts: Record<ValidationSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const validation of unsortedValidations(inputs, windowMs, namespace, traffic)) counts[validation.severity] += 1;
  return counts;
}

function unsortedValidations(inputs: ObservatoryInputs, windowMs: number, namespace: string | undefined, traffic: TrafficIndex | undefined): Validation[] {
  const strictHosts = new Map<string, { namespace: string; name: string }>();
  if (inputs.push) {
    for (const service of declaredView(inputs.push, inputs.servedObjects, inputs.mesh).services) {
      if (service.declared && service.mtlsMode === 'STRICT') strictHosts.set(service.host, service);
    }
  }
  const all = [
    ...rejectedValidations(inputs.rejected),
    ...nackValidations(inputs.nacks),
    ...configChecks(inputs),
    ...sidecarChecks(inputs),
    ...plaintextChecks(traffic ?? trafficIndex(inputs.traffic, windowMs, inputs.now), strictHosts, windowMs),
    ...ignoredValidations(inputs.ignored),
  ];
  return namespace === undefined ? all : all.filter((validation) => validation.namespace === namespace);
}

function configChecks(inputs: ObservatoryInputs): Validation[] {
  if (!inputs.push) return [];
  let found = configOnly.get(inputs.push);
  if (!found) {
    found = [...subsetChecks(inputs), ...virtualServiceHostChecks(inputs)];
    configOnly.set(inputs.push, found);
  }
  return found;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
