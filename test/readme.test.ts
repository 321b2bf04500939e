import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import { App, Testing } from 'cdk8s';
import * as ts from 'typescript';
import * as meshLibrary from '../src';
import { expectValidManifests } from './support/istio-validation';

/** The README's first TypeScript example, run as written except that `cdk8s-mesh` is this source tree. */
function runReadmeExample(): App {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!example) throw new Error('README.md has no ```ts example');
  const source = example[1].replace(/app\.synth\(\);.*$/m, 'module.exports = app;');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } });
  const module = { exports: {} as unknown };
  // The example imports only these two packages; anything else is a README mistake worth failing on.
  const modules: Record<string, unknown> = { 'cdk8s-mesh': meshLibrary, 'cdk8s': cdk8s };
  const load = (name: string) => {
    if (!(name in modules)) throw new Error(`the README example imports '${name}'; only cdk8s and cdk8s-mesh are expected`);
    return modules[name];
  };
  new Function('require', 'module', 'exports', outputText)(load, module, module.exports);
  return module.exports as App;
}

describe('README quick start', () => {
  test('GIVEN the README example WHEN synthesized THEN it yields a valid 90/10 canary with a circuit breaker and STRICT mTLS', () => {
    const app = runReadmeExample();
    const manifests = app.charts.flatMap((chart) => Testing.synth(chart));
    expectValidManifests(manifests);

    const virtualService = manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'reviews');
    const weights = virtualService.spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight]);
    expect(weights).toEqual([['v1', 90], ['v2', 10]]);

    const destinationRule = manifests.find((m) => m.kind === 'DestinationRule' && m.metadata.name === 'reviews');
    expect(destinationRule.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
    expect(destinationRule.spec.trafficPolicy.tls.mode).toBe('ISTIO_MUTUAL');
    expect(manifests.some((m) => m.kind === 'PeerAuthentication' && m.spec.mtls.mode === 'STRICT')).toBe(true);
  });
});
