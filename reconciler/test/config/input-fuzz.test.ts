/**
 * Property-based: generated documents (mutated objects of the examples' synthesized output, random
 * YAML, truncations, aliases, wrong types) go through the directory source, ingest and the
 * reconciler's push. Nothing throws, every file and object is accounted for, and the snapshot a
 * fixed proxy is served is either the previous one or a consistent new one.
 *
 * FUZZ_DOCUMENTS sets how many documents a run generates (default 10 000, in batches of 100).
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { parseAllDocuments, stringify } from 'yaml';
import { CrdValidator } from '../../src/config/crd-validator';
import { DirectorySource } from '../../src/config/directory-source';
import { describeOrigin, ingestDocuments, MeshObjectValidator } from '../../src/config/ingest';
import { objectsOfDocument } from '../../src/config/kubectl-objects';
import type { ConfigUpdate } from '../../src/config/source';
import { NODE_METADATA } from '../../src/model';
import { TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { generateProxyResources } from '../../src/xds/generators';
import type { XdsSnapshot } from '../../src/xds/snapshot';
import { findRoutesToMissingClusters, findSnapshotInconsistencies } from '../../src/xds/snapshot-consistency';
import { TestAdsStream } from '../support/ads-client';
import { synthesizedExamples } from '../support/example-seeds';
import { MemorySource } from '../support/memory-source';

const BATCH = 100;
const DOCUMENTS = Number(process.env.FUZZ_DOCUMENTS ?? 10_000);
const NODE = {
  id: 'sidecar~127.0.0.9~productpage-v1.bookinfo~bookinfo.svc.cluster.local',
  metadata: {
    [NODE_METADATA.namespace]: 'bookinfo', [NODE_METADATA.interceptionMode]: 'REDIRECT', [NODE_METADATA.instanceIps]: '127.0.0.9',
    [NODE_METADATA.labels]: { app: 'productpage', version: 'v1' },
  },
};

const crds = parseAllDocuments(fs.readFileSync(path.join(__dirname, '../../../imports/istio/crd-all.gen.yaml'), 'utf8')).map((doc) => doc.toJS() as object).filter(Boolean);
const crdValidator = new CrdValidator(crds);
/** The test's ingest and the reconciler's see the same parsed objects: check each once. */
const checked = new WeakMap<object, ReturnType<CrdValidator['validate']>>();
const validator: MeshObjectValidator = {
  validate: (object) => {
    const known = checked.get(object);
    if (known) return known;
    const issues = crdValidator.validate(object);
    checked.set(object, issues);
    return issues;
  },
  knowsKind: (group, kind) => crdValidator.knowsKind(group, kind),
};

/** Sets, deletes or retypes one field somewhere in a JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return remove ? undefined : replacement;
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0] % entries.length];
  const changed = mutate(child, path.slice(1), replacement, remove);
  if (Array.isArray(value)) return value.map((item, index) => (index === key ? changed : item));
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (changed === undefined) delete copy[key as string];
  else copy[key as string] = changed;
  return copy;
}

function documentArbitrary(seeds: readonly Record<string, unknown>[]): fc.Arbitrary<string> {
  const seed = fc.constantFrom(...seeds);
  const strange = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('yes', 'on', '0777', '2001:db8::', '<<', '~', ''), fc.json().map((text) => JSON.parse(text) as unknown));
  const mutated = fc.tuple(seed, fc.array(fc.tuple(fc.array(fc.nat(40), { maxLength: 8 }), strange, fc.boolean()), { minLength: 1, maxLength: 3 }))
    .map(([object, changes]) => stringify(changes.reduce<unknown>((current, [at, value, remove]) => mutate(current, at, value, remove), object) ?? null));
  const truncated = fc.tuple(seed, fc.double({ min: 0, max: 1, noNaN: true })).map(([object, cut]) => { const text = stringify(object); return text.slice(0, Math.floor(text.length * cut)); });
  const aliased = fc.tuple(seed, fc.integer({ min: 1, max: 150 })).map(([object, uses]) =>
    `${stringify(object)}extra:\n  base: &base {a: 1, b: [x, y]}\n  uses: [${Array(uses).fill('*base').join(', ')}]\n`);
  const bomb = fc.integer({ min: 4, max: 9 }).map((depth) => `a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${
    Array.from({ length: depth }, (_, level) => `l${level}: &l${level} [${Array(9).fill(level === 0 ? '*a' : `*l${level - 1}`).join(', ')}]`).join('\n')}\n`);
  const randomYaml = fc.oneof(fc.string({ maxLength: 200 }), fc.json().map((text) => stringify(JSON.parse(text))));
  return fc.oneof({ weight: 5, arbitrary: mutated }, { weight: 2, arbitrary: seed.map((object) => stringify(object)) },
    { weight: 1, arbitrary: truncated }, { weight: 1, arbitrary: aliased }, { weight: 1, arbitrary: bomb }, { weight: 1, arbitrary: randomYaml });
}

/** Routes to a subset cluster of a host whose plain cluster exists: what a half-kept config would produce. */
function subsetsWithoutClusters(snapshot: XdsSnapshot): string[] {
  const clusters = snapshot.resources(TYPE_URLS.cluster);
  return findRoutesToMissingClusters(snapshot).filter((problem) => {
    const name = /cluster '(outbound\|(\d+)\|([^|]+)\|([^']+))'/.exec(problem);
    return name !== null && clusters.has(`outbound|${name[2]}||${name[4]}`);
  });
}

