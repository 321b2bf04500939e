/**
 * Istio's own analyzers as a second opinion on the synth-time checks: `istioctl analyze` (built
 * from the pinned istio.io/istio by `scripts/test-binaries/ensure.sh`) reads every example and
 * generated compositions of the constructs, as a user would before applying them, and finds
 * nothing. What it would warn about must already fail at synth, naming the construct.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { discoverExamples, synthExample } from '../../scripts/synth-examples';
import {
  ABTest, CanaryRelease, ExternalResolution, ExternalService, HttpMatch, JwtAuthentication, Mesh, MeshService, MtlsMode, MtlsPolicy,
  ServiceAuthorization, ServiceProtocol,
} from '../../src';
import { ensureTestBinaries } from '../kubernetes/cluster/test-binaries';

interface AnalyzerMessage {
  readonly code: string;
  readonly level: string;
  readonly message: string;
  readonly origin: string;
  readonly reference?: string;
}

let istioctl: string;
let workDir: string;

beforeAll(() => {
  istioctl = ensureTestBinaries(['istioctl'])('istioctl');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-analyze-'));
});

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Every message `istioctl analyze` prints for the YAML files of `dir`, at any level. */
function analyze(dir: string): AnalyzerMessage[] {
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.yaml')).map((name) => path.join(dir, name));
  if (files.length === 0) throw new Error(`no YAML in ${dir}: nothing to analyze`);
  const output = execFileSync(istioctl, ['analyze', '--use-kube=false', '--all-namespaces', '--output', 'json', '--output-threshold', 'Info', ...files],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return JSON.parse(output) as AnalyzerMessage[];
}

const describeMessages = (messages: readonly AnalyzerMessage[]) => messages.map((m) => `${m.level} ${m.code} ${m.origin}: ${m.message}`);

describe('istioctl analyze on the examples', () => {
  test.each(discoverExamples())('GIVEN examples/%s synthesized WHEN istioctl analyzes it THEN it reports nothing', (example) => {
    const outdir = synthExample(example, workDir);

    expect(describeMessages(analyze(outdir))).toEqual([]);
  });

  test('GIVEN the analyzer WHEN it reads a DENY rule on request attributes without ports THEN it warns (IST0133), so the example checks can fail', () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'known-bad-'));
    fs.writeFileSync(path.join(dir, 'deny.yaml'), [
      'apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata: { name: deny-admin, namespace: shop }',
      'spec:', '  action: DENY', '  rules: [{ to: [{ operation: { paths: ["/admin"] } }] }]', '',
    ].join('\n'));

    expect(analyze(dir).map((m) => m.code)).toEqual(['IST0133']);
  });
});

/** A small mesh of generated shape: what a platform team might write. */
interface Composition {
  readonly tcpPort: boolean;
  readonly canaryWeight: number | undefined;
  readonly abTestHeader: boolean;
  readonly mtls: MtlsMode | undefined;
  readonly deny: { paths?: string[]; methods?: string[]; headers?: boolean; fromNamespace?: boolean } | undefined;
  readonly jwtPaths: string[] | undefined;
  readonly external: { protocol: ServiceProtocol; resolution: ExternalResolution; withAddress: boolean } | undefined;
}

const composition: fc.Arbitrary<Composition> = fc.record({
  tcpPort: fc.boolean(),
  canaryWeight: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  abTestHeader: fc.boolean(),
  mtls: fc.option(fc.constantFrom(MtlsMode.STRICT, MtlsMode.PERMISSIVE, MtlsMode.DISABLE), { nil: undefined }),
  deny: fc.option(fc.record({
    paths: fc.option(fc.constantFrom(['/admin/*'], ['/internal', '/debug/*']), { nil: undefined }),
    methods: fc.option(fc.constantFrom(['DELETE'], ['PUT', 'POST']), { nil: undefined }),
    headers: fc.boolean(),
    fromNamespace: fc.boolean(),
  }), { nil: undefined }),
  jwtPaths: fc.option(fc.constantFrom(['*'], ['/api/*']), { nil: undefined }),
  external: fc.option(fc.record({
    protocol: fc.constantFrom(ServiceProtocol.TLS, ServiceProtocol.TCP, ServiceProtocol.HTTPS),
    resolution: fc.constantFrom(ExternalResolution.DNS, ExternalResolution.STATIC),
    withAddress: fc.boolean(),
  }), { nil: undefined }),
});

