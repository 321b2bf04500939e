/**
 * Figure 1, one run in a fresh process: synthesizes `services` MeshServices, each with a canary
 * release, a circuit breaker and a STRICT mTLS policy (`constructs`), or the same manifests as a
 * chart of raw ApiObjects (`raw`, reading the documents a `constructs` run saved). Prints wall time
 * of building the tree plus synthesizing YAML, and the process's peak RSS.
 *   node synth-run.js constructs <services> <save-docs.json> <save.yaml>
 *   node synth-run.js raw <docs.json> <expected.yaml>
 */
import * as fs from 'fs';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import { CanaryRelease, CircuitBreaker, Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceProtocol } from '../../src';

function peakRssMiB(): number {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

function buildMesh(app: App, services: number): void {
  const chart = new Chart(app, 'mesh');
  const mesh = new Mesh(chart, 'mesh');
  for (let index = 0; index < services; index += 1) {
    const name = `svc-${index}`;
    const service = new MeshService(chart, name, {
      mesh,
      name,
      namespace: `bench-${Math.floor(index / 100)}`,
      ports: [{ name: 'http', port: 8080, protocol: ServiceProtocol.HTTP }],
      versions: ['v1', 'v2'].map((version) => ({ name: version, image: `registry.example.com/${name}:${version}` })),
    });
    new CanaryRelease(chart, `${name}-canary`, { service, stable: 'v1', canary: 'v2', canaryWeight: 10 });
    new CircuitBreaker(chart, `${name}-breaker`, {
      service,
      connectionPool: { maxConnections: 100, connectTimeout: Duration.millis(250), http1MaxPendingRequests: 32, http2MaxRequests: 100 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
    });
    new MtlsPolicy(chart, `${name}-mtls`, { mesh, service, mode: MtlsMode.STRICT });
  }
}

function buildRaw(app: App, documents: readonly Record<string, any>[]): void {
  const chart = new Chart(app, 'mesh');
  documents.forEach((document, index) => {
    const { apiVersion, kind, metadata, ...rest } = document;
    new ApiObject(chart, `o${index}`, { apiVersion, kind, metadata, ...rest });
  });
}

function main(): void {
  const [mode, ...args] = process.argv.slice(2);
  let app: App;
  let started: number;
  let yaml: string;
  if (mode === 'constructs') {
    const [services, docsFile, yamlFile] = args;
    started = performance.now();
    app = new App({ outdir: '/nonexistent' });
    buildMesh(app, Number(services));
    yaml = app.synthYaml();
    const elapsed = performance.now() - started;
    const peak = peakRssMiB();
    fs.writeFileSync(docsFile, JSON.stringify(app.charts.flatMap((chart) => chart.toJson())));
    fs.writeFileSync(yamlFile, yaml);
    process.stdout.write(`${JSON.stringify({ wallMs: elapsed, peakRssMiB: peak, bytes: yaml.length })}\n`);
  } else if (mode === 'raw') {
    const [docsFile, expectedFile] = args;
    const documents = JSON.parse(fs.readFileSync(docsFile, 'utf8')) as Record<string, any>[];
    started = performance.now();
    app = new App({ outdir: '/nonexistent' });
    buildRaw(app, documents);
    yaml = app.synthYaml();
    const elapsed = performance.now() - started;
    const peak = peakRssMiB();
    const same = yaml === fs.readFileSync(expectedFile, 'utf8');
    if (!same) throw new Error(`the raw ApiObject chart did not reproduce ${expectedFile}; the baseline would not be comparable`);
    process.stdout.write(`${JSON.stringify({ wallMs: elapsed, peakRssMiB: peak, bytes: yaml.length })}\n`);
  } else {
    throw new Error(`mode is '${mode}'; it must be 'constructs' or 'raw'`);
  }
}

main();
