/**
 * Misbehaving applications for resilience scenarios: the application behind a placed instance is
 * swapped for one whose answers a scenario scripts (fail every other request, answer slowly,
 * fail until healed). It listens on the instance's own address and port, so the mesh config and
 * the Envoy endpoints stay exactly as placed; the scenario stops it with everything else.
 */
import * as http from 'http';
import type { MeshScenario } from '../harness';
import { InstanceReply, SERVED_BY_HEADER } from '../harness';

/** How the application answers its `count`-th request (1-based): a status, after an optional delay. */
export type Behaviour = (count: number) => { readonly status: number; readonly delayMs?: number };

export const HEALTHY: Behaviour = () => ({ status: 200 });
export const FAILS_EVERY_OTHER_REQUEST: Behaviour = (count) => ({ status: count % 2 === 1 ? 503 : 200 });
export const ALWAYS_FAILS: Behaviour = () => ({ status: 500 });
export const answersAfter = (delayMs: number): Behaviour => () => ({ status: 200, delayMs });

export interface ScriptedApplication {
  /** Instance name, e.g. `ratings-v1-0`. */
  readonly instance: string;
  /** Requests that reached the application so far. */
  readonly hits: number;
  /** Changes how the following requests are answered (e.g. heal a failing instance). */
  behave(behaviour: Behaviour): void;
}

/** Replaces the application of `service`/`version` instance `index` with a scripted one. */
export async function scriptApplication(
  mesh: MeshScenario, service: string, version: string, index: number, behaviour: Behaviour,
): Promise<ScriptedApplication> {
  const placed = mesh.backends(service, version)[index];
  if (!placed) {
    throw new Error(`no placed instance ${index} of ${service} ${version}; declare it in the scenario's workloads`);
  }
  await placed.close();
  let current = behaviour;
  let hits = 0;
  const pendingTimers = new Set<NodeJS.Timeout>();
  const server = http.createServer((request, response) => {
    hits += 1;
    const { status, delayMs = 0 } = current(hits);
    request.resume();
    const answer = () => {
      const reply: InstanceReply = {
        service, version, instance: placed.instance, method: request.method ?? '', path: request.url ?? '', headers: request.headers,
      };
      response.writeHead(status, { 'content-type': 'application/json', [SERVED_BY_HEADER]: placed.instance });
      response.end(JSON.stringify(reply));
    };
    if (delayMs === 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      answer();
    }, delayMs);
    pendingTimers.add(timer);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(placed.port, placed.address, () => resolve());
  });
  mesh.adopt({
    description: `scripted application of ${placed.instance}`,
    stop: () => {
      pendingTimers.forEach((timer) => clearTimeout(timer));
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return {
    instance: placed.instance,
    get hits() {
      return hits;
    },
    behave: (next) => {
      current = next;
    },
  };
}
