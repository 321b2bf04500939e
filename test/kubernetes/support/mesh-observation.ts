/**
 * What a scenario looks at once the mesh runs: calls made by a pod's app (so they go through its
 * sidecar), what that pod's Envoy holds (admin port, reached from inside the pod: it listens on
 * localhost only), and the reconciler's monitoring port (metrics and /debug views).
 */
import * as http from 'http';
import { RECONCILER_PORTS, SIDECAR_PORTS } from '../../../src/model';
import type { Cluster, PodRef } from '../cluster/cluster';
import type { Pod } from '../node-agent/pod-types';

export const podRef = (pod: Pod): PodRef => ({ namespace: pod.metadata.namespace!, name: pod.metadata.name });

/** One answer of the workload server's /call: its status and the answering workload's identity body. */
export interface CallAnswer {
  readonly status?: number;
  readonly body?: { readonly pod?: string; readonly service?: string; readonly version?: string; readonly caller?: string } | string;
  readonly error?: string;
}

/** `count` calls to `url` made by the app of `from`, one after the other; `headers` as `name: value`. */
export async function callFrom(cluster: Cluster, from: Pod, url: string, count: number, headers: readonly string[] = []): Promise<CallAnswer[]> {
  const query = [`url=${encodeURIComponent(url)}`, `n=${count}`, ...headers.map((header) => `header=${encodeURIComponent(header)}`)].join('&');
  const result = await cluster.exec(podRef(from), ['curl', '-s', '--max-time', '60', `http://127.0.0.1:9080/call?${query}`], { timeoutMs: 70_000 });
  if (result.code !== 0) throw new Error(`curl in ${from.metadata.name} exited ${result.code}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { calls: CallAnswer[] }).calls;
}

/** The pod names that answered, in order (`<status>` for an answer without one, e.g. an Envoy error page). */
export function answeringPods(answers: readonly CallAnswer[]): string[] {
  return answers.map((answer) => (typeof answer.body === 'object' && answer.body.pod) || `<${answer.status ?? answer.error}>`);
}

/** GETs a path of the pod's Envoy admin API from inside the pod. */
export async function envoyAdmin(cluster: Cluster, pod: Pod, path: string): Promise<string> {
  const result = await cluster.exec(podRef(pod), ['curl', '-s', '--max-time', '10', `http://127.0.0.1:${SIDECAR_PORTS.admin}${path}`], { container: 'istio-proxy' });
  if (result.code !== 0) throw new Error(`curl of Envoy admin ${path} in ${pod.metadata.name} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The `address:port` of every endpoint the pod's Envoy holds for clusters of `host` (e.g. `hello.backend.svc.cluster.local`). */
export async function envoyEndpoints(cluster: Cluster, pod: Pod, host: string): Promise<string[]> {
  // `/clusters` lines: `<cluster>::<address:port>::<stat>::<value>`; `cx_active` is listed once per endpoint.
  const lines = (await envoyAdmin(cluster, pod, '/clusters')).split('\n');
  const endpoints = lines.map((line) => line.split('::')).filter((parts) => parts.length === 4 && parts[0].endsWith(`|${host}`) && parts[2] === 'cx_active')
    .map((parts) => parts[1]);
  return [...new Set(endpoints)].sort();
}

/** GETs a path of a reconciler replica's monitoring port (its pod address) and returns status and body. */
export function reconcilerOps(pod: Pod, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: pod.status!.podIP!, port: RECONCILER_PORTS.monitoring, path, timeout: 10_000, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} on ${pod.metadata.name} timed out`)));
    request.on('error', reject);
  });
}

/** The value of a sample (its name and labels as written, e.g. `x_total{allowed="true"}`) on a replica's /metrics, or undefined when it is not there. */
export async function reconcilerMetric(pod: Pod, name: string): Promise<number | undefined> {
  const { status, body } = await reconcilerOps(pod, '/metrics');
  if (status !== 200) throw new Error(`GET /metrics of ${pod.metadata.name} answered ${status}: ${body.slice(0, 500)}`);
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
