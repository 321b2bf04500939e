/**
 * `npm run demo` as a user runs it: the real command in a process group of its own, read until it
 * has shown all three phases (canary 10 %, canary step to 50 %, a fault for one user), then
 * Ctrl-C — SIGINT to the whole group, as a terminal sends it — after which no process of the
 * group may be left, Envoys and reconciler included.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const PHASE_SECONDS = 8;
/** Each share must be within 4.5 sigma of its weight for the number of answered requests. */
const SIGMAS = 4.5;

interface PhaseSummary {
  readonly requests: number;
  readonly answered: number;
  readonly shares: Record<string, number>;
  readonly errorRate: number;
  readonly userFailures: number;
  readonly userRequests: number;
}

const SUMMARY = /■ phase (\d) summary: (\d+) requests to reviews, (\d+) answered: v1 ([\d.]+) % \/ v2 ([\d.]+) % \/ v3 ([\d.]+) %, errors ([\d.]+) %, jason (\d+) of (\d+) failed/g;

function summaries(output: string): Map<number, PhaseSummary> {
  const found = new Map<number, PhaseSummary>();
  for (const match of output.matchAll(SUMMARY)) {
    const [, phase, requests, answered, v1, v2, v3, errorRate, userFailures, userRequests] = match;
    found.set(Number(phase), {
      requests: Number(requests),
      answered: Number(answered),
      shares: { v1: Number(v1), v2: Number(v2), v3: Number(v3) },
      errorRate: Number(errorRate),
      userFailures: Number(userFailures),
      userRequests: Number(userRequests),
    });
  }
  return found;
}

/** Pids of the live processes in process group `group`, with their command names. */
function processGroupMembers(group: number): { pid: number; command: string }[] {
  const members: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while listing
    }
    // Fields after the parenthesised command: state, ppid, pgrp.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') members.push({ pid: Number(entry), command });
  }
  return members;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function shareTolerance(weight: number, answered: number): number {
  const p = weight / 100;
  return 100 * SIGMAS * Math.sqrt((p * (1 - p)) / answered);
}

const OBSERVATORY_LINE = /observatory +(http:\/\/127\.0\.0\.1:\d+\/ui) /;

