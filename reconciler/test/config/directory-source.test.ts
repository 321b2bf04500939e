import { EventEmitter } from 'events';
import * as fs from 'fs';
// The module object itself: a namespace import's properties cannot be spied on.
import nodeFs = require('fs');
import * as os from 'os';
import * as path from 'path';
import { DirectorySource } from '../../src/config/directory-source';
import type { ConfigUpdate } from '../../src/config/source';
import { waitUntil } from '../support/wait';

const SERVICE_ENTRY = (name: string) => `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ${name}\n`;

describe('directory source', () => {
  let dir: string;
  let source: DirectorySource;
  let updates: ConfigUpdate[];
  let waiters: ((update: ConfigUpdate) => void)[];

  const nextUpdate = (timeoutMs = 5000) => new Promise<ConfigUpdate>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no config update arrived')), timeoutMs);
    waiters.push((update) => { clearTimeout(timer); resolve(update); });
  });
  const served = (update: ConfigUpdate) => Object.fromEntries(update.documents.map((doc) => [path.relative(dir, doc.source), doc.text]));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-config-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('a'));
    fs.writeFileSync(path.join(dir, 'nested', 'b.yml'), SERVICE_ENTRY('b'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not config');
    updates = [];
    waiters = [];
    source = new DirectorySource({ dir, settleMs: 20, pollMs: 200 });
    await source.start((update) => {
      updates.push(update);
      waiters.shift()?.(update);
    });
  });

  afterEach(async () => {
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN a directory tree WHEN started THEN every YAML file (recursively, no other files) is delivered once', () => {
    expect(updates).toHaveLength(1);
    expect(updates[0].reason).toBe('config:initial-load');
    expect(served(updates[0])).toEqual({ 'a.yaml': SERVICE_ENTRY('a'), 'nested/b.yml': SERVICE_ENTRY('b') });
  });

  test('GIVEN a running source WHEN a file is added THEN the whole new set arrives as a file change', async () => {
    const update = nextUpdate();
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }));
    const received = await update;
    expect(received.reason).toBe('config:file-changed');
    expect(Object.keys(served(received))).toEqual(['a.yaml', 'c.json', 'nested/b.yml']);
    // The watch announced the change, so the full scan stays a slow safety net.
    expect(source.scanIntervalMs).toBe(20_000);
  });

  test('GIVEN a good file WHEN it is overwritten with broken YAML THEN the problem names the file and its previous text is still served', async () => {
    const update = nextUpdate();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: ServiceEntry\nmetadata: [unclosed\n');
    const received = await update;
    expect(served(received)['a.yaml']).toBe(SERVICE_ENTRY('a'));
    expect(received.problems).toEqual([{
      source: path.join(dir, 'a.yaml'),
      reason: expect.stringMatching(/^document 1 \(line 1\) is not valid YAML: line \d+: .*; its previous version is still served$/),
    }]);
  });

  test('GIVEN a running source WHEN a file is deleted THEN it leaves the set', async () => {
    const update = nextUpdate();
    fs.rmSync(path.join(dir, 'nested', 'b.yml'));
    expect(Object.keys(served(await update))).toEqual(['a.yaml']);
  });

  test('GIVEN a missing directory WHEN started THEN the error names the directory and the flag', async () => {
    const missing = new DirectorySource({ dir: path.join(dir, 'nope') });
    await expect(missing.start(() => undefined)).rejects.toThrow(`config directory '${path.join(dir, 'nope')}' does not exist`);
  });
});

