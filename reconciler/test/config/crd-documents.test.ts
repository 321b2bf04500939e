import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readCrdDocuments } from '../../src/config/crd-documents';

const CACHE_DIR = path.resolve(__dirname, '../../build/crd-cache');
const BUNDLED = path.resolve(__dirname, '../../../imports/istio/crd-all.gen.yaml');

describe('CRD documents', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-documents-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN a file whose content the build cached WHEN read THEN the cached JSON is what comes back, not a parse of the YAML', () => {
    const text = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: from-yaml}\n';
    const file = path.join(dir, 'crds.yaml');
    fs.writeFileSync(file, text);
    const cached = path.join(CACHE_DIR, `${createHash('sha256').update(text).digest('hex')}.json`);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(cached, JSON.stringify([{ kind: 'CustomResourceDefinition', metadata: { name: 'from-cache' } }]));
    try {
      expect(readCrdDocuments(file)).toEqual([{ kind: 'CustomResourceDefinition', metadata: { name: 'from-cache' } }]);
    } finally {
      fs.rmSync(cached);
    }
  });

  test('GIVEN the bundled CRDs edited by a comment WHEN read THEN they are parsed from the YAML, equal to a direct parse, empty documents dropped', () => {
    const file = path.join(dir, 'edited.yaml');
    fs.writeFileSync(file, `# edited\n${fs.readFileSync(BUNDLED, 'utf8')}\n---\n`);
    const direct = parseAllDocuments(fs.readFileSync(BUNDLED, 'utf8')).map((document) => document.toJS()).filter(Boolean);
    const read = readCrdDocuments(file);
    expect(read).toEqual(direct);
    expect(read.length).toBeGreaterThan(10);
  });
});
