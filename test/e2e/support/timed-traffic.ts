/**
 * Steady background traffic from one client, every answer kept with the time its request was
 * sent, so a scenario can later split the answers by what the mesh was serving at that time
 * (e.g. the steps of a rollout, from the reconciler's history).
 */
import type { MeshRequest, MeshScenario } from '../harness';

export interface TimedAnswer {
  /** Epoch ms at which the request was sent. */
  readonly sentAt: number;
  readonly status: number;
  readonly version?: string;
  /** The request carried extra headers (e.g. the always-canary header). */
  readonly marked: boolean;
}

export interface TimedTraffic {
  readonly answers: readonly TimedAnswer[];
  readonly errors: readonly string[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/**
 * Sends `request` from `client` with `concurrency` requests in flight until stopped; every
 * `markEvery`-th request (when given) also carries `markHeaders`.
 */
export function startTimedTraffic(mesh: MeshScenario, client: string, request: MeshRequest,
  options: { concurrency?: number; markEvery?: number; markHeaders?: Record<string, string> } = {}): TimedTraffic {
  const answers: TimedAnswer[] = [];
  const errors: string[] = [];
  let running = true;
  let sent = 0;
  const worker = async () => {
    while (running) {
      const index = sent++;
      const marked = options.markEvery !== undefined && index % options.markEvery === 0;
      const sentAt = Date.now();
      try {
        const response = await mesh.request(client, marked ? { ...request, headers: { ...request.headers, ...options.markHeaders } } : request);
        answers.push({ sentAt, status: response.status, version: response.version, marked });
      } catch (error) {
        errors.push((error as Error).message);
        // A refused connection answers at once; do not spin.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, worker);
  return {
    answers,
    errors,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