describe('npm run demo', () => {
  let demo: ChildProcess;
  let output = '';
  let membersWhileRunning: { pid: number; command: string }[] = [];
  let membersAfterStop: { pid: number; command: string }[] = [];
  let phases: Map<number, PhaseSummary>;
  /** What the observatory URL the demo printed answered while the demo ran. */
  let observatory: { status: number; body: string } | undefined;

  beforeAll(async () => {
    // detached: its own process group, whose id is its pid, like a job a shell starts.
    demo = spawn('npm', ['run', 'demo', '--', '--phase-seconds', String(PHASE_SECONDS), '--duration', '600'],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false' } });
    demo.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    demo.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    // The pipes close once every process of the group that holds them (the demo last) has exited.
    const closed = new Promise<void>((resolve) => demo.stdout!.once('close', () => resolve()));
    const group = demo.pid!;
    try {
      // The first start builds the reconciler, so this allows for a slow machine.
      await waitFor('the demo to report phase 3', () => (summaries(output).has(3) ? true : undefined), 540_000, () => output);
      membersWhileRunning = processGroupMembers(group);
      const url = OBSERVATORY_LINE.exec(output)?.[1];
      if (url) {
        const response = await fetch(url);
        const graph = await fetch(new URL('/api/graph', url));
        observatory = { status: response.status, body: `${await response.text()}\n${await graph.text()}` };
      }
    } finally {
      process.kill(-group, 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => { timer = setTimeout(resolve, 60_000); })]);
      clearTimeout(timer);
      await waitFor('every process of the demo to exit', () => (processGroupMembers(group).length === 0 ? true : undefined), 30_000,
        () => JSON.stringify(processGroupMembers(group)));
      membersAfterStop = processGroupMembers(group);
    }
    phases = summaries(output);
  }, 700_000);

  afterAll(() => {
    // Only if an assertion above left something behind: never leave Envoys running.
    if (demo?.pid && processGroupMembers(demo.pid).length > 0) process.kill(-demo.pid, 'SIGKILL');
  });

  test('GIVEN the demo running THEN it prints the observatory and debug URLs (the observatory answering 200 with the graph), and a line every 2 s with the split, errors and p99', () => {
    expect(output).toMatch(/debug +http:\/\/127\.0\.0\.1:\d+\/debug\/syncz /);
    expect(output).toMatch(/http:\/\/127\.0\.0\.1:\d+\/debug\/config_dump\?proxy=sidecar/);
    expect(output).toMatch(OBSERVATORY_LINE);
    expect(observatory?.status).toBe(200);
    expect(observatory?.body).toContain('<title>Mesh observatory</title>');
    expect(observatory?.body).toContain('"id":"version:bookinfo/reviews/v2"');
    const reports = output.match(/^ +\d+ s {2}reviews v1 [\d.]+ % \/ v2 [\d.]+ % \/ v3 [\d.]+ % .* errors [\d.]+ % .* p99 \d+ ms/gm) ?? [];
    // Three phases of 8 s each, reported every 2 s: at least 3 reports a phase.
    expect(reports.length).toBeGreaterThanOrEqual(9);
  });

  test('GIVEN the phase summaries THEN the reconciler\'s own telemetry of productpage → reviews, from the sidecars\' Envoy stats, shows v1 and v2 traffic', () => {
    // Sidecars flush every 5 s, so the first phase may end before its first report; the later ones do not.
    // The demo's window is at least 20 s, so with 8 s phases it spans the phase before too: only presence is checked.
    const line = /reconciler telemetry \(last \d+ s, from the sidecars' Envoy stats\): productpage → reviews (.*), 5xx [\d.]+ %/g;
    const reported = output.match(line) ?? [];
    expect(reported.length).toBeGreaterThanOrEqual(2);
    expect(reported.at(-1)).toMatch(/v1 [1-9][\d.]* req\/s \/ v2 [1-9][\d.]* req\/s/);
  });

  test('GIVEN the demo running THEN its process group holds six Envoys and the reconciler', () => {
    expect(membersWhileRunning.filter((member) => member.command === 'envoy')).toHaveLength(6);
    expect(membersWhileRunning.length).toBeGreaterThan(7);
  });

  test('GIVEN phase 1 (canary at 10 %) THEN reviews v2 answers 10 % and v3 nothing, with no failures for jason', () => {
    const phase = phases.get(1)!;
    expect(phase.answered).toBeGreaterThan(50);
    expect(Math.abs(phase.shares.v2 - 10)).toBeLessThanOrEqual(shareTolerance(10, phase.answered));
    expect(phase.shares.v3).toBe(0);
    expect(phase.userFailures).toBe(0);
  });

  test('GIVEN phase 2 (the canary step written live) THEN reviews v2 answers 50 %', () => {
    const phase = phases.get(2)!;
    expect(phase.answered).toBeGreaterThan(50);
    expect(Math.abs(phase.shares.v2 - 50)).toBeLessThanOrEqual(shareTolerance(50, phase.answered));
    expect(phase.userFailures).toBe(0);
  });

  test('GIVEN phase 3 (the fault written live) THEN every request of jason fails and the other requests are answered', () => {
    const phase = phases.get(3)!;
    expect(phase.userRequests).toBeGreaterThan(5);
    expect(phase.userFailures).toBe(phase.userRequests);
    // Envoy answers the faulted requests itself, so they carry no version; everyone else's reach reviews.
    expect(phase.answered).toBe(phase.requests - phase.userRequests);
  });

  test('GIVEN Ctrl-C THEN the demo stops everything, says so, and leaves no process and no work directory', () => {
    expect(output).toMatch(/Ctrl-C: stopping/);
    expect(output).toMatch(/Stopped; no process left running\./);
    expect(membersAfterStop).toEqual([]);
    const configDir = /Config directory \(.*\): (\S+)/.exec(output)?.[1];
    expect(configDir).toBeDefined();
    expect(fs.existsSync(path.dirname(configDir!))).toBe(false);
  });
});

describe('Ctrl-C while the demo starts', () => {
  let output = '';
  let stoppedWithinMs: number;
  let membersAfterStop: { pid: number; command: string }[];
  let group: number | undefined;

  beforeAll(async () => {
    // The demo script itself (the reconciler is built by now): Ctrl-C lands while the reconciler and the Envoys start.
    const demo = spawn('npx', ['ts-node', '--transpile-only', '--project', 'projenrc/tsconfig.json', 'scripts/demo/main.ts'],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    group = demo.pid!;
    demo.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    demo.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    await waitFor('the demo to start the reconciler', () => (output.includes('Starting the reconciler') ? true : undefined), 120_000, () => output);
    const interrupted = Date.now();
    process.kill(-group, 'SIGINT');
    await waitFor('every process of the demo to exit', () => (processGroupMembers(group!).length === 0 ? true : undefined), 60_000,
      () => JSON.stringify(processGroupMembers(group!)));
    stoppedWithinMs = Date.now() - interrupted;
    membersAfterStop = processGroupMembers(group);
  }, 200_000);

  afterAll(() => {
    if (group && processGroupMembers(group).length > 0) process.kill(-group, 'SIGKILL');
  });

  test('GIVEN Ctrl-C before the mesh runs THEN every process of the demo exits without waiting out a startup deadline', () => {
    expect(membersAfterStop).toEqual([]);
    expect(output).toMatch(/Ctrl-C: stopping/);
    // A startup wait that ignored the stop would hold on for its 60 s deadline.
    expect(stoppedWithinMs).toBeLessThan(30_000);
  });
});
