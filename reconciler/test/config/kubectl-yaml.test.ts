/**
 * The reconciler reads a file as `kubectl apply -f` does: every case below is read both by the
 * reconciler and by kubectl's own code (the Go oracle), and the results must agree. The table holds
 * the places where YAML 1.2 (the `yaml` package's default) and kubectl's go-yaml v2 differ.
 */
import { objectsOfDocument, isRecord } from '../../src/config/kubectl-objects';
import { readYamlAsKubectl, readYamlAsKubectlInSlices } from '../../src/config/yaml/kubectl-yaml';
import { KubectlRead, kubectlStoppedReading, kubectlYamlBinary, readWithKubectl } from '../support/kubectl-yaml-oracle';

const HEADER = 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: external\n';
const withSpec = (spec: string) => `${HEADER}spec:\n${spec}`;

/** A route list where every route shares one `&retry` anchor: an ordinary file (kubectl reads it). */
const sharedAnchor = (routes: number) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n${
  Array.from({ length: routes }, (_, index) => `  - name: r${index}\n    match: [{uri: {prefix: /p${index}}}]\n    route: [{destination: {host: reviews}}]\n    retries: ${index === 0 ? '&retry {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset,connect-failure"}' : '*retry'}\n`).join('')}`;

const BILLION_LAUGHS = `${HEADER}spec:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${
  ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, index) => `  ${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(97 + index)}`).join(',')}]\n`).join('')}`;

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** Where the reconciler deliberately reads differently, what kubectl does and why. */
  readonly divergence?: string;
}

