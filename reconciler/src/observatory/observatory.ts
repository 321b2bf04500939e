/** The observatory as the reconciler runs it: each API call reads a fresh snapshot of the inputs. */
import { buildObservatoryGraph } from './build-graph';
import type { ObservatoryGraph } from './observatory-graph';
import type { ObservatoryApi } from './observatory-http';
import type { ObservatoryInputs } from './observatory-inputs';
import { ServiceDetail, serviceDetail } from './service-detail';
import type { Validation } from './validations/validation';
import { meshValidations } from './validations/validations';

/** Plaintext callers and other traffic checks look this far back. */
const VALIDATION_WINDOW_MS = 60_000;

export class Observatory implements ObservatoryApi {
  constructor(private readonly inputs: () => ObservatoryInputs) {}

  graph(options: { readonly namespace?: string; readonly windowMs: number }): ObservatoryGraph {
    return buildObservatoryGraph(this.inputs(), options);
  }

  service(namespace: string, name: string, windowMs: number): ServiceDetail | undefined {
    return serviceDetail(this.inputs(), namespace, name, windowMs);
  }

  validations(namespace?: string): Validation[] {
    return meshValidations(this.inputs(), VALIDATION_WINDOW_MS, namespace);
  }
}