/** Synthesizes `spec` into `outdir`; returns the error when synth refuses it. */
function synthesize(spec: Composition, outdir: string): Error | undefined {
  try {
    const app = new App({ outdir });
    const chart = new Chart(app, 'shop');
    const mesh = new Mesh(chart, 'Mesh');
    const ports = [{ port: 9080, protocol: ServiceProtocol.HTTP }, ...(spec.tcpPort ? [{ port: 7070, protocol: ServiceProtocol.TCP }] : [])];
    const reviews = new MeshService(chart, 'Reviews', {
      mesh,
      name: 'reviews',
      namespace: 'shop',
      ports,
      versions: [{ name: 'v1', image: 'example/reviews:1' }, { name: 'v2', image: 'example/reviews:2' }],
    });
    new MeshService(chart, 'Productpage', {
      mesh,
      name: 'productpage',
      namespace: 'shop',
      ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
      versions: [{ name: 'v1', image: 'example/productpage:1' }],
    });
    if (spec.canaryWeight !== undefined) new CanaryRelease(chart, 'Canary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: spec.canaryWeight });
    if (spec.abTestHeader && spec.canaryWeight === undefined) {
      new ABTest(chart, 'Experiment', {
        service: reviews, rules: [{ match: [HttpMatch.header('x-group').exact('b')], version: 'v2' }], variants: [{ version: 'v1', weight: 100 }],
      });
    }
    if (spec.mtls) new MtlsPolicy(chart, 'Mtls', { mesh, mode: spec.mtls, service: reviews });
    if (spec.jwtPaths) {
      new JwtAuthentication(chart, 'Jwt', { service: reviews, issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/jwks.json', requiredPaths: spec.jwtPaths });
    }
    if (spec.deny) {
      new ServiceAuthorization(chart, 'Authz', { service: reviews }).deny({
        paths: spec.deny.paths,
        methods: spec.deny.methods,
        headers: spec.deny.headers ? { 'x-debug': ['1'] } : undefined,
        fromNamespaces: spec.deny.fromNamespace ? ['untrusted'] : undefined,
      });
    }
    if (spec.external) {
      const port = spec.external.protocol === ServiceProtocol.TCP ? 5432 : 443;
      new ExternalService(chart, 'Partner', {
        mesh,
        namespace: 'shop',
        hosts: ['partner.example.net'],
        ports: [{ port, protocol: spec.external.protocol }],
        resolution: spec.external.resolution,
        endpoints: spec.external.resolution === ExternalResolution.STATIC ? ['192.0.2.10'] : undefined,
        addresses: spec.external.withAddress ? ['192.0.2.10'] : undefined,
      });
    }
    app.synth();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('istioctl analyze on generated compositions', () => {
  test('GIVEN seeded random compositions WHEN synthesized THEN each either fails at synth naming a construct, or istioctl finds nothing in it', () => {
    const refused: string[] = [];
    let analyzed = 0;
    fc.assert(fc.property(composition, (spec) => {
      const outdir = fs.mkdtempSync(path.join(workDir, 'composition-'));
      const error = synthesize(spec, outdir);
      if (error) {
        // A refusal names the construct path ("[shop/…]") and the prop, never an internal stack only.
        expect(error.message).toMatch(/^\[shop\/[^\]]+\] '/);
        refused.push(error.message);
        return;
      }
      analyzed += 1;
      expect({ spec, messages: describeMessages(analyze(outdir)) }).toEqual({ spec, messages: [] });
    }), { numRuns: Number(process.env.ANALYZE_RUNS ?? 25), seed: Number(process.env.ANALYZE_SEED ?? 20261202) });

    // The generator reaches both outcomes: compositions Istio reads, and ones synth refuses.
    expect(analyzed).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
  });
});