describe('input fuzzing', () => {
  let seeds: Record<string, unknown>[];
  let base: string;
  let reconciler: Reconciler;
  let source: MemorySource;
  let ads: TestAdsStream;
  const errors: string[] = [];

  beforeAll(async () => {
    const examples = synthesizedExamples();
    base = examples.bookinfo;
    seeds = Object.values(examples).flatMap((yaml) => parseAllDocuments(yaml).map((doc) => doc.toJS() as Record<string, unknown>)).filter(Boolean);
    source = new MemorySource([{ source: 'base/bookinfo.yaml', text: base }]);
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
    reconciler = new Reconciler({
      source, mesh: DEFAULT_MESH_SETTINGS, log, validator, debounceMs: 60_000,
      generate: (push, proxy) => generateProxyResources(push, proxy), xds: { host: '127.0.0.1', port: 0 },
    });
    const { xdsPort } = await reconciler.start();
    ads = TestAdsStream.open(xdsPort, 'sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.cluster, resource_names: [] });
    await ads.next();
  }, 300_000);

  afterAll(async () => {
    ads?.close();
    await reconciler?.stop();
  });

  test(`GIVEN ${DOCUMENTS} generated documents WHEN read, ingested and pushed THEN nothing throws, everything is accounted for and the proxy's snapshot stays consistent`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-fuzz-'));
    try {
      await fc.assert(fc.asyncProperty(fc.array(documentArbitrary(seeds), { minLength: BATCH, maxLength: BATCH }), fc.integer({ min: 1, max: 4 }), async (documents, fileCount) => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        const files = Array.from({ length: fileCount }, (_, file) => path.join(dir, `batch-${file}.yaml`));
        files.forEach((file, index) => fs.writeFileSync(file, documents.filter((_, document) => document % fileCount === index).join('\n---\n')));

        const directory = new DirectorySource({ dir, pollMs: 60_000 });
        let update: ConfigUpdate | undefined;
        await directory.start((received) => { update ??= received; });
        await directory.stop();
        // Every file is served or reported.
        for (const file of files) {
          const outcomes = update!.documents.filter((doc) => doc.source === file).length + update!.problems.filter((problem) => problem.source === file).length;
          expect({ file, outcomes }).toEqual({ file, outcomes: 1 });
        }

        // Every object of every served file has exactly one outcome.
        const ingested = ingestDocuments(update!.documents, validator);
        const outcomes = new Map<string, number>();
        const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        ingested.objects.forEach((object) => count(describeOrigin(ingested.origins.get(object)!)));
        ingested.rejected.forEach((entry) => count(describeOrigin(entry.origin)));
        ingested.ignored.forEach((entry) => count(describeOrigin(entry.origin)));
        for (const doc of update!.documents) {
          for (const document of doc.parsed!) {
            for (const { item } of objectsOfDocument(document.value)) {
              const key = describeOrigin({ source: doc.source, index: document.index, item });
              expect({ key, outcomes: outcomes.get(key) }).toEqual({ key, outcomes: 1 });
            }
          }
        }

        // The push: from the base config to the generated one, the proxy keeps its snapshot or gets a consistent one.
        source.set([{ source: 'base/bookinfo.yaml', text: base }]);
        reconciler.flushPendingPush();
        const previous = reconciler.snapshots.getSnapshot(NODE.id);
        source.set([{ source: 'base/bookinfo.yaml', text: base }, ...update!.documents], [...update!.problems]);
        reconciler.flushPendingPush();
        const current = reconciler.snapshots.getSnapshot(NODE.id)!;
        if (current !== previous) {
          expect(findSnapshotInconsistencies(current)).toEqual([]);
          expect(subsetsWithoutClusters(current)).toEqual([]);
        }
        expect(errors.filter((line) => line.includes('config change not applied'))).toEqual([]);
      }), { numRuns: Math.ceil(DOCUMENTS / BATCH) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
