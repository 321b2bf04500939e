import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { buildDiagramBookinfo } from './bookinfo-mesh';
import { drawnEdges, nodeAttributes, nodeIds, texts } from './diagram-html';
import { ExternalService, Mesh, ServiceProtocol } from '../../src';

const outdirs: string[] = [];

function freshOutdir(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-diagram-'));
  outdirs.push(outdir);
  return outdir;
}

/** Synthesizes an app built by `build` and returns its output directory. */
function synth(build: (app: App) => void): string {
  const app = new App({ outdir: freshOutdir() });
  build(app);
  app.synth();
  return app.outdir;
}

function read(outdir: string, file = 'mesh.html'): string {
  return fs.readFileSync(path.join(outdir, file), 'utf8');
}

afterAll(() => outdirs.forEach(outdir => fs.rmSync(outdir, { recursive: true, force: true })));

describe('mesh diagram written by synth', () => {
  let html: string;
  beforeAll(() => {
    html = read(synth(app => buildDiagramBookinfo(app)));
  });

  test('GIVEN a bookinfo-like mesh WHEN synthesized THEN mesh.html lies next to the YAML', () => {
    const outdir = synth(app => buildDiagramBookinfo(app));
    expect(fs.readdirSync(outdir).sort()).toEqual(['bookinfo.k8s.yaml', 'mesh.html']);
  });

  test('GIVEN the mesh WHEN its diagram is read THEN every service and version is a node, and no control-plane or gateway Service is', () => {
    expect(nodeIds(html, 'service').sort()).toEqual([
      'service:bookinfo/details', 'service:bookinfo/productpage', 'service:bookinfo/ratings', 'service:bookinfo/reviews',
    ]);
    expect(nodeIds(html, 'version').sort()).toEqual([
      'version:bookinfo/details/v1', 'version:bookinfo/details/v2', 'version:bookinfo/productpage/v1', 'version:bookinfo/ratings/v1',
      'version:bookinfo/reviews/v1', 'version:bookinfo/reviews/v2', 'version:bookinfo/reviews/v3',
    ]);
  });

  test('GIVEN a 90/10 canary with a rollout step WHEN drawn THEN the service → version edges carry the declared weights, and the box the plan', () => {
    const weights = drawnEdges(html).filter(edge => edge.kind === 'route' && edge.from === 'service:bookinfo/reviews')
      .map(edge => [edge.to, edge.weight]);
    expect(weights).toEqual([['version:bookinfo/reviews/v1', 90], ['version:bookinfo/reviews/v2', 10]]);
    expect(texts(html, 'version:bookinfo/reviews/v1')).toEqual(['90 %']);
    expect(texts(html, 'version:bookinfo/reviews/v2')).toEqual(['10 %']);
    expect(texts(html)).toContain('CANARY v1 → v2: 10 % → 50 % (hold 300s) → 100 %');
  });

  test('GIVEN a mirror of details to v2 WHEN drawn THEN a mirror edge with its percentage reaches v2', () => {
    const mirrors = drawnEdges(html).filter(edge => edge.kind === 'mirror');
    expect(mirrors).toEqual([expect.objectContaining({ from: 'service:bookinfo/details', to: 'version:bookinfo/details/v2', weight: 50 })]);
    expect(texts(html, 'version:bookinfo/details/v2')).toContain('mirror 50 %');
  });

  test('GIVEN a chaos abort on ratings WHEN drawn THEN the route is labelled with the fault and its match, and the box with its window', () => {
    expect(texts(html, 'version:bookinfo/ratings/v1')).toEqual(['100 % if header x-chaos=on', 'fault abort 503 · 50 %', '100 %']);
    expect(texts(html)).toContain('FAULT abort 503 · 50 % if header x-chaos=on');
    expect(texts(html)).toContain('  in effect 2024-05-01T09:00Z → 2024-05-01T10:00Z');
  });

  test('GIVEN STRICT mTLS on reviews only WHEN drawn THEN reviews and the edges into it carry a lock, and no other service does', () => {
    expect(nodeAttributes(html, 'service:bookinfo/reviews')['data-mtls']).toBe('STRICT');
    expect(nodeAttributes(html, 'service:bookinfo/ratings')['data-mtls']).toBe('PERMISSIVE');
    expect(nodeIds(html, 'lock').filter(id => id !== 'legend:lock')).toEqual([
      'lock:service:bookinfo/productpage->service:bookinfo/reviews', 'lock:service:bookinfo/reviews',
    ]);
  });

  test('GIVEN an ingress gateway routing / to productpage WHEN drawn THEN the gateway is a node with an edge to productpage', () => {
    expect(nodeIds(html, 'gateway')).toEqual(['gateway:mesh-system/ingress-gateway']);
    expect(drawnEdges(html).filter(edge => edge.from === 'gateway:mesh-system/ingress-gateway')).toEqual([
      expect.objectContaining({ kind: 'route', to: 'service:bookinfo/productpage', weight: 100 }),
    ]);
    expect(texts(html, 'gateway:mesh-system/ingress-gateway->service:bookinfo/productpage')).toEqual(['100 %', 'if bookinfo.example.com uri /*']);
  });

  test('GIVEN authorization rules WHEN drawn THEN the allowed caller is an allow edge and the denied namespace a rule on the target', () => {
    expect(drawnEdges(html).filter(edge => edge.kind === 'allow' || edge.kind === 'deny')).toEqual([
      expect.objectContaining({ kind: 'allow', from: 'service:bookinfo/productpage', to: 'service:bookinfo/reviews' }),
    ]);
    expect(texts(html)).toContain('DENY from namespace untrusted (bookinfo/ratings-deny)');
  });

  test('GIVEN declared dependencies WHEN drawn THEN each caller has a calls edge to its dependency', () => {
    expect(drawnEdges(html).filter(edge => edge.kind === 'dependency').map(edge => `${edge.from} → ${edge.to}`)).toEqual([
      'service:bookinfo/productpage → service:bookinfo/details',
      'service:bookinfo/productpage → service:bookinfo/reviews',
      'service:bookinfo/reviews → service:bookinfo/ratings',
    ]);
  });

  test('GIVEN an external service WHEN drawn THEN it is a node showing its host and port', () => {
    expect(nodeIds(html, 'external')).toEqual(['external:bookinfo/ratings-database']);
    expect(texts(html)).toEqual(expect.arrayContaining(['ratings-db.example.net', 'TLS 443']));
  });

  test('GIVEN the page WHEN read THEN it is self-contained: no script, no link, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i);
    expect(html.match(/https?:\/\/[^"\s<]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<h1>Mesh mesh-system: declared services, routing and security</h1>');
    expect(texts(html)).toContain('Legend');
  });

  test('GIVEN the same app WHEN synthesized in two fresh apps and in a fresh process THEN the three diagrams are byte-identical', () => {
    const first = read(synth(app => buildDiagramBookinfo(app)));
    const second = read(synth(app => buildDiagramBookinfo(app)));
    const processOutdir = freshOutdir();
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bookinfo-mesh.ts'), processOutdir], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(second).toBe(first);
    expect(read(processOutdir)).toBe(first);
  }, 180_000);
});

describe('mesh diagram options and edge cases', () => {
  test('GIVEN diagram: false WHEN synthesized THEN only the YAML is written', () => {
    const outdir = synth(app => buildDiagramBookinfo(app, { diagram: false }));
    expect(fs.readdirSync(outdir)).toEqual(['bookinfo.k8s.yaml']);
  });

  test('GIVEN a hand-written Service, Deployments, DestinationRule and VirtualService in the chart WHEN synthesized THEN the diagram shows them with their weights', () => {
    const html = read(synth(app => {
      const { chart } = buildDiagramBookinfo(app);
      const meta = (name: string) => ({ name, namespace: 'bookinfo' });
      new ApiObject(chart, 'LedgerService', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('ledger'),
        spec: { selector: { app: 'ledger' }, ports: [{ name: 'grpc', port: 7070 }] },
      });
      for (const version of ['blue', 'green']) {
        new ApiObject(chart, `Ledger-${version}`, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: meta(`ledger-${version}`),
          spec: { template: { metadata: { labels: { app: 'ledger', version } }, spec: { containers: [] } } },
        });
      }
      new ApiObject(chart, 'LedgerRule', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: meta('ledger'),
        spec: { host: 'ledger', subsets: [{ name: 'blue', labels: { version: 'blue' } }, { name: 'green', labels: { version: 'green' } }] },
      });
      new ApiObject(chart, 'LedgerRoutes', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta('ledger'),
        spec: {
          hosts: ['ledger'],
          http: [{ route: [{ destination: { host: 'ledger', subset: 'blue' }, weight: 70 }, { destination: { host: 'ledger', subset: 'green' }, weight: 30 }] }],
        },
      });
    }));
    expect(nodeIds(html, 'service')).toContain('service:bookinfo/ledger');
    expect(drawnEdges(html).filter(edge => edge.from === 'service:bookinfo/ledger').map(edge => [edge.to, edge.weight])).toEqual([
      ['version:bookinfo/ledger/blue', 70], ['version:bookinfo/ledger/green', 30],
    ]);
    expect(texts(html)).toEqual(expect.arrayContaining(['ledger', 'bookinfo · grpc 7070', 'VirtualService bookinfo/ledger']));
  });

  test('GIVEN a mesh with no services WHEN synthesized THEN the diagram says so and draws no node or edge', () => {
    const html = read(synth(app => new Mesh(new Chart(app, 'empty'), 'mesh')));
    expect(texts(html)).toContain('The mesh declares no services, gateways or external services yet.');
    expect(nodeIds(html, 'node')).toEqual([]);
    expect(drawnEdges(html)).toEqual([]);
  });

  test('GIVEN a mesh with only a ServiceEntry WHEN synthesized THEN the diagram shows that external service alone', () => {
    const html = read(synth(app => {
      const chart = new Chart(app, 'egress');
      const mesh = new Mesh(chart, 'mesh');
      new ExternalService(chart, 'Payments', { mesh, hosts: ['api.payments.example'], ports: [{ port: 443, protocol: ServiceProtocol.TLS }] });
    }));
    expect(nodeIds(html, 'node')).toEqual(['external:mesh-system/payments']);
    expect(texts(html)).toEqual(expect.arrayContaining(['payments', 'api.payments.example', 'mesh-system · MESH_EXTERNAL · DNS']));
    expect(drawnEdges(html)).toEqual([]);
  });

  test('GIVEN two meshes in one app WHEN synthesized THEN each gets a file named after its namespace with only its own objects', () => {
    const outdir = synth(app => {
      const chart = new Chart(app, 'two');
      const meshes = ['payments-mesh', 'shop-mesh'].map(namespace => new Mesh(chart, namespace, { namespace }));
      meshes.forEach((mesh, index) => new ExternalService(chart, `External${index}`, {
        mesh, hosts: [`api${index}.example`], ports: [{ port: 443, protocol: ServiceProtocol.TLS }],
      }));
    });
    expect(fs.readdirSync(outdir).sort()).toEqual(['payments-mesh.mesh.html', 'shop-mesh.mesh.html', 'two.k8s.yaml']);
    expect(texts(read(outdir, 'payments-mesh.mesh.html'))).toContain('api0.example');
    expect(texts(read(outdir, 'payments-mesh.mesh.html'))).not.toContain('api1.example');
    expect(texts(read(outdir, 'shop-mesh.mesh.html'))).toContain('api1.example');
  });

  test('GIVEN an app whose output directory does not exist WHEN a chart is only rendered to JSON THEN no file is written', () => {
    const outdir = path.join(freshOutdir(), 'never-synthesized');
    const { chart } = buildDiagramBookinfo(new App({ outdir }));
    expect(Testing.synth(chart).length).toBeGreaterThan(0);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