describe('directory source under a steady stream of changes', () => {
  test('GIVEN files changing faster than the settle delay WHEN the changes keep coming THEN a reload still happens within the maximum wait', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-config-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('edit-0'));
    // Writes every 40 ms never leave the 400 ms settle delay quiet; only the maximum wait can fire.
    const source = new DirectorySource({ dir, settleMs: 400, maxWaitMs: 800, pollMs: 60_000 });
    const updates: ConfigUpdate[] = [];
    let writing = true;
    let updatesWhileWriting = 0;
    try {
      await source.start((update) => {
        updates.push(update);
        if (writing && update.reason === 'config:file-changed') updatesWhileWriting += 1;
      });
      for (let edit = 1; edit <= 60; edit += 1) {
        fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY(`edit-${edit}`));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      writing = false;
      expect(updatesWhileWriting).toBeGreaterThanOrEqual(1);
      const firstChange = updates.find((update) => update.reason === 'config:file-changed')!;
      expect(firstChange.documents[0].text).toMatch(/name: edit-\d+/);
    } finally {
      await source.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('directory source polling', () => {
  test('GIVEN a polled directory WHEN polls find files unchanged THEN only a changed file is read again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-config-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('a'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), SERVICE_ENTRY('b'));
    const source = new DirectorySource({ dir, settleMs: 10, pollMs: 30, watch: false });
    const readFile = jest.spyOn(fs.promises, 'readFile');
    try {
      const updates: ConfigUpdate[] = [];
      await source.start((update) => updates.push(update));
      readFile.mockClear();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(readFile).not.toHaveBeenCalled();

      fs.writeFileSync(path.join(dir, 'b.yaml'), SERVICE_ENTRY('b2'));
      await waitUntil('the edited file to be served', () => updates.at(-1)!.documents.some((doc) => doc.text === SERVICE_ENTRY('b2')), 30_000);
      expect(new Set(readFile.mock.calls.map(([file]) => path.basename(String(file))))).toEqual(new Set(['b.yaml']));
      expect(updates.at(-1)!.documents.map((doc) => doc.text)).toEqual([SERVICE_ENTRY('a'), SERVICE_ENTRY('b2')]);
    } finally {
      readFile.mockRestore();
      await source.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('directory source on a volume without file events', () => {
  test('GIVEN a watch that never fires WHEN the safety scan finds a change THEN the change is served and the scan runs every pollMs from then on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-config-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('a'));
    const silentWatch = jest.spyOn(nodeFs, 'watch').mockImplementation(() => Object.assign(new EventEmitter(), { close: () => undefined }) as unknown as fs.FSWatcher);
    const source = new DirectorySource({ dir, settleMs: 10, pollMs: 40, resyncMs: 400 });
    try {
      const updates: ConfigUpdate[] = [];
      await source.start((update) => updates.push(update));
      expect(source.scanIntervalMs).toBe(400);

      fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('a2'));
      await waitUntil('the resync scan to serve the edit', () => updates.at(-1)!.documents[0].text === SERVICE_ENTRY('a2'), 30_000);
      expect(source.scanIntervalMs).toBe(40);

      fs.writeFileSync(path.join(dir, 'a.yaml'), SERVICE_ENTRY('a3'));
      await waitUntil('the poll to serve the second edit', () => updates.at(-1)!.documents[0].text === SERVICE_ENTRY('a3'), 30_000);
      expect(updates.filter((update) => update.documents[0].text === SERVICE_ENTRY('a3'))).toHaveLength(1);
      expect(silentWatch).toHaveBeenCalledTimes(1);
    } finally {
      silentWatch.mockRestore();
      await source.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('directory source hardening', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const loadOnce = async (options: Partial<ConstructorParameters<typeof DirectorySource>[0]> = {}) => {
    const source = new DirectorySource({ dir, settleMs: 10, pollMs: 60_000, ...options });
    let first: ConfigUpdate | undefined;
    await source.start((update) => { first ??= update; });
    await source.stop();
    return first!;
  };

  test('GIVEN a symbolic link loop WHEN loaded THEN each real directory is read once and the loop reported once', async () => {
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'nested', 'a.yaml'), SERVICE_ENTRY('a'));
    fs.symlinkSync(dir, path.join(dir, 'nested', 'loop'));
    fs.symlinkSync(path.join(dir, 'nested', 'a.yaml'), path.join(dir, 'z-alias.yaml'));
    const update = await loadOnce();
    expect(update.documents.map((doc) => path.relative(dir, doc.source))).toEqual(['nested/a.yaml']);
    expect(update.problems.map((problem) => [path.relative(dir, problem.source), problem.reason])).toEqual([
      ['nested/loop', expect.stringMatching(/^is a symbolic link to .*, already read as .* \(a loop, or a second path to it\); it is not read again$/)],
      ['z-alias.yaml', expect.stringMatching(/^is a symbolic link to .*nested\/a\.yaml, already read as .*; it is not read again$/)],
    ]);
  });

  test('GIVEN a file over the size limit WHEN loaded THEN it is not read and the problem gives its size and the limit', async () => {
    fs.writeFileSync(path.join(dir, 'big.yaml'), `${SERVICE_ENTRY('big')}# ${'x'.repeat(4096)}\n`);
    fs.writeFileSync(path.join(dir, 'ok.yaml'), SERVICE_ENTRY('ok'));
    const readFile = jest.spyOn(fs.promises, 'readFile');
    try {
      const update = await loadOnce({ limits: { maxFileBytes: 2048, maxDocumentsPerFile: 10, maxDocumentBytes: 2048 } });
      expect(readFile.mock.calls.map(([file]) => path.basename(String(file)))).toEqual(['ok.yaml']);
      expect(update.documents.map((doc) => path.basename(doc.source))).toEqual(['ok.yaml']);
      expect(update.problems).toEqual([{ source: path.join(dir, 'big.yaml'), reason: 'is 4.1 KiB; a config file may be at most 2 KiB; split it into several files; nothing from it is served' }]);
    } finally {
      readFile.mockRestore();
    }
  });

  test('GIVEN a file WHEN delivered THEN its documents come already read, as kubectl reads them', async () => {
    fs.writeFileSync(path.join(dir, 'se.yaml'), `${SERVICE_ENTRY('a')}spec:\n  addresses: [2001:db8::]\n`);
    const update = await loadOnce();
    expect(update.documents[0].parsed![0].value).toMatchObject({ spec: { addresses: ['2001:db8::'] } });
  });
});
