import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Mesh, MeshService, ServiceProtocol } from '../../src';
import { envoyRegexIssues } from '../../src/model';
import { validateIstioObjects } from '../support/istio-validation';

// The property every construct must have, whatever its props: synth either produces objects the
// CRD validator accepts (and Envoy's regex check too) as YAML that parses back to the same
// objects, or throws an error whose message names the construct path. A TypeError or other
// error from inside the library without a construct path is a failure.

export interface FuzzMesh {
  readonly chart: Chart;
  readonly mesh: Mesh;
  /** reviews with versions v1, v2 and v3 on HTTP 9080, in bookinfo. */
  readonly reviews: MeshService;
  /** productpage v1 on HTTP 9080, in bookinfo. */
  readonly productpage: MeshService;
}

/** Runs per property; FUZZ_RUNS raises it for a longer search. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 20);

/**
 * A fixed seed by default, so that `npm test` tries the same inputs on every run and cannot fail
 * by chance; FUZZ_SEED explores other inputs (fast-check prints the seed of a failure).
 */
export const DEFAULT_FUZZ_SEED = 20261201;
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? DEFAULT_FUZZ_SEED);

export function fuzzMesh(): FuzzMesh {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  const mesh = new Mesh(chart, 'mesh');
  const service = (name: string, versions: string[]) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'bookinfo',
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: versions.map((version) => ({ name: version, image: `example/${name}:${version}` })),
  });
  return { chart, mesh, reviews: service('reviews', ['v1', 'v2', 'v3']), productpage: service('productpage', ['v1']) };
}

export type SynthOutcome = { readonly ok: true; readonly objects: number } | { readonly ok: false; readonly message: string };

/**
 * Builds the constructs with `build` and synthesizes; throws (failing the property) unless the
 * outcome is valid output or an error naming a construct path under `test`.
 */
export function expectValidSynthOrPathError(build: (mesh: FuzzMesh) => void): SynthOutcome {
  let app: App | undefined;
  let yamlText: string;
  let manifests: any[];
  try {
    const fuzz = fuzzMesh();
    app = App.of(fuzz.chart) as App;
    build(fuzz);
    yamlText = app.synthYaml();
    manifests = Testing.synth(fuzz.chart);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/\[test(\/[^\]\s]*)?\]|test\/[A-Za-z0-9-]+/.test(message)) {
      throw new Error(`synth failed without naming a construct path: ${error instanceof Error ? error.stack : message}`);
    }
    if (message.length > 4000) {
      throw new Error(`error message of ${message.length} characters: values are not cut`);
    }
    return { ok: false, message };
  }
  const parsed = parseAllDocuments(yamlText);
  const parseErrors = parsed.flatMap((document) => document.errors.map((parseError) => parseError.message));
  if (parseErrors.length > 0) {
    throw new Error(`synth produced invalid YAML: ${parseErrors.join('; ')}`);
  }
  expect(parsed.map((document) => document.toJS())).toEqual(manifests);
  const problems = [
    ...validateIstioObjects(manifests.filter(isIstioObject)),
    ...manifests.flatMap((manifest) => envoyRegexIssues(manifest).map((issue) => `${manifest.kind} ${manifest.metadata.name}: ${issue.path}: ${issue.message}`)),
  ];
  if (problems.length > 0) {
    throw new Error(`synth produced objects the validator rejects:\n${problems.join('\n')}`);
  }
  return { ok: true, objects: manifests.length };
}

function isIstioObject(manifest: any): boolean {
  return typeof manifest?.apiVersion === 'string' && /istio\.io\//.test(manifest.apiVersion);
}
