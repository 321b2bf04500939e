/**
 * The node agent against the real API server and controllers: pods run as the kubelet runs them
 * (order, native sidecars, env and command expansion, users, volumes, probes, restarts, Jobs,
 * graceful deletion), Services reach ready pods by ClusterIP and by name, and a stopped cluster
 * leaves nothing behind.
 */
import * as fs from 'fs';
import { Cluster, isPodReady, PodRef, startCluster } from './cluster/cluster';
import { runChecked, runCommand } from './cluster/command';
import { TEST_NETWORK } from './cluster/test-network';
import type { Pod, Service } from './node-agent/pod-types';
import {
  AGENT_NAMESPACE, CRASHING_POD, JOB_WITH_SIDECAR, LATE_CONFIG_MAP, LATE_CONFIG_POD, SEMANTICS_POD, SERVICES, STUBBORN_POD,
} from './support/node-agent-fixtures';
import { isProcessAlive } from '../../reconciler/test/support/terminate';

let cluster: Cluster;
const pod = (name: string): PodRef => ({ namespace: AGENT_NAMESPACE, name });

beforeAll(async () => {
  cluster = await startCluster({ name: 'node-agent' });
  await cluster.apply(SEMANTICS_POD);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

async function getPod(name: string): Promise<Pod> {
  return cluster.api.get<Pod>(`/api/v1/namespaces/${AGENT_NAMESPACE}/pods/${name}`);
}

async function readInPod(ref: PodRef, file: string, user?: number): Promise<string> {
  const result = await cluster.exec(ref, ['cat', file], { user });
  if (result.code !== 0) throw new Error(`cat ${file} in ${ref.name} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}


describe('a pod run by the node agent', () => {
  let semantics: Pod;

  beforeAll(async () => {
    [semantics] = await cluster.waitForPods(AGENT_NAMESPACE, 'app=semantics');
  }, 120_000);

  test('GIVEN init containers and a native sidecar WHEN the pod starts THEN they run in order, the next one only after the sidecar started', async () => {
    expect(await readInPod(pod('semantics'), '/work/order')).toBe('first\nafter-sidecar\napp\n');
    const statuses = semantics.status!.initContainerStatuses as { name: string; state: Record<string, { exitCode?: number }> }[];
    expect(statuses.map((status) => [status.name, Object.keys(status.state)[0]])).toEqual([['first', 'terminated'], ['sidecar', 'running'], ['after-sidecar', 'terminated']]);
  });

  test('GIVEN $(VAR) references and $$ WHEN the command line is expanded THEN defined variables are replaced, escaped and unknown ones kept', async () => {
    expect((await readInPod(pod('semantics'), '/work/args')).split('\n')).toEqual(['semantics-hello', '$(POD_NAME)', '$(UNDEFINED)', '']);
  });

  test('GIVEN downward API, ConfigMap and Secret env WHEN the app starts THEN its environment holds the pod\'s values', async () => {
    const env = Object.fromEntries((await readInPod(pod('semantics'), '/work/env')).trim().split('\n').map((line) => {
      const equals = line.indexOf('=');
      return [line.slice(0, equals), line.slice(equals + 1)];
    }));
    const kubernetes = await cluster.api.get<Service>('/api/v1/namespaces/default/services/kubernetes');
    expect(env).toMatchObject({
      POD_NAME: 'semantics',
      POD_NAMESPACE: AGENT_NAMESPACE,
      POD_UID: semantics.metadata.uid,
      POD_IP: semantics.status!.podIP,
      HOST_IP: TEST_NETWORK.nodeAddress,
      NODE: semantics.spec.nodeName,
      ACCOUNT: 'worker',
      GREETING: 'hello',
      PASSWORD: 's3cret',
      COMPOSED: 'hello-semantics',
      KUBERNETES_SERVICE_HOST: kubernetes.spec.clusterIP,
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(await readInPod(pod('semantics'), '/work/pwd')).toBe('/var/run/secrets/agent-test\n');
  });

  test('GIVEN runAsNonRoot without a user, and an init container with runAsUser WHEN they run THEN the app runs as the image\'s user and the init container as its own', async () => {
    expect((await cluster.exec(pod('semantics'), ['id', '-u'])).stdout.trim()).toBe('1000');
    expect(await readInPod(pod('semantics'), '/work/first-uid')).toBe('2000\n');
  });

  test('GIVEN ConfigMap, Secret and projected volumes WHEN mounted where the node has no directories THEN they hold the keys, items and modes, read-only, and the node\'s filesystem is untouched', async () => {
    const ref = pod('semantics');
    // The item's mode 0600 leaves the root-owned file to root: the app's user may not read it.
    expect(await readInPod(ref, '/etc/agent-test/settings/nested/greeting.txt', 0)).toBe('hello');
    expect((await cluster.exec(ref, ['stat', '-L', '-c', '%a', '/etc/agent-test/settings/nested/greeting.txt'])).stdout.trim()).toBe('600');
    expect((await cluster.exec(ref, ['cat', '/etc/agent-test/settings/nested/greeting.txt'])).stderr).toContain('Permission denied');
    expect((await cluster.exec(ref, ['ls', '/etc/agent-test/settings'])).stdout.trim()).toBe('nested');
    expect(await readInPod(ref, '/var/run/agent-test/credentials/password')).toBe('s3cret');
    expect(await readInPod(ref, '/var/run/secrets/agent-test/labels')).toBe('app="semantics"\ntier="test"');
    const asRoot = await cluster.exec(ref, ['touch', '/etc/agent-test/settings/new'], { user: 0 });
    expect(asRoot.stderr).toContain('Read-only file system');
    expect(fs.existsSync('/etc/agent-test') || fs.existsSync('/var/run/agent-test') || fs.existsSync('/var/run/secrets/agent-test')).toBe(false);
  });

  test('GIVEN a projected serviceAccountToken WHEN read in the pod THEN it is a TokenRequest token for the audience and lifetime asked, bound to the pod', async () => {
    const token = await readInPod(pod('semantics'), '/var/run/secrets/agent-test/token');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect({ aud: claims.aud, sub: claims.sub, lifetime: claims.exp - claims.iat, pod: claims['kubernetes.io'].pod }).toEqual({
      aud: ['istio-ca'],
      sub: `system:serviceaccount:${AGENT_NAMESPACE}:worker`,
      lifetime: 600,
      pod: { name: 'semantics', uid: semantics.metadata.uid },
    });
  });

  test('GIVEN the pod WHEN /etc/hosts is read THEN it names the pod and the Services like cluster DNS would', async () => {
    const hosts = await readInPod(pod('semantics'), '/etc/hosts');
    expect(hosts).toContain(`${semantics.status!.podIP}\tsemantics`);
    const kubernetes = await cluster.api.get<Service>('/api/v1/namespaces/default/services/kubernetes');
    expect(hosts).toContain(`${kubernetes.spec.clusterIP}\tkubernetes.default.svc.cluster.local kubernetes.default.svc kubernetes.default\n`);
  });
});

describe('pod lifecycle', () => {
  test('GIVEN a pod whose ConfigMap does not exist yet WHEN it is created later THEN the pod waits with the reason, then starts', async () => {
    await cluster.apply(LATE_CONFIG_POD);
    const waiting = await cluster.waitFor('the late pod to report its missing ConfigMap', async () => {
      const late = await getPod('late');
      return String(late.status?.message ?? '').includes('configmap "late-settings" not found') ? late : undefined;
    });
    expect(waiting.status!.phase).toBe('Pending');
    await cluster.apply(LATE_CONFIG_MAP);
    await cluster.waitFor('the late pod to be Ready', async () => isPodReady(await getPod('late')));
    expect(await readInPod(pod('late'), '/etc/agent-test/late/mode')).toBe('ready');
  }, 120_000);

  test('GIVEN a container that keeps exiting 3 WHEN restartPolicy is Always THEN it is restarted and then held in CrashLoopBackOff', async () => {
    await cluster.apply(CRASHING_POD);
    const status = await cluster.waitFor('a restart and the back-off', async () => {
      const [container] = ((await getPod('crashing')).status?.containerStatuses ?? []) as Record<string, any>[];
      return container?.restartCount >= 1 && container.state.waiting?.reason === 'CrashLoopBackOff' ? container : undefined;
    });
    expect(status.lastState.terminated.exitCode).toBe(3);
  }, 120_000);

  test('GIVEN a Job whose pod has a native sidecar WHEN the app exits 0 THEN the sidecar is stopped and the Job completes', async () => {
    await cluster.apply(JOB_WITH_SIDECAR);
    await cluster.waitFor('the Job to succeed', async () => {
      const job = await cluster.api.get<{ status?: { succeeded?: number } }>(`/apis/batch/v1/namespaces/${AGENT_NAMESPACE}/jobs/finishes`);
      return job.status?.succeeded === 1;
    }, 120_000);
    const [jobPod] = await cluster.pods(AGENT_NAMESPACE, 'job-name=finishes');
    expect(jobPod.status!.phase).toBe('Succeeded');
    const sidecar = (jobPod.status!.initContainerStatuses as Record<string, any>[]).find((status) => status.name === 'sidecar');
    expect(Object.keys(sidecar!.state)).toEqual(['terminated']);
  }, 180_000);

  test('GIVEN a running pod WHEN it is deleted THEN its processes are stopped, its veth removed and the pod is gone from the API', async () => {
    const pids = cluster.podProcessIds(pod('semantics'));
    // The sandbox, the sidecar and the app.
    expect(pids).toHaveLength(3);
    const device = cluster.podNetworkDevice(pod('semantics'));
    expect(await runChecked('ip', ['-o', 'link'])).toContain(` ${device}@`);
    await cluster.kubectl(['delete', 'pod', 'semantics', '-n', AGENT_NAMESPACE, '--wait=true', '--timeout=60s']);
    expect(await cluster.api.find(`/api/v1/namespaces/${AGENT_NAMESPACE}/pods/semantics`)).toBeUndefined();
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(await runChecked('ip', ['-o', 'link'])).not.toContain(` ${device}@`);
  }, 120_000);

  test('GIVEN a container that ignores SIGTERM WHEN its pod is deleted THEN it is killed once the grace period is over', async () => {
    await cluster.apply(STUBBORN_POD);
    await cluster.waitFor('the stubborn pod to run', async () => isPodReady(await getPod('stubborn')));
    const pids = cluster.podProcessIds(pod('stubborn'));
    const started = Date.now();
    await cluster.kubectl(['delete', 'pod', 'stubborn', '-n', AGENT_NAMESPACE, '--wait=true', '--timeout=60s']);
    // A lower bound only: the agent must have waited out the grace period before SIGKILL.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(pids.filter(isProcessAlive)).toEqual([]);
  }, 120_000);
});

describe('services', () => {
  let caller: PodRef;
  let helloPods: Pod[];
  let service: Service;

  beforeAll(async () => {
    await cluster.apply(SERVICES);
    helloPods = await cluster.waitForPods(AGENT_NAMESPACE, 'app=hello', { count: 2 });
    await cluster.waitFor('the caller pod', async () => isPodReady(await getPod('caller')));
    caller = pod('caller');
    service = await cluster.api.get<Service>(`/api/v1/namespaces/${AGENT_NAMESPACE}/services/hello`);
    await cluster.waitFor('both hello endpoints ready in the EndpointSlice', async () => {
      const slices = await cluster.api.list<{ endpoints?: { conditions?: { ready?: boolean } }[] }>(
        `/apis/discovery.k8s.io/v1/namespaces/${AGENT_NAMESPACE}/endpointslices`, { labelSelector: 'kubernetes.io/service-name=hello' });
      return slices.items.flatMap((slice) => slice.endpoints ?? []).filter((endpoint) => endpoint.conditions?.ready).length === 2;
    });
    await cluster.flushServiceRules();
  }, 180_000);

  test('GIVEN a Service with two ready pods WHEN the test process calls its ClusterIP 40 times THEN both pods answer', async () => {
    const answered = new Set<string>();
    for (let call = 0; call < 40; call++) {
      const result = await runChecked('curl', ['-s', '--max-time', '5', `http://${service.spec.clusterIP}/`]);
      answered.add((JSON.parse(result) as { pod: string }).pod);
    }
    // Each call picks a pod with probability 1/2: missing one in 40 calls has probability 2^-39.
    expect([...answered].sort()).toEqual(helloPods.map((hello) => hello.metadata.name).sort());
  }, 120_000);

  test('GIVEN a pod in the namespace WHEN it calls the Service by its DNS names THEN /etc/hosts resolves each to the ClusterIP', async () => {
    for (const host of [`hello.${AGENT_NAMESPACE}.svc.cluster.local`, `hello.${AGENT_NAMESPACE}.svc`, `hello.${AGENT_NAMESPACE}`, 'hello']) {
      const result = await cluster.exec(caller, ['curl', '-s', '--max-time', '5', `http://${host}/`]);
      expect({ host, service: (JSON.parse(result.stdout || '{}') as { service?: string }).service }).toEqual({ host, service: 'hello' });
    }
  }, 60_000);

  test('GIVEN a Service without endpoints WHEN called THEN the connection is refused at once rather than left to time out', async () => {
    const nobody = await cluster.api.get<Service>(`/api/v1/namespaces/${AGENT_NAMESPACE}/services/nobody`);
    const result = await runCommand('curl', ['-s', '--max-time', '20', `http://${nobody.spec.clusterIP}/`]);
    // curl: 7 is "failed to connect", 28 would be the timeout.
    expect(result.code).toBe(7);
  });
});

describe('stopping the cluster', () => {
  test('GIVEN pods running WHEN the cluster stops THEN no process, sandbox, veth, mount or service rule is left', async () => {
    const pids = cluster.processIds();
    expect(pids.length).toBeGreaterThan(3);
    const runDir = cluster.runDir;
    await cluster.stop();

    expect(pids.filter(isProcessAlive)).toEqual([]);
    const strays = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
      try {
        const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return commandLine.includes(runDir) || commandLine.includes('sleep infinity');
      } catch {
        return false;
      }
    });
    expect(strays).toEqual([]);
    expect((await runChecked('ip', ['-o', 'link'])).trim().split('\n').map((line) => line.split(':')[1].trim())).toEqual(['lo']);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(runDir) || line.includes(' overlay '))).toEqual([]);
    const rules = (await runChecked('iptables-save', ['-t', 'nat'])) + (await runChecked('iptables-save', ['-t', 'filter']));
    expect(rules.split('\n').filter((line) => line.includes('TEST-'))).toEqual([]);
  }, 120_000);
});
