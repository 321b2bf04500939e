/**
 * istiod as the oracle for mTLS and identity: the same PeerAuthentications, DestinationRule TLS
 * modes and identity-based AuthorizationPolicies in one API server; on istiod's side every sidecar
 * gets its certificate from istiod's CA through real pilot-agent, on the reconciler's from the
 * reconciler's CA; the same requests through both (callers with their own identities, and
 * plaintext), outcomes compared per request class, the peer identity the server saw included.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startAgentSidecar } from './agent-sidecar';
import { isDeliberate } from './deliberate-differences';
import type { ClassResult } from './differential-runner';
import { EchoBackends } from './echo-backends';
import { generatedIdentityCases, IDENTITY_SCENARIOS, IdentityCase } from './identity-cases';
import { IDENTITY_PODS, identityObjects, IdentityPod, IdentityRole, SECURE_BACKEND } from './identity-mesh';
import { CLIENT_CERT_HEADER, dumpIdentityConfig, IdentitySidecars, PLAINTEXT_SOURCE, runIdentityCase, SideSidecars, TOKEN_HEADERS } from './identity-runner';
import { JwksServer } from './jwks-server';
import { generatedJwtCases, jwksUriCase, jwtScenarios } from './jwt-cases';
import { podStatus, SERVICE_PORT } from './mesh-under-test';
import { closeRequestAgents } from './request-outcome';
import { SidecarEnvoy } from './sidecar-envoy';
import { TlsUpstreams } from './tls-upstreams';
import { upstreamTlsCases } from './upstream-tls-cases';
import { serviceAccountTokens, startBenchCluster } from '../../../reconciler/bench/vs-istiod/bench-cluster';
import type { ControlPlane } from '../../../reconciler/bench/vs-istiod/control-plane';
import { startIstiod } from '../../../reconciler/bench/vs-istiod/istiod';
import { startKubeReconciler } from '../../../reconciler/bench/vs-istiod/reconciler-kube';
import { JWKS } from '../../../reconciler/test/translate-security/jwt-signer';
import type { Cluster } from '../cluster/cluster';
import { runChecked } from '../cluster/command';

/** Generated identity cases per run (DIFFERENTIAL_IDENTITY_CASES), from the suite's seed (DIFFERENTIAL_SEED). */
const GENERATED_SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261203);
const GENERATED = generatedIdentityCases(GENERATED_SEED, Number(process.env.DIFFERENTIAL_IDENTITY_CASES ?? 24));
/** Generated request authentication cases per run (DIFFERENTIAL_JWT_CASES). */
const GENERATED_JWT = generatedJwtCases(GENERATED_SEED, Number(process.env.DIFFERENTIAL_JWT_CASES ?? 12));
const JWT_SCENARIOS = jwtScenarios();
/** The upstream TLS certificates, made when the servers start; the cases name these paths, so they are fixed here. */
const UPSTREAM_TLS_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'upstream-tls-'));
const UPSTREAM_TLS_FILES = {
  ca: path.join(UPSTREAM_TLS_DIR, 'ca.pem'),
  otherCa: path.join(UPSTREAM_TLS_DIR, 'other-ca.pem'),
  clientCertificate: path.join(UPSTREAM_TLS_DIR, 'client.pem'),
  clientKey: path.join(UPSTREAM_TLS_DIR, 'client.key'),
};
const UPSTREAM_TLS_CASES = upstreamTlsCases(UPSTREAM_TLS_FILES);
/** Where the issuer's key set is served for the jwksUri case (the run's own network namespace). */
const JWKS_PORT = 19195;

let cluster: Cluster;
let backend: EchoBackends;
const planes: ControlPlane[] = [];
const started: SidecarEnvoy[] = [];
let sidecars: IdentitySidecars;
let runDir: string;
const results: ClassResult[] = [];

const ROLES: readonly IdentityRole[] = ['server', 'client', 'outsider'];
const podOf = (side: string, role: IdentityRole) => IDENTITY_PODS.find((pod) => pod.side === side && pod.role === role)!;
/** Admin and agent status ports: one pair per sidecar. */
const adminPortOf = (pod: IdentityPod) => 19200 + IDENTITY_PODS.indexOf(pod) * 2;

