/**
 * Runs one control-plane benchmark figure once and prints its result as one JSON line:
 *   node main.js <figure> [--services N] [--proxies N] [--flavour sotw|delta] ...
 */
import { parseArgs } from 'util';
import { coldStart } from './figures/cold-start';
import { endpointChurn } from './figures/endpoint-churn';
import { largeInput } from './figures/large-input';
import { realEnvoy } from './figures/real-envoy';
import { reconnectStorm } from './figures/reconnect-storm';
import { scoping } from './figures/scoping';
import { telemetry } from './figures/telemetry';
import { vsEdit } from './figures/vs-edit';

const FIGURES: Record<string, (args: Record<string, string | undefined>) => Promise<unknown>> = {
  'cold-start': (args) => coldStart({
    services: integer(args, 'services', 1000), proxies: integer(args, 'proxies', 1000),
    flavour: flavour(args), timeoutMs: integer(args, 'timeout-ms', 300_000),
  }),
  'vs-edit': (args) => vsEdit({
    services: integer(args, 'services', 1000), proxies: integer(args, 'proxies', 100), edits: integer(args, 'edits', 50),
    flavour: flavour(args), debounceMs: integer(args, 'debounce-ms', 20), timeoutMs: integer(args, 'timeout-ms', 300_000),
  }),
  'endpoint-churn': (args) => endpointChurn({
    services: integer(args, 'services', 1000), proxies: integer(args, 'proxies', 100), rate: integer(args, 'rate', 40),
    seconds: integer(args, 'seconds', 60), flavour: flavour(args), timeoutMs: integer(args, 'timeout-ms', 300_000),
  }),
  'reconnect-storm': (args) => reconnectStorm({
    services: integer(args, 'services', 1000), proxies: integer(args, 'proxies', 1000),
    flavour: flavour(args), timeoutMs: integer(args, 'timeout-ms', 300_000),
  }),
  'scoping': (args) => scoping({
    services: integer(args, 'services', 1000), dependencies: integer(args, 'dependencies', 5), timeoutMs: integer(args, 'timeout-ms', 120_000),
  }),
  'large-input': (args) => largeInput({
    megabytes: integer(args, 'megabytes', 50), files: integer(args, 'files', 5), timeoutMs: integer(args, 'timeout-ms', 600_000),
  }),
  'telemetry': (args) => telemetry({
    services: integer(args, 'services', 1000), proxies: integer(args, 'proxies', 1000), clustersPerProxy: integer(args, 'clusters', 5),
    warmupSeconds: integer(args, 'warmup-seconds', 20), seconds: integer(args, 'seconds', 60),
  }),
  'real-envoy': (args) => realEnvoy({
    services: integer(args, 'services', 1000), envoys: integer(args, 'envoys', 5), timeoutMs: integer(args, 'timeout-ms', 120_000),
  }),
};

function integer(args: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = args[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} is '${text}'; it must be a whole number`);
  return value;
}

function flavour(args: Record<string, string | undefined>): 'sotw' | 'delta' {
  const value = args.flavour ?? 'delta';
  if (value !== 'sotw' && value !== 'delta') throw new Error(`--flavour is '${value}'; it must be sotw or delta`);
  return value;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: Object.fromEntries(['services', 'proxies', 'flavour', 'timeout-ms', 'edits', 'rate', 'seconds', 'dependencies', 'envoys', 'debounce-ms', 'megabytes', 'files', 'clusters', 'warmup-seconds']
      .map((name) => [name, { type: 'string' as const }])),
  });
  const figure = FIGURES[positionals[0] ?? ''];
  if (!figure) throw new Error(`unknown figure '${positionals[0]}'; known: ${Object.keys(FIGURES).join(', ')}`);
  const result = await figure(values as Record<string, string | undefined>);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
