import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { buildBookinfo } from '../../examples/bookinfo/main';
import { discoverExamples, findBuilder, synthExample } from '../../scripts/synth-examples';
import { expectValidManifests } from '../support/istio-validation';

function synthYaml(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookinfo-'));
  try {
    const app = new App({ outdir });
    buildBookinfo(app);
    app.synth();
    return fs.readdirSync(outdir).sort().map(file => fs.readFileSync(path.join(outdir, file), 'utf8')).join('\n');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('bookinfo example', () => {
  test('GIVEN the example WHEN synthesized THEN every object is valid against the Istio CRDs and Kubernetes', () => {
    const manifests = Testing.synth(buildBookinfo(Testing.app()));
    expectValidManifests(manifests);
    const deployments = manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name);
    expect(deployments).toEqual(['mesh-reconciler', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'details-v1', 'productpage-v1']);
  });

  test('GIVEN the example WHEN synthesized THEN the output matches the reviewed golden file', () => {
    expect(Testing.synth(buildBookinfo(Testing.app()))).toMatchSnapshot();
  });

  test('GIVEN the example WHEN synthesized twice THEN the YAML is byte-identical', () => {
    expect(synthYaml()).toEqual(synthYaml());
  });
});

describe('synth-examples script', () => {
  test('GIVEN the examples folder WHEN discovered THEN bookinfo is found', () => {
    expect(discoverExamples()).toContain('bookinfo');
  });

  test.each([
    ['no build function', {}, /exports 0 build functions \(none\)/],
    ['two build functions', { buildA: () => undefined, buildB: () => undefined }, /exports 2 build functions \(buildA, buildB\)/],
  ])('GIVEN an example module with %s WHEN its builder is looked up THEN it fails naming the file', (_case, module, message) => {
    expect(() => findBuilder('broken', module)).toThrow(/examples\/broken\/main\.ts/);
    expect(() => findBuilder('broken', module)).toThrow(message);
  });

  test('GIVEN bookinfo WHEN synthesized by the script THEN dist/<example>/ holds its YAML and the mesh diagram', () => {
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-'));
    try {
      const outdir = synthExample('bookinfo', outputDir);
      expect(outdir).toBe(path.join(outputDir, 'bookinfo'));
      expect(fs.readdirSync(outdir).sort()).toEqual(['bookinfo.k8s.yaml', 'mesh.html']);
    } finally {
      fs.rmSync(outputDir, { recursive: true, force: true });
    }
  });
});