const CASES: readonly Case[] = [
  { name: 'IPv6 address ending in :: in a flow sequence', yaml: withSpec('  hosts: [db.example.com]\n  addresses: [10.0.0.1, 2001:db8::, fe80::1]\n') },
  { name: 'IPv6 addresses in a flow mapping value', yaml: withSpec('  hosts: [db.example.com]\n  endpoints: [{address: 2001:db8::}]\n') },
  { name: 'IPv6 address ending in :: in a block sequence (a map, for kubectl too)', yaml: withSpec('  addresses:\n  - 2001:db8::1\n  - 2001:db8::\n') },
  { name: 'a flow value ending in a colon', yaml: withSpec('  hosts: [a:, x:y]\n') },
  { name: 'a flow value starting with :: (kubectl fails)', yaml: withSpec('  addresses: [::1]\n') },
  { name: 'a flow value containing ? (kubectl fails)', yaml: withSpec('  hosts: [a?b, c]\n') },
  { name: 'YAML 1.1 booleans', yaml: withSpec('  a: yes\n  b: no\n  c: on\n  d: off\n  e: y\n  f: n\n  g: True\n  h: NO\n  i: Off\n') },
  { name: 'YAML 1.1 booleans as keys', yaml: withSpec('  yes: 1\n  on: 2\n  n: 3\n') },
  { name: 'octal-looking and prefixed numbers', yaml: withSpec('  a: 0777\n  b: 0o17\n  c: 0x1F\n  d: 0b101\n  e: 08\n  f: 1_000\n  g: -0x1f\n  h: +12\n  i: 0B11\n') },
  { name: 'no base-60 numbers', yaml: withSpec('  ports: [1:20, 12:30:00]\n  port: 8080:80\n') },
  { name: 'floats', yaml: withSpec('  a: 1e3\n  b: .5\n  c: 1.\n  d: +.5\n  e: 0.1e-3\n  f: ._5\n  g: 1e400\n') },
  { name: 'large integers', yaml: withSpec('  a: 9223372036854775807\n  b: 9223372036854775808\n  c: 18446744073709551616\n  d: 123456789012345678901234567890\n') },
  { name: 'timestamps stay strings', yaml: withSpec('  a: 2001-12-14\n  b: 2001-12-14T21:59:43.10-05:00\n  c: 2001-12-14 21:59:43.10\n') },
  { name: 'merge keys, explicit keys before and after', yaml: `${HEADER}base: &base {x: 1, z: 2}\nspec:\n  before: {<<: *base, z: 3}\n  after: {z: 3, <<: *base}\n  list: {<<: [*base, {w: 1, x: 9}]}\n  quoted: {"<<": 1}\n` },
  { name: 'a merge of a scalar (kubectl fails)', yaml: withSpec('  a: {<<: 1}\n') },
  { name: 'duplicate keys, the later wins', yaml: withSpec('  a: 1\n  a: 2\n  true: x\n  yes: z\n') },
  { name: 'keys that are numbers', yaml: withSpec('  1.5: a\n  0.1: b\n  1e3: c\n  077: d\n  1e7: e\n') },
  { name: 'a null key (kubectl fails)', yaml: withSpec('  ~: a\n') },
  { name: 'a map as a key (kubectl fails)', yaml: withSpec('  ? [a]\n  : 1\n') },
  { name: 'NaN and infinity (kubectl fails)', yaml: withSpec('  a: .inf\n') },
  { name: 'tabs as indentation (kubectl fails)', yaml: `${HEADER}spec:\n\thosts: [a]\n` },
  { name: 'tabs inside values and after colons', yaml: withSpec('  a: b\tc\n  b:\t1\n') },
  { name: 'a byte order mark', yaml: `\ufeff${HEADER}` },
  { name: 'CRLF line ends', yaml: `${HEADER.replace(/\n/g, '\r\n')}---\r\n${HEADER.replace('external', 'second').replace(/\n/g, '\r\n')}` },
  { name: 'empty documents, comments and explicit nulls', yaml: `---\n---\n# only a comment\n---\n${HEADER}---\n\n---\n~\n---\nnull\n` },
  { name: 'a document separator with a comment', yaml: `${HEADER}--- # next\n${HEADER.replace('external', 'second')}` },
  { name: 'a document separator followed by content (kubectl fails)', yaml: `${HEADER}--- {apiVersion: v1, kind: Service, metadata: {name: b}}\n` },
  { name: 'a line starting with --- and more (kubectl fails)', yaml: `---x\n${HEADER}` },
  { name: 'kind: List', yaml: 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n- {apiVersion: networking.istio.io/v1, kind: ServiceEntry, metadata: {name: b}}\n' },
  { name: 'a typed list as kubectl prints it', yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualServiceList\nitems:\n- {apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: a}}\n' },
  { name: 'a List with an item without kind', yaml: 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n- {apiVersion: v1, metadata: {name: b}}\n' },
  { name: 'a name that reads as a number', yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: 0777}\n' },
  { name: 'a kind that reads as a boolean', yaml: 'apiVersion: v1\nkind: Y\nmetadata: {name: a}\n' },
  { name: 'a JSON stream of two objects', yaml: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}\n{"apiVersion":"v1","kind":"Service","metadata":{"name":"b"}}\n' },
  { name: 'one JSON object then YAML', yaml: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}\n${HEADER}` },
  { name: 'explicit tags', yaml: withSpec('  a: !!str 12\n  b: !!int "12"\n  c: !custom 12\n  d: !!float 1\n  e: !!binary aGVsbG8=\n  f: !!bool "yes"\n') },
  { name: 'a tag that contradicts the value (kubectl fails)', yaml: withSpec('  a: !!int abc\n') },
  { name: 'an alias to an undefined anchor (kubectl fails)', yaml: withSpec('  a: *nope\n') },
  { name: 'an anchor containing itself (kubectl fails)', yaml: withSpec('  a: &a [*a]\n') },
  { name: '100 routes sharing one &retry anchor', yaml: sharedAnchor(100) },
  { name: 'a billion laughs (kubectl fails)', yaml: BILLION_LAUGHS },
  { name: 'a YAML directive before the separator (kubectl fails)', yaml: `%YAML 1.1\n---\n${HEADER}` },
  { name: 'block scalars and multi-line plain values', yaml: withSpec('  a: |\n    line 1\n    line 2\n  b: >-\n    folded\n    text\n  c: plain\n    continued\n') },
  {
    name: 'text after a ... document end',
    yaml: `${HEADER}...\nspec: {hosts: [dropped]}\n`,
    divergence: 'kubectl silently drops the text after "..."; the reconciler refuses the file so nothing is lost silently',
  },
];

/** kubectl's own checks on one object (its decoder needs a string kind and a string name). */
function kubectlDecodes(value: unknown): boolean {
  if (!isRecord(value) || typeof value.kind !== 'string' || value.kind === '') return false;
  const metadata = value.metadata;
  return metadata === undefined || (isRecord(metadata) && (metadata.name === undefined || typeof metadata.name === 'string'));
}

describe('reading YAML as kubectl does', () => {
  let kubectl: Map<string, KubectlRead>;

  beforeAll(() => {
    kubectl = readWithKubectl(kubectlYamlBinary(), CASES.map(({ name, yaml }) => ({ name, yaml })));
  }, 600_000);

  test.each(CASES.filter((entry) => !entry.divergence).map((entry) => [entry.name, entry] as const))('%s', (_, { name, yaml }) => {
    const expected = kubectl.get(name)!;
    const read = readYamlAsKubectl(yaml);
    if (kubectlStoppedReading(expected)) {
      expect(read.problem).toEqual(expect.any(String));
      return;
    }
    expect(read.problem).toBeUndefined();
    const objects = read.documents!.flatMap((document) => objectsOfDocument(document.value)).map((object) => object.value);
    expect(objects.filter(kubectlDecodes)).toEqual(expected.objects);
    expect(objects.filter((object) => !kubectlDecodes(object))).toHaveLength(expected.errors.length);
  });

  test.each(CASES.filter((entry) => entry.divergence).map((entry) => [entry.name, entry] as const))('%s: deliberately refused', (_, { name, yaml, divergence }) => {
    const expected = kubectl.get(name)!;
    expect({ kubectlAccepts: expected.errors.length === 0, divergence }).toEqual({ kubectlAccepts: true, divergence });
    expect(readYamlAsKubectl(yaml).problem).toEqual(expect.any(String));
  });
});

describe('what the reader says about a file', () => {
  test('GIVEN an alias bomb WHEN read THEN the problem names the document and line and says what to do', () => {
    expect(readYamlAsKubectl(BILLION_LAUGHS).problem).toMatch(/^document 1 \(line 1\), line \d+, expands its aliases \(\*name\) .*billion laughs.*repeat the values/);
  });

  test('GIVEN a key set twice WHEN read THEN a note names the field and line and the later value is used', () => {
    const read = readYamlAsKubectl(withSpec('  hosts: [a]\n  hosts: [b]\n'));
    expect(read.documents![0].value).toMatchObject({ spec: { hosts: ['b'] } });
    expect(read.documents![0].notes).toEqual([{ path: 'spec.hosts', message: expect.stringMatching(/set twice in one mapping \(again on line 7\); the later value is used/) }]);
  });

  test('GIVEN a merge after an explicit key WHEN read THEN a note says the merge replaced it', () => {
    const read = readYamlAsKubectl(`${HEADER}base: &base {z: 2}\nspec: {z: 3, <<: *base}\n`);
    expect(read.documents![0].notes).toEqual([{ path: 'spec.z', message: expect.stringMatching(/replaced by the '<<' merge after it/) }]);
  });

  test('GIVEN a 1 MiB unquoted line that does not parse WHEN read THEN the message quotes at most 200 characters of it', () => {
    const read = readYamlAsKubectl(withSpec(`  hosts: [${'a'.repeat(1024 * 1024)}?]\n`));
    expect(read.problem!.length).toBeLessThan(600);
    expect(read.problem).toMatch(/a{200}… \(1048577 characters\)/);
  });

  test('GIVEN more documents than the limit WHEN read THEN the file is refused before anything is parsed', () => {
    const read = readYamlAsKubectl(`${HEADER}---\n`.repeat(4), { maxDocumentsPerFile: 3, maxDocumentBytes: 1000, maxFileBytes: 10_000 });
    expect(read.problem).toBe('has 4 documents; the limit is 3 per file; split it into several files');
  });

  test('GIVEN a document over the size limit WHEN read THEN the problem names it, its size and the limit', () => {
    const read = readYamlAsKubectl(`${HEADER}---\n${withSpec(`  a: ${'x'.repeat(3000)}\n`)}`, { maxDocumentsPerFile: 10, maxDocumentBytes: 2048, maxFileBytes: 10_000 });
    expect(read.problem).toBe('document 2 (line 6) is 3 KiB; one object may be at most 2 KiB, as in Kubernetes; split the object or move data out of it');
  });
});

describe('reading in slices', () => {
  test('GIVEN many documents WHEN read in slices THEN other callbacks run between documents and the result equals a read at once', async () => {
    const text = Array.from({ length: 50 }, (_, index) => HEADER.replace('external', `e${index}`)).join('---\n');
    const events: string[] = [];
    const timer = setInterval(() => events.push('other work'), 0);
    try {
      const read = await readYamlAsKubectlInSlices(text, { sliceMs: 0, onYield: () => events.push('yield') });
      expect(read).toEqual(readYamlAsKubectl(text));
      // Every document after the first is parsed in its own turn of the event loop.
      expect(events.filter((event) => event === 'yield')).toHaveLength(49);
      expect(events.indexOf('other work')).toBeGreaterThan(-1);
      expect(events.indexOf('other work')).toBeLessThan(events.lastIndexOf('yield'));
    } finally {
      clearInterval(timer);
    }
  });
});
