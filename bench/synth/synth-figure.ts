/**
 * Figure 1, one repetition: a fresh process synthesizes the construct mesh, another the same
 * manifests from raw ApiObjects; prints one JSON line in the control-plane figures' format.
 *   node synth-figure.js <services>
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface SynthRun {
  readonly wallMs: number;
  readonly peakRssMiB: number;
  readonly bytes: number;
}

function runOnce(args: string[]): SynthRun {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'synth-run.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(output) as SynthRun;
}

function main(): void {
  const services = Number(process.argv[2] ?? '1000');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
  try {
    const docs = path.join(dir, 'docs.json');
    const yaml = path.join(dir, 'mesh.yaml');
    const constructs = runOnce(['constructs', String(services), docs, yaml]);
    const raw = runOnce(['raw', docs, yaml]);
    process.stdout.write(`${JSON.stringify({
      figure: 'synth',
      params: { services },
      measurements: {
        constructsWall: { value: constructs.wallMs / 1000, unit: 's' },
        rawApiObjectsWall: { value: raw.wallMs / 1000, unit: 's' },
        constructsOverRaw: { value: constructs.wallMs / raw.wallMs, unit: '×' },
        constructsPeakRss: { value: constructs.peakRssMiB, unit: 'MiB' },
        rawApiObjectsPeakRss: { value: raw.peakRssMiB, unit: 'MiB' },
      },
      notes: { yamlBytes: constructs.bytes },
    })}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
