import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { manifest, meshChart, podSpec, reviewsService } from './fixtures';
import { InjectionMode } from '../../src';
import { buildCaptureRules } from '../../src/model';
import { expectValidManifests } from '../support/istio-validation';

function injectedPod(meshProps = {}, serviceProps = {}): { spec: any; metadata: any; manifests: any[] } {
  const { chart, mesh } = meshChart(meshProps);
  reviewsService(chart, mesh, serviceProps);
  const manifests = Testing.synth(chart);
  const deployment = manifest(manifests, 'Deployment', 'reviews-v1');
  return { spec: podSpec(deployment), metadata: deployment.spec.template.metadata, manifests };
}

describe('sidecar injection (SYNTH)', () => {
  test('GIVEN a service WHEN synthesized THEN istio-init then istio-proxy run as init containers, the proxy as a native sidecar', () => {
    const { spec, manifests } = injectedPod();
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(spec.initContainers[0].restartPolicy).toBeUndefined();
    expect(spec.initContainers[1].restartPolicy).toBe('Always');
    expect(spec.containers.map((c: any) => c.name)).toEqual(['reviews']);
    expectValidManifests(manifests);
  });

  test('GIVEN istio-init WHEN synthesized THEN it has only the capabilities iptables needs', () => {
    const init = injectedPod().spec.initContainers[0];
    expect(init.image).toBe('ghcr.io/cdk8s-mesh/proxy-init:0.1.0');
    expect(init.securityContext).toEqual({
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    });
  });

  test('GIVEN capture options WHEN synthesized THEN the istio-init script runs exactly the capture rules for them', () => {
    const capture = {
      includeOutboundIpRanges: ['10.0.0.0/8'],
      excludeOutboundIpRanges: ['10.96.0.1/32'],
      excludeInboundPorts: [8081],
      excludeOutboundPorts: [5432],
    };
    const [shell, flag, script] = injectedPod({}, capture).spec.initContainers[0].command;
    const commands = script.trim().split('\n').slice(1).map((line: string) => line.replace(/'/g, '').split(' '));

    expect([shell, flag]).toEqual(['/bin/sh', '-c']);
    expect(script.startsWith('set -eu\n')).toBe(true);
    expect(commands).toEqual(buildCaptureRules(capture).map(args => ['iptables', ...args]));
  });

  test('GIVEN proxyInitImage WHEN synthesized THEN istio-init runs it and the reconciler keeps its own image', () => {
    const { chart, mesh } = meshChart({ proxyInitImage: 'registry.local/proxy-init:2', reconcilerImage: 'registry.local/reconciler:9' });
    reviewsService(chart, mesh);
    const manifests = Testing.synth(chart);
    expect(podSpec(manifest(manifests, 'Deployment', 'reviews-v1')).initContainers[0].image).toBe('registry.local/proxy-init:2');
    expect(podSpec(manifest(manifests, 'Deployment', 'mesh-reconciler')).containers[0].image).toBe('registry.local/reconciler:9');
  });

  test('GIVEN istio-proxy WHEN synthesized THEN it runs Envoy as UID 1337 with the bootstrap, probes and Prometheus port', () => {
    const { chart, mesh } = meshChart({ proxyImage: 'registry.local/envoy:1' });
    reviewsService(chart, mesh);
    const proxy = podSpec(manifest(Testing.synth(chart), 'Deployment', 'reviews-v1')).initContainers[1];

    expect(proxy.image).toBe('registry.local/envoy:1');
    expect(proxy.command).toEqual(['envoy']);
    expect(proxy.args.slice(0, 3)).toEqual(['-c', '/etc/istio/proxy/envoy.json', '--config-yaml']);
    expect(proxy.securityContext).toMatchObject({
      runAsUser: 1337,
      runAsGroup: 1337,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(proxy.ports).toEqual([{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }]);
    expect(proxy.startupProbe.httpGet).toEqual({ path: '/healthz/ready', port: 15021 });
    expect(proxy.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 15021 });
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    expect(proxy.volumeMounts).toEqual([
      { name: 'istio-bootstrap', mountPath: '/etc/istio/proxy', readOnly: true },
      { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
      { name: 'mesh-ca-root-cert', mountPath: '/var/run/secrets/mesh', readOnly: true },
    ]);
  });

  test('GIVEN istio-proxy WHEN synthesized THEN its node identity comes from downward API variables expanded in args', () => {
    const proxy = injectedPod().spec.initContainers[1];
    const override = JSON.parse(proxy.args[proxy.args.indexOf('--config-yaml') + 1]);
    const defined = proxy.env.map((variable: any) => variable.name);
    const referenced = [...new Set(JSON.stringify(override).match(/\$\(([A-Z_]+)\)/g)!.map(ref => ref.slice(2, -1)))];

    expect(proxy.env).toEqual(expect.arrayContaining([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'INSTANCE_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]));
    expect(defined).toEqual(expect.arrayContaining(referenced));
    expect(override.node.id).toBe('sidecar~$(INSTANCE_IP)~$(POD_NAME).$(POD_NAMESPACE)~$(POD_NAMESPACE).svc.cluster.local');
    expect(override.node.cluster).toBe('reviews.bookinfo');
    expect(override.node.metadata.LABELS).toMatchObject({ app: 'reviews', version: 'v1' });
  });

  test('GIVEN a service WHEN synthesized THEN the pod carries Istio injection labels and annotations', () => {
    const { metadata, spec } = injectedPod();
    expect(metadata.labels).toMatchObject({
      'security.istio.io/tlsMode': 'istio',
      'service.istio.io/canonical-name': 'reviews',
      'service.istio.io/canonical-revision': 'v1',
    });
    expect(metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15090', 'prometheus.io/path': '/stats/prometheus' });
    const status = JSON.parse(metadata.annotations['sidecar.istio.io/status']);
    expect(status.initContainers).toEqual(spec.initContainers.map((c: any) => c.name));
    expect(status.volumes).toEqual(spec.volumes.map((v: any) => v.name));
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['istio-bootstrap', 'istio-token', 'mesh-ca-root-cert']);
    expect(spec.volumes[0]).toEqual({ name: 'istio-bootstrap', configMap: { name: 'reviews-sidecar-bootstrap' } });
  });

  test('GIVEN a service WHEN synthesized THEN the pod projects an istio-ca token and mounts the mesh root from its ConfigMap', () => {
    const { spec } = injectedPod();
    const volume = (name: string) => spec.volumes.find((v: any) => v.name === name);

    expect(volume('istio-token').projected.sources).toEqual([
      { serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } },
    ]);
    expect(volume('mesh-ca-root-cert').configMap).toEqual({ name: 'mesh-ca-root-cert' });
    // The token is projected on its own: neither container gets the Kubernetes API token.
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  test('GIVEN the bootstrap ConfigMap WHEN parsed THEN ADS dials the reconciler TLS port with the mounted token and root, admin stays on localhost', () => {
    const { manifests, spec } = injectedPod({ namespace: 'istio-system' });
    const bootstrap = JSON.parse(manifest(manifests, 'ConfigMap', 'reviews-sidecar-bootstrap').data['envoy.json']);
    const service = bootstrap.dynamic_resources.ads_config.grpc_services[0].google_grpc;
    const mountPathOf = (volume: string) => spec.initContainers[1].volumeMounts.find((m: any) => m.name === volume).mountPath;

    expect(service.target_uri).toBe('mesh-reconciler.istio-system.svc:15012');
    expect(service.channel_args.args['grpc.ssl_target_name_override'].string_value).toBe('mesh-reconciler.istio-system.svc');
    expect(service.channel_credentials.ssl_credentials.root_certs.filename).toBe(`${mountPathOf('mesh-ca-root-cert')}/root-cert.pem`);
    expect(service.call_credentials[0].from_plugin.typed_config.secret_data.filename).toBe(`${mountPathOf('istio-token')}/istio-token`);
    expect(bootstrap.admin.address.socket_address.address).toBe('127.0.0.1');
  });

  test('GIVEN two versions WHEN synthesized THEN they share one bootstrap ConfigMap', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh).addVersion('v2', { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' });
    expect(Testing.synth(chart).filter(m => m.kind === 'ConfigMap' && m.metadata.name === 'reviews-sidecar-bootstrap')).toHaveLength(1);
  });

  test.each([
    ['injectSidecar: false', {}, { injectSidecar: false }, { 'sidecar.istio.io/inject': 'false' }],
    ['ISTIO_WEBHOOK mode', { injectionMode: InjectionMode.ISTIO_WEBHOOK }, {}, {}],
  ])('GIVEN %s WHEN synthesized THEN no sidecar is written and no bootstrap ConfigMap exists', (_case, meshProps, serviceProps, labels) => {
    const { spec, metadata, manifests } = injectedPod(meshProps, serviceProps);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.volumes).toBeUndefined();
    expect(metadata.labels).toEqual({ app: 'reviews', version: 'v1', ...labels });
    expect(manifests.some(m => m.kind === 'ConfigMap' && m.metadata.name === 'reviews-sidecar-bootstrap')).toBe(false);
  });
});

describe('sidecar bootstrap with real Envoy', () => {
  test('GIVEN the bootstrap ConfigMap and the pod override with variables substituted WHEN Envoy validates THEN it accepts them', () => {
    const { spec, manifests } = injectedPod();
    const proxy = spec.initContainers[1];
    const values: Record<string, string> = { POD_NAME: 'reviews-v1-7d9f8', POD_NAMESPACE: 'bookinfo', INSTANCE_IP: '10.1.2.3', SERVICE_ACCOUNT: 'reviews' };
    const args = proxy.args.map((arg: string) => arg.replace(/\$\(([A-Z_]+)\)/g, (_ref, name) => values[name]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-bootstrap-'));
    try {
      // Envoy reads the mounted root certificate at load time, so the mounts are staged in `dir`.
      const mounted = stageProxyMounts(proxy, spec.volumes, dir);
      const bootstrapText = Object.entries(mounted).reduce((text, [mountPath, staged]) => text.split(mountPath).join(staged),
        manifest(manifests, 'ConfigMap', 'reviews-sidecar-bootstrap').data['envoy.json'] as string);
      const bootstrapFile = path.join(dir, 'envoy.json');
      fs.writeFileSync(bootstrapFile, bootstrapText);
      const validateArgs = args.map((arg: string) => arg === '/etc/istio/proxy/envoy.json' ? bootstrapFile : arg);
      const output = execFileSync(findEnvoy(), ['--mode', 'validate', ...validateArgs], { encoding: 'utf8', timeout: 60_000 });
      expect(output).toMatch(/configuration .* OK/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A self-signed root certificate (its key was discarded), standing in for the published mesh root. */
const TEST_ROOT_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBhTCCASugAwIBAgIUbHvcnks3HInDQ8cqs48FXHAcDZgwCgYIKoZIzj0EAwIw',
  'GDEWMBQGA1UECgwNY2x1c3Rlci5sb2NhbDAeFw0yNjExMjUyMzE1MjBaFw0zNjEx',
  'MjIyMzE1MjBaMBgxFjAUBgNVBAoMDWNsdXN0ZXIubG9jYWwwWTATBgcqhkjOPQIB',
  'BggqhkjOPQMBBwNCAASRdZ+u+HSWOd8ErKbCA0WOqi3rof+iTwkzhS8iiJz1+RLm',
  'ZNqyympd/2o81SI+WTybYbwnzNS2rOO1/z7NGrzdo1MwUTAdBgNVHQ4EFgQUNrkM',
  'QtNudnjKm+MzGmnuXx3kGfowHwYDVR0jBBgwFoAUNrkMQtNudnjKm+MzGmnuXx3k',
  'GfowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA7vCeKnCGzXXf',
  'sKgow9kKx7rgn173ukF7mvFIvHSRX9wCIF3J6tvwXZoy19RwV2pyiILnjAcjPAmo',
  '8KaXr1Qxfdm2',
  '-----END CERTIFICATE-----',
].join('\n');

/**
 * Creates a directory per credential mount of the proxy with the files its volume would hold
 * (the token and the root certificate); returns mount path → staged directory.
 */
function stageProxyMounts(proxy: any, volumes: any[], dir: string): Record<string, string> {
  const staged: Record<string, string> = {};
  for (const mount of proxy.volumeMounts) {
    const volume = volumes.find(v => v.name === mount.name);
    const files: string[] = volume.projected
      ? volume.projected.sources.map((source: any) => source.serviceAccountToken.path)
      : volume.name === 'mesh-ca-root-cert' ? ['root-cert.pem'] : [];
    if (files.length === 0) continue;
    const target = path.join(dir, mount.name);
    fs.mkdirSync(target);
    files.forEach(file => fs.writeFileSync(path.join(target, file), file.endsWith('.pem') ? TEST_ROOT_PEM : 'token'));
    staged[mount.mountPath] = target;
  }
  return staged;
}

/** Envoy from ENVOY_BIN, else `envoy` on PATH, else the project cache. */
function findEnvoy(): string {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map(dir => path.join(dir, 'envoy')).find(file => fs.existsSync(file));
  return onPath ?? path.join(__dirname, '..', '..', '.cache', 'envoy', 'envoy', '_bin', 'envoy');
}
