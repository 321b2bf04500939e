import * as fs from 'fs';
import * as path from 'path';
import { CRDS_FILE, GENERATED_FILE, ROOT } from '../../scripts/istio-api/generate-istio-api';
import { renderIstioApi, RENDERED_KINDS } from '../../scripts/istio-api/render-istio-api';

const crds = fs.readFileSync(path.join(ROOT, CRDS_FILE), 'utf8');

describe('the Istio API shapes generated from the CRDs', () => {
  test('GIVEN the bundled CRDs WHEN rendered THEN the committed module is exactly the output (run `npx projen generate:istio-api` after changing them)', () => {
    expect(fs.readFileSync(path.join(ROOT, GENERATED_FILE), 'utf8')).toBe(renderIstioApi(crds, CRDS_FILE));
  });

  test('GIVEN the CRDs WHEN rendered THEN every kind gets its spec interface with the storage version\'s fields, enums as unions', () => {
    const text = renderIstioApi(crds, CRDS_FILE);
    for (const kind of Object.values(RENDERED_KINDS).flat()) expect(text).toContain(`export interface ${kind}Spec {`);
    expect(text).toContain('(networking.istio.io/v1 VirtualService)');
    expect(text).toMatch(/action\?: 'ALLOW' \| 'DENY' \| 'AUDIT' \| 'CUSTOM';/);
    // Required fields lose the `?`: a Destination needs its host, a subset its name.
    expect(text).toMatch(/\n {8}host: string;/);
    expect(text).toMatch(/\n {4}name: string;/);
  });

  test('GIVEN CRDs that lack a rendered kind WHEN rendered THEN the error names the file, the kind and the fix', () => {
    const withoutSidecar = crds.split(/^---$/m).filter((document) => !/^\s+kind: Sidecar$/m.test(document)).join('---');
    expect(() => renderIstioApi(withoutSidecar, 'trimmed.yaml'))
      .toThrow('trimmed.yaml has no CustomResourceDefinition for networking.istio.io/Sidecar: update RENDERED_KINDS or the CRDs');
  });
});