beforeAll(async () => {
  cluster = await startBenchCluster();
  runDir = fs.mkdtempSync(path.join(cluster.runDir, 'ident-'));
  await cluster.apply(identityObjects().map((object) => JSON.stringify(object)).join('\n---\n'), 'differential-suite');
  for (const pod of IDENTITY_PODS) {
    await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
    await runChecked('ip', ['addr', 'replace', `${pod.address}/32`, 'dev', 'lo']);
  }
  await runChecked('ip', ['addr', 'replace', `${PLAINTEXT_SOURCE}/32`, 'dev', 'lo']);
  backend = await EchoBackends.start([{ ...podOf('istiod', 'server'), version: 'app', address: SECURE_BACKEND.host }], SECURE_BACKEND.port, [CLIENT_CERT_HEADER, ...TOKEN_HEADERS]);
  const istiod = await startIstiod({ tuned: true, kubeconfigFile: cluster.kubeconfigFile, runDir });
  planes.push(istiod);
  const reconciler = await startKubeReconciler({ kubeconfigFile: cluster.kubeconfigFile, runDir });
  planes.push(reconciler);
  const tokens = await serviceAccountTokens(cluster, IDENTITY_PODS.filter((pod) => pod.side === 'reconciler').map((pod) => ({ ...pod, service: 0 })));
  const startSide = async (plane: ControlPlane, side: 'istiod' | 'reconciler'): Promise<SideSidecars> => {
    const bySide: Partial<Record<IdentityRole, SidecarEnvoy>> = {};
    for (const role of ROLES) {
      const pod = podOf(side, role);
      // Every listener binds the pod's own address (the server's inbound, the callers' outbound per their Sidecar).
      const ports = { adminPort: adminPortOf(pod), statusPort: adminPortOf(pod) + 1, servicePort: SERVICE_PORT, bindAddress: pod.address };
      const sidecar = side === 'istiod'
        ? await startAgentSidecar(plane, cluster, pod, runDir, ports)
        : await SidecarEnvoy.start(plane, pod, tokens.get(pod.name)!, runDir, ports.adminPort, SERVICE_PORT, pod.address);
      started.push(sidecar);
      bySide[role] = sidecar;
    }
    return bySide as SideSidecars;
  };
  sidecars = { istiod: await startSide(istiod, 'istiod'), reconciler: await startSide(reconciler, 'reconciler') };
}, 300_000);

afterAll(async () => {
  closeRequestAgents();
  if (runDir) {
    fs.writeFileSync(path.join(runDir, 'identity-report.json'), JSON.stringify(results, null, 2));
    const agreed = (prefix: string) => {
      const generated = results.filter((result) => result.caseId.startsWith(prefix));
      return `${generated.filter((result) => result.agree).length}/${generated.length}`;
    };
    console.log(`differential identity: ${IDENTITY_SCENARIOS.length} hand-written and ${GENERATED.length} generated identity cases, `
      + `${JWT_SCENARIOS.length} hand-written and ${GENERATED_JWT.length} generated request authentication cases (seed ${GENERATED_SEED}); `
      + `generated request classes agreeing: identity ${agreed('generated-identity-')}, request authentication ${agreed('generated-jwt-')}; report in ${runDir}/identity-report.json`);
  }
  for (const sidecar of started) await sidecar.stop();
  await backend?.stop();
  for (const plane of planes) await plane.stop();
  await cluster?.stop();
}, 120_000);

async function expectAgreement(testCase: IdentityCase): Promise<ClassResult[]> {
  const caseResults = await runIdentityCase(cluster, sidecars, testCase);
  results.push(...caseResults);
  const unexpected = caseResults.filter((result) => !result.agree && !isDeliberate(result.caseId, result.className));
  if (unexpected.length > 0) {
    fs.writeFileSync(path.join(runDir, `identity-disagreement-${testCase.id}.json`), JSON.stringify({ testCase, unexpected }, null, 2));
    await dumpIdentityConfig(sidecars, testCase.id, runDir);
  }
  expect(unexpected).toEqual([]);
  return caseResults;
}

const outcomeOf = (caseResults: readonly ClassResult[], className: string) => {
  const result = caseResults.find((entry) => entry.className === className)!;
  return Object.keys(result.istiod).map((key) => JSON.parse(key) as { status: number; answeredBy: string; caseHeaders: string });
};

