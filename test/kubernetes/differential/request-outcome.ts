/**
 * A request sent through a sidecar Envoy and what came of it, reduced to what both control planes
 * must agree on: the status, which service and version answered, the path and authority the
 * backend saw, the attempts it counted, a redirect's location, the case's headers, whether a
 * delay was injected, and the response flags Envoy logged.
 */
import * as http from 'http';
import * as https from 'https';
import type { BackendAnswer } from './echo-backends';
import type { ListenerAddress } from './sidecar-envoy';

export interface RequestSpec {
  readonly method?: string;
  /** Path and query. */
  readonly path: string;
  /** The Host header. */
  readonly authority: string;
  readonly headers?: Record<string, string>;
  /** Latency from which the outcome counts as delayed (a fault delay well above this, a backend answer well below). */
  readonly delayedFromMs?: number;
}

export interface RequestOutcome {
  readonly status: number;
  /** `app/version` of the backend, or `envoy` when Envoy answered itself. */
  readonly answeredBy: string;
  readonly backendPath?: string;
  readonly backendAuthority?: string;
  readonly attempts?: number;
  readonly location?: string;
  /** Response headers a case sets (`x-case-*`, CORS `access-control-*`) and request headers the backend saw, sorted. */
  readonly caseHeaders: string;
  readonly delayed?: boolean;
  /** Arrivals of the same request at other backends (mirrored copies), as `app/version authority`, sorted. */
  readonly copies?: string;
  /** Envoy's response flags for the request, from the client sidecar's access log (`-` for none). */
  readonly flags?: string;
}

/** An outcome with the request id the backend saw, from which the copies are looked up. */
export interface SentRequest {
  readonly outcome: RequestOutcome;
  readonly requestId?: string;
  /** What the backend reported, when a backend answered. */
  readonly answer?: BackendAnswer;
}

/** The comparable form of an outcome: equal keys mean the same behaviour. */
export function outcomeKey(outcome: RequestOutcome): string {
  return JSON.stringify(outcome);
}

const agents = new Map<string, http.Agent>();

function agentFor(target: ListenerAddress): http.Agent {
  const key = `${target.host}:${target.port}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    agents.set(key, agent);
  }
  return agent;
}

export function closeRequestAgents(): void {
  agents.forEach((agent) => agent.destroy());
  agents.clear();
}

export function sendRequest(target: ListenerAddress, spec: RequestSpec, timeoutMs = 10_000): Promise<SentRequest> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = (target.tls ? https : http).request({
      host: target.host,
      port: target.port,
      // As a browser or curl does: the SNI is the host the request names.
      ...(target.tls ? { servername: spec.authority.replace(/:\d+$/, ''), ca: target.tls.ca } : {}),
      method: spec.method ?? 'GET',
      path: spec.path,
      agent: target.freshConnections || target.tls ? false : agentFor(target),
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      headers: { ...(spec.headers ?? {}), host: spec.authority },
      timeout: timeoutMs,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let answer: BackendAnswer | undefined;
        try {
          const parsed = JSON.parse(body);
          if (parsed && typeof parsed.app === 'string') answer = parsed;
        } catch {
          answer = undefined;
        }
        const caseHeaders = [
          ...Object.entries(response.headers).filter(([name]) => name.startsWith('x-case-') || name.startsWith('access-control-'))
            .map(([name, value]) => `response ${name}=${String(value)}`),
          ...Object.entries(answer?.headers ?? {}).map(([name, value]) => `request ${name}=${value}`),
        ].sort().join('; ');
        resolve({
          answer,
          requestId: answer?.requestId,
          outcome: {
            status: response.statusCode ?? 0,
            answeredBy: answer ? `${answer.app}/${answer.version}` : 'envoy',
            ...(answer ? { backendPath: answer.path, backendAuthority: answer.authority.replace(/:\d+$/, ''), attempts: answer.attempt } : {}),
            ...(response.headers.location ? { location: response.headers.location } : {}),
            caseHeaders,
            ...(spec.delayedFromMs !== undefined ? { delayed: Date.now() - started >= spec.delayedFromMs } : {}),
          },
        });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
