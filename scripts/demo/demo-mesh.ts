/**
 * The mesh the demo runs: the Bookinfo example as written, plus what the demo changes live — a
 * canary of reviews v2 at some weight, and optionally a fault for one user — synthesized to YAML.
 */
import { App, Chart } from 'cdk8s';
import { buildBookinfo } from '../../examples/bookinfo/main';
import { AbortFault, CanaryRelease, ChaosExperiment, HttpMatch, MeshService } from '../../src';

/** The header Bookinfo's productpage sets for a signed-in user, and the user the fault targets. */
export const USER_HEADER = 'end-user';
export const FAULTED_USER = 'jason';
export const FAULT_STATUS = 503;

export interface DemoMeshState {
  /** Share of reviews requests sent to v2 (the rest go to v1). */
  readonly canaryWeight: number;
  /** Whether reviews answers `FAULT_STATUS` to every request of `FAULTED_USER`. */
  readonly faultForUser: boolean;
}

/** Bookinfo with the demo's canary and fault, as the YAML `cdk8s synth` would write. */
export function synthesizeDemoMesh(state: DemoMeshState): string {
  const app = new App({ outdir: 'unused' });
  const chart = buildBookinfo(app);
  const reviews = reviewsOf(chart);
  new CanaryRelease(chart, 'reviews-canary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: state.canaryWeight });
  if (state.faultForUser) {
    new ChaosExperiment(chart, 'reviews-fault', {
      service: reviews,
      match: [HttpMatch.header(USER_HEADER).exact(FAULTED_USER)],
      abort: AbortFault.httpStatus(FAULT_STATUS),
    });
  }
  return app.synthYaml();
}

function reviewsOf(chart: Chart): MeshService {
  const reviews = chart.node.tryFindChild('reviews');
  if (!(reviews instanceof MeshService)) {
    throw new Error('examples/bookinfo/main.ts declares no MeshService with id \'reviews\'; the demo routes that service, so keep its id');
  }
  return reviews;
}
