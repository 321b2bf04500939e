/**
 * The observatory as the reconciler runs it: each API call reads a fresh snapshot of the inputs;
 * graphs and validations share the window's merged traffic for up to one stats flush interval.
 */
import { buildObservatoryGraph } from './build-graph';
import type { ObservatoryGraph } from './observatory-graph';
import type { ObservatoryApi } from './observatory-http';
import type { ObservatoryInputs } from './observatory-inputs';
import { ServiceDetail, serviceDetail } from './service-detail';
import { SharedTrafficIndex } from './shared-traffic';
import type { Validation } from './validations/validation';
import { meshValidations } from './validations/validations';

/** Plaintext callers and other traffic checks look this far back. */
const VALIDATION_WINDOW_MS = 60_000;

export class Observatory implements ObservatoryApi {
  private readonly traffic: SharedTrafficIndex;

  /** @param sharedTrafficMs how long graphs share a window's merged traffic @default 5000 (the stats flush interval) */
  constructor(private readonly inputs: () => ObservatoryInputs, sharedTrafficMs?: number) {
    this.traffic = new SharedTrafficIndex(sharedTrafficMs);
  }

  graph(options: { readonly namespace?: string; readonly windowMs: number }): ObservatoryGraph {
    const inputs = this.inputs();
    return buildObservatoryGraph(inputs, options, inputs.push ? this.traffic.get(inputs.traffic, options.windowMs, inputs.now) : undefined);
  }

  /** The graph with the telemetry merged anew, sharing nothing: what a request costs at worst. */
  freshGraph(options: { readonly namespace?: string; readonly windowMs: number }): ObservatoryGraph {
    return buildObservatoryGraph(this.inputs(), options);
  }

  service(namespace: string, name: string, windowMs: number): ServiceDetail | undefined {
    return serviceDetail(this.inputs(), namespace, name, windowMs);
  }

  validations(namespace?: string): Validation[] {
    const inputs = this.inputs();
    return meshValidations(inputs, VALIDATION_WINDOW_MS, namespace, this.traffic.get(inputs.traffic, VALIDATION_WINDOW_MS, inputs.now));
  }
}