describe('identity: the same PeerAuthentication, DestinationRule TLS and AuthorizationPolicies through istiod (with pilot-agent) and the reconciler', () => {
  test('GIVEN no PeerAuthentication WHEN the client calls THEN both servers see its SPIFFE identity over mTLS, and plaintext is let in without one', async () => {
    const caseResults = await expectAgreement(IDENTITY_SCENARIOS.find((entry) => entry.id === 'mtls-default')!);
    // Not vacuous: istiod's own outcome carries the caller's certificate, the plaintext request none.
    const [client] = outcomeOf(caseResults, 'client GET /');
    expect(client.status).toBe(200);
    expect(client.caseHeaders).toContain('URI=spiffe://cluster.local/ns/ident/sa/client');
    const [plaintext] = outcomeOf(caseResults, 'plaintext GET /');
    expect(plaintext).toEqual({ status: 200, answeredBy: 'secure/app', caseHeaders: 'peer none' });
  });

  test('GIVEN namespace STRICT WHEN plaintext is sent THEN both refuse the connection', async () => {
    const caseResults = await expectAgreement(IDENTITY_SCENARIOS.find((entry) => entry.id === 'mtls-namespace-strict')!);
    expect(outcomeOf(caseResults, 'plaintext GET /')[0].answeredBy).toBe('connection failed');
  });

  test.each(IDENTITY_SCENARIOS.filter((entry) => !['mtls-default', 'mtls-namespace-strict'].includes(entry.id)).map((entry) => [entry.id, entry] as const))(
    'GIVEN case %s WHEN every caller sends its requests THEN both control planes answer alike', async (_id, testCase) => {
      await expectAgreement(testCase);
    });

  test('GIVEN a RequestAuthentication alone WHEN tokens are checked THEN both pass a valid one or none and refuse an invalid one with 401', async () => {
    const caseResults = await expectAgreement(JWT_SCENARIOS.find((entry) => entry.id === 'jwt-optional')!);
    expect(outcomeOf(caseResults, 'client GET / with alice\'s token (bearer)')[0].status).toBe(200);
    expect(outcomeOf(caseResults, 'client GET / with tampered\'s token (bearer)')[0].status).toBe(401);
    expect(outcomeOf(caseResults, 'client GET / without a token')[0].status).toBe(200);
  });

  test.each(JWT_SCENARIOS.filter((entry) => entry.id !== 'jwt-optional').map((entry) => [entry.id, entry] as const))(
    'GIVEN request authentication case %s WHEN requests carry no, valid and invalid tokens THEN both control planes answer alike', async (_id, testCase) => {
      await expectAgreement(testCase);
    });

  test('GIVEN keys from a jwksUri WHEN tokens are checked THEN both control planes answer alike, and the key set was fetched', async () => {
    const jwks = await JwksServer.start(JWKS, JWKS_PORT);
    try {
      const caseResults = await expectAgreement(jwksUriCase(jwks.uri));
      expect(outcomeOf(caseResults, 'client GET / with alice\'s token (bearer)')[0].status).toBe(200);
      expect(outcomeOf(caseResults, 'client GET / without a token')[0].status).toBe(403);
      expect(outcomeOf(caseResults, 'client GET / with tampered\'s token (bearer)')[0].status).toBe(401);
      expect(jwks.fetches).toBeGreaterThanOrEqual(2);
    } finally {
      await jwks.stop();
    }
  });

  test.each([
    ['identity', GENERATED, [200, 403]],
    ['request authentication', GENERATED_JWT, [200, 401, 403]],
  ] as const)(`GIVEN generated %s cases (seed ${GENERATED_SEED}) WHEN the callers send THEN every request class agrees`, async (kind, cases, expectedStatuses) => {
    const disagreeing: ClassResult[] = [];
    const caseResults: ClassResult[] = [];
    for (const testCase of cases) {
      const classes = await runIdentityCase(cluster, sidecars, testCase);
      caseResults.push(...classes);
      disagreeing.push(...classes.filter((result) => !result.agree));
    }
    results.push(...caseResults);
    if (disagreeing.length > 0) {
      fs.writeFileSync(path.join(runDir, `generated-disagreements-${kind.replace(/ /g, '-')}.json`), JSON.stringify({
        seed: GENERATED_SEED, disagreeing, cases: cases.filter((testCase) => disagreeing.some((result) => result.caseId === testCase.id)),
      }, null, 2));
    }
    expect(disagreeing).toEqual([]);
    // The generated policies do tell requests apart: allowed, denied and (with tokens) unauthenticated.
    const statusesOf = (result: ClassResult) => Object.keys(result.istiod).map((key) => (JSON.parse(key) as { status: number }).status);
    const statuses = new Set(caseResults.flatMap(statusesOf));
    expect([...statuses]).toEqual(expect.arrayContaining([...expectedStatuses]));
  }, 900_000);
});

describe('DestinationRule TLS to servers outside the mesh', () => {
  let upstreams: TlsUpstreams | undefined;

  beforeAll(async () => {
    upstreams = await TlsUpstreams.start(UPSTREAM_TLS_DIR);
    expect(upstreams.files).toEqual(UPSTREAM_TLS_FILES);
  });

  afterAll(async () => {
    await upstreams?.stop();
    fs.rmSync(UPSTREAM_TLS_DIR, { recursive: true, force: true });
  });

  const expected: Record<string, string> = {
    'dr-tls-simple': 'tls-upstream-simple/anonymous',
    'dr-tls-simple-sni-and-san': 'tls-upstream-simple/anonymous',
    'dr-tls-simple-insecure': 'tls-upstream-simple/anonymous',
    'dr-tls-mutual': 'tls-upstream-mutual/mesh-client',
  };

  test.each(UPSTREAM_TLS_CASES.map((testCase) => [testCase.id, testCase] as const))(
    'GIVEN case %s WHEN the client calls the server through its sidecar THEN both control planes answer alike', async (id, testCase) => {
      const caseResults = await expectAgreement(testCase);
      // Accepted handshakes reach the server (with the client certificate where MUTUAL); refused ones end in 503.
      const [outcome] = outcomeOf(caseResults, 'client GET /');
      if (expected[id]) expect({ status: outcome.status, answeredBy: outcome.answeredBy }).toEqual({ status: 200, answeredBy: expected[id] });
      else expect(outcome.status).toBe(503);
    });
});
