/**
 * The CLI's flag parsing and mesh config loading. The mesh config test reads exactly what the Mesh
 * construct renders into its `mesh-config` ConfigMap, so the two cannot drift apart.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderMeshConfig } from '../../src/private/control-plane';
import { asksForHelp, loadMeshSettings, parseCliArgs, servingCertificateNames, USAGE } from '../src/cli';
import { DEFAULT_MESH_SETTINGS } from '../src/push/mesh-settings';

describe('reconciler CLI', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cli-unit-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const meshConfigFile = (text: string) => {
    const file = path.join(dir, `mesh-${Math.abs(hash(text))}.yaml`);
    fs.writeFileSync(file, text);
    return file;
  };

  test('GIVEN the mesh-config the Mesh construct renders WHEN the CLI loads it THEN every key becomes the matching setting', () => {
    const rendered = renderMeshConfig({
      namespace: 'mesh-system', trustDomain: 'example.org', clusterDomain: 'corp.local', defaultMtlsMode: 'STRICT',
      outboundTrafficPolicy: 'REGISTRY_ONLY', injectionMode: 'ISTIO_WEBHOOK', image: 'unused', replicas: 1, resources: {},
      admissionFailurePolicy: 'Ignore', meshNamespaces: () => ['mesh-system'],
      accessLog: { accessLogFile: '/dev/stdout', accessLogEncoding: 'JSON', accessLogFormat: '{"code":"%RESPONSE_CODE%"}' },
    });

    expect(loadMeshSettings({ meshConfig: meshConfigFile(rendered) })).toEqual({
      trustDomain: 'example.org', clusterDomain: 'corp.local', rootNamespace: 'mesh-system', defaultMtlsMode: 'STRICT',
      outboundTrafficPolicy: 'REGISTRY_ONLY', injectionMode: 'ISTIO_WEBHOOK',
      accessLogFile: '/dev/stdout', accessLogEncoding: 'JSON', accessLogFormat: '{"code":"%RESPONSE_CODE%"}',
    });
  });

  test.each([
    ['an unknown key', 'meshMode: fast\n', 'has unknown settings meshMode'],
    ['a bad mTLS mode', 'defaultMtlsMode: strict\n', 'defaultMtlsMode is "strict"; it must be one of STRICT, PERMISSIVE, DISABLE'],
    ['a non-string trust domain', 'trustDomain: 42\n', 'trustDomain is 42; it must be a non-empty string'],
    ['a list', '- trustDomain\n', 'must hold a map of mesh settings'],
    ['a relative access log file', 'accessLogFile: proxy.log\n', 'accessLogFile is "proxy.log"; it must be an absolute path such as /dev/stdout'],
    ['an unknown encoding', 'accessLogEncoding: YAML\n', 'accessLogEncoding is "YAML"; it must be one of TEXT, JSON'],
    ['a format Envoy refuses', 'accessLogFormat: "%STATUS%"\n', 'accessLogFormat "%STATUS%" (encoding TEXT) would be refused by Envoy: %STATUS% at position 0: STATUS is not an access log operator Envoy 1.40 knows'],
    ['a JSON format that is not an object', 'accessLogEncoding: JSON\naccessLogFormat: "[1]"\n', 'with JSON encoding the format must be a JSON object'],
  ])('GIVEN a mesh config with %s WHEN loaded THEN it is refused naming the file and the fix', (_, text, message) => {
    const file = meshConfigFile(text);
    expect(() => loadMeshSettings({ meshConfig: file })).toThrow(`--mesh-config ${file}`);
    expect(() => loadMeshSettings({ meshConfig: file })).toThrow(message);
  });

  test('GIVEN --trust-domain and a mesh config WHEN loaded THEN the flag wins and other keys keep their defaults', () => {
    const settings = loadMeshSettings({ meshConfig: meshConfigFile('trustDomain: from-file.org\n'), trustDomain: 'from-flag.org' });
    expect(settings).toEqual({ ...DEFAULT_MESH_SETTINGS, trustDomain: 'from-flag.org' });
  });

  test('GIVEN only --dir WHEN parsed THEN xDS TLS, CA directory and certificate defaults apply', () => {
    const options = parseCliArgs(['--dir', '/config', '--data-dir', '/state'], {});
    expect(options).toMatchObject({
      xdsPort: 15010, xdsTlsPort: 15012, opsPort: 15014, caDir: '/state/ca', certLifetimeMs: 24 * 3600_000, rotationCheckMs: 60_000,
      tokenAudience: 'istio-ca', trustRemoteProxies: false, istioBodySizeMetrics: false,
    });
    expect(servingCertificateNames(options, DEFAULT_MESH_SETTINGS, {})).toEqual({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  });

  test('GIVEN no --ops-host WHEN parsed THEN the ops port (and the observatory on it) binds to loopback in directory mode, to --host in Kubernetes mode', () => {
    expect(parseCliArgs(['--dir', '/config', '--data-dir', '/state'], {})).toMatchObject({ opsHost: '127.0.0.1', host: '0.0.0.0' });
    expect(parseCliArgs(['--dir', '/config', '--data-dir', '/state', '--ops-host', '0.0.0.0'], {}).opsHost).toBe('0.0.0.0');
    expect(parseCliArgs(['--source=kubernetes'], { POD_NAMESPACE: 'mesh-system' }).opsHost).toBe('0.0.0.0');
  });

  test('GIVEN --health-thresholds WHEN parsed THEN the given class changes and a malformed value is refused naming the flag', () => {
    expect(parseCliArgs(['--dir', '/config', '--data-dir', '/state', '--health-thresholds', '5xx=1:5'], {}).healthThresholds)
      .toEqual({ serverErrors: { degraded: 1, failure: 5 }, clientErrors: { degraded: 10, failure: 20 } });
    expect(() => parseCliArgs(['--dir', '/config', '--data-dir', '/state', '--health-thresholds', '5xx=high'], {})).toThrow("--health-thresholds: '5xx=high'");
  });

  test('GIVEN --istio-body-size-metrics WHEN parsed THEN the body size histograms are asked for', () => {
    expect(parseCliArgs(['--dir', '/config', '--data-dir', '/state', '--istio-body-size-metrics'], {}).istioBodySizeMetrics).toBe(true);
  });

  test('GIVEN Kubernetes mode WHEN serving names are derived THEN they are the reconciler Service names and the pod IP', () => {
    const env = { POD_NAMESPACE: 'mesh-system', POD_IP: '10.1.2.3' };
    const options = parseCliArgs(['--source=kubernetes'], env);
    expect(servingCertificateNames(options, { ...DEFAULT_MESH_SETTINGS, clusterDomain: 'corp.local' }, env)).toEqual({
      dnsNames: ['mesh-reconciler.mesh-system.svc', 'mesh-reconciler.mesh-system.svc.corp.local'], ipAddresses: ['10.1.2.3'],
    });
  });

  test('GIVEN Kubernetes mode WHEN parsed without election flags THEN the rollout Lease uses client-go\'s timing; the flags scale it', () => {
    const env = { POD_NAMESPACE: 'mesh-system' };
    expect(parseCliArgs(['--source=kubernetes'], env).leaseTiming).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(parseCliArgs(['--source=kubernetes', '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'], env).leaseTiming)
      .toEqual({ leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 });
  });

  test.each([
    [['--leader-elect-lease-duration=5s'], '--leader-elect-lease-duration (5000 ms) must be longer than --leader-elect-renew-deadline (10000 ms), e.g. 15s and 10s'],
    [['--leader-elect-retry-period=9s'], '--leader-elect-renew-deadline (10000 ms) must be longer than 1.2 × --leader-elect-retry-period (9000 ms), e.g. 10s and 2s'],
    [['--leader-elect-lease-duration=soon'], "--leader-elect-lease-duration is 'soon'; it must be a positive duration such as 500ms, 30s, 90m or 24h"],
  ])('GIVEN election flags %j WHEN parsed THEN they are refused naming the flags', (flags, message) => {
    expect(() => parseCliArgs(['--source=kubernetes', ...flags], { POD_NAMESPACE: 'mesh-system' })).toThrow(message);
  });

  test('GIVEN directory mode with --ca-dir and no --data-dir WHEN parsed THEN the CA directory is the flag\'s', () => {
    expect(parseCliArgs(['--dir', '/config', '--ca-dir', '/secrets/ca'], {}).caDir).toBe('/secrets/ca');
  });

  test('GIVEN Kubernetes mode WHEN parsed without --data-dir THEN no CA directory is used (the CA lives in a Secret)', () => {
    expect(parseCliArgs(['--source=kubernetes'], { POD_NAMESPACE: 'mesh-system' }).caDir).toBeUndefined();
  });

  test.each([
    [['--help'], true],
    [['-h'], true],
    [['--dir', '/config', '--help'], true],
    [['--bogus', '-h'], true],
    [['--dir', '/config', '--', '--help'], false],
    [['--dir', '/config'], false],
    [[], false],
  ])('GIVEN %j WHEN checked for a help request THEN it is %s', (args, expected) => {
    expect(asksForHelp(args)).toBe(expected);
  });

  test.each([
    [['--source=kubernetes'], {}, 'needs --namespace or $POD_NAMESPACE'],
    [['--dir', '/x'], {}, '--source=directory needs --data-dir <path>: the mesh root CA and its private key are kept in <path>/ca'],
    [['--dir', '/x', '--data-dir', '/y', '--nope'], {}, "unknown flag '--nope'; see --help for the flags"],
    [['--dir', '/x', '--data-dir', '/y', 'stray'], {}, "unexpected argument 'stray'; every value belongs to a flag"],
    [['--dir'], {}, "--dir <value>' argument missing; see --help for the flags"],
    [['--dir', '/x', '--data-dir', '/y', '--cert-lifetime', '1d'], {}, "--cert-lifetime is '1d'; it must be a positive duration"],
    [['--dir', '/x', '--data-dir', '/y', '--rotation-check', '0s'], {}, "--rotation-check is '0s'"],
    [['--dir', '/x', '--data-dir', '/y', '--xds-tls-port', '70000'], {}, "--xds-tls-port is '70000'"],
  ])('GIVEN flags %j WHEN parsed THEN they are refused naming the flag', (args, env, message) => {
    expect(() => parseCliArgs(args, env)).toThrow(message);
  });
});

describe('reconciler CLI usage', () => {
  /** Variables read by libraries rather than by the reconciler's own code. */
  const READ_BY_LIBRARIES = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'];

  test('GIVEN the reconciler sources WHEN every environment variable they read is collected THEN the usage documents each one', () => {
    const read = new Set(READ_BY_LIBRARIES);
    for (const file of sourceFiles(path.join(__dirname, '../src'))) {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) read.add(match[1]);
    }
    expect([...read].filter((name) => !USAGE.includes(name))).toEqual([]);
    expect([...read]).toEqual(expect.arrayContaining(['POD_NAMESPACE', 'POD_IP', 'LOG_LEVEL', 'KUBECONFIG']));
  });

  test('GIVEN the usage WHEN read THEN it says where directory mode keeps the CA private key', () => {
    expect(USAGE).toContain('--data-dir <path>');
    expect(USAGE).toContain('the mesh root CA\n                              and its private key in <data-dir>/ca');
  });
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith('.ts') ? [file] : [];
  });
}

function hash(text: string): number {
  return [...text].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) | 0, 7);
}
