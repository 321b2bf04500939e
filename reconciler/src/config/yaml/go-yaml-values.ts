/**
 * Turns one parsed YAML document into the JSON value kubectl would send: go-yaml v2's decoding
 * (merge keys applied in order, so a `<<` after a key overrides it; later duplicate keys win) and
 * sigs.k8s.io/yaml's JSON conversion (keys become strings, NaN/Infinity and null keys are errors).
 * Aliases are expanded under go-yaml's own budget, so a "billion laughs" document fails after a
 * bounded amount of work while a file with a hundred uses of one anchor reads normally.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Pair, Scalar, visit, YAMLMap } from 'yaml';
import { cutForMessage } from '../../model';
import { keyString, MERGE_TAG, resolveScalar, ScalarTagMismatch, UnrepresentableScalar } from './go-yaml-scalars';

/** A reading a user may not expect, at a field path. */
export interface YamlNote {
  readonly path: string;
  readonly message: string;
}

/** Why a document cannot be read; `line` is the file's. */
export class YamlValueProblem extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

/** go-yaml's alias budget: up to 99 % of decoded nodes may come from aliases in small documents, 10 % in huge ones. */
const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decoded >= ALIAS_RATIO_RANGE_HIGH) return 0.10;
  return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
}

interface FieldPath {
  readonly parent?: FieldPath;
  readonly key: string | number;
}

function pathText(path: FieldPath | undefined): string {
  const parts: string[] = [];
  for (let at = path; at; at = at.parent) {
    parts.unshift(typeof at.key === 'number' ? `[${at.key}]` : `${parts.length === 0 && !at.parent ? '' : '.'}${at.key}`);
  }
  return parts.join('').replace(/^\./, '') || '(document)';
}

export function documentValue(document: Document, lines: LineCounter, firstLine: number): { value: unknown; notes: YamlNote[] } {
  const converter = new GoYamlConverter(document, lines, firstLine);
  const value = converter.value(document.contents, undefined);
  return { value, notes: converter.notes };
}

class GoYamlConverter {
  readonly notes: YamlNote[] = [];
  private decoded = 0;
  private decodedFromAliases = 0;
  private aliasDepth = 0;
  private readonly expanding = new Set<Node>();
  /** What each alias names: the latest anchor of that name before it (found once; `Alias.resolve` searches the document every time). */
  private readonly aliasTargets = new Map<Alias, Node>();

  constructor(document: Document, private readonly lines: LineCounter, private readonly firstLine: number) {
    const anchors = new Map<string, Node>();
    visit(document, (_, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) this.aliasTargets.set(node, target);
      } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) {
        anchors.set(node.anchor, node);
      }
    });
  }

  value(node: unknown, path: FieldPath | undefined): unknown {
    this.count(node);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.throughAlias(node, (target) => this.value(target, path));
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) return this.mapInto(node, newObject(), path);
    if (isSeq(node)) return node.items.map((item, index) => this.value(isPair(item) ? pairAsMap(item) : item, { parent: path, key: index }));
    if (isPair(node)) return this.mapInto(pairAsMap(node), newObject(), path);
    throw this.problem(node, 'holds a YAML node kubectl cannot read');
  }

  /** go-yaml counts every decoded node, and those reached through an alias separately. */
  private count(node: unknown): void {
    this.decoded += 1;
    if (this.aliasDepth > 0) this.decodedFromAliases += 1;
    if (this.decodedFromAliases > 100 && this.decoded > 1000 && this.decodedFromAliases / this.decoded > allowedAliasRatio(this.decoded)) {
      throw this.problem(node, `expands its aliases (*name) into more than ${this.decodedFromAliases} values, out of proportion to its own size `
        + '(like a "billion laughs" attack); kubectl refuses it too; repeat the values instead of nesting aliases');
    }
  }

  private throughAlias<T>(alias: Alias, read: (target: Node) => T): T {
    const target = this.aliasTargets.get(alias);
    if (!target) throw this.problem(alias, `uses the alias *${cutForMessage(alias.source)} but no anchor &${cutForMessage(alias.source)} comes before it; define the anchor first`);
    if (this.expanding.has(target)) throw this.problem(alias, `uses the alias *${cutForMessage(alias.source)} inside the value it names; an anchor cannot contain itself`);
    this.expanding.add(target);
    this.aliasDepth += 1;
    try {
      return read(target);
    } finally {
      this.aliasDepth -= 1;
      this.expanding.delete(target);
    }
  }

  private scalar(node: Scalar): unknown {
    const resolved = this.resolved(node);
    if (resolved.value instanceof UnrepresentableScalar) {
      throw this.problem(node, `has the value ${resolved.value.text}, which JSON (and so Kubernetes) cannot hold; quote it if you mean the text`);
    }
    return resolved.value;
  }

  private resolved(node: Scalar) {
    const text = node.value === null || node.value === undefined ? '' : String(node.value);
    const resolved = resolveScalar(text, node.type === 'PLAIN', node.tag);
    if (resolved instanceof ScalarTagMismatch) {
      throw this.problem(node, `has '${cutForMessage(resolved.text)}' tagged ${shortTag(resolved.tag)}, but it reads as ${shortTag(resolved.resolvedTag)}; remove the tag or fix the value`);
    }
    return resolved;
  }

  /** `duplicates`: note keys set twice; off while a merge source is applied (overriding is its purpose). */
  private mapInto(map: YAMLMap, out: Record<string, unknown>, path: FieldPath | undefined, duplicates = true): Record<string, unknown> {
    const explicit = new Set<string>();
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) {
        this.count(pair.key);
        this.merge(pair.value, out, path, explicit);
        continue;
      }
      const key = this.key(pair.key);
      const value = this.value(pair.value, { parent: path, key });
      if (duplicates && Object.prototype.hasOwnProperty.call(out, key)) {
        this.notes.push({
          path: pathText({ parent: path, key }),
          message: `is set twice in one mapping (again on line ${this.lineOf(pair.key)}); the later value is used, as kubectl does; remove one`,
        });
      }
      explicit.add(key);
      setOwn(out, key, value);
    }
    return out;
  }

  /** `<<: *base` or `<<: [*a, *b]`: entries are applied in place, over what is already set; in a list the first wins. */
  private merge(node: unknown, out: Record<string, unknown>, path: FieldPath | undefined, explicit: Set<string>): void {
    const before = new Map([...explicit].map((key) => [key, out[key]]));
    const apply = (target: Node) => {
      if (!isMap(target)) throw this.problem(node, 'merges (<<) a value that is not a map; merge a map or a list of maps');
      this.mapInto(target, out, path, false);
    };
    const mergeOne = (source: unknown) => {
      this.count(source);
      if (isAlias(source)) this.throughAlias(source, apply);
      else apply(source as Node);
    };
    if (isSeq(node)) {
      for (let index = node.items.length - 1; index >= 0; index -= 1) mergeOne(node.items[index]);
    } else if (isMap(node) || isAlias(node)) {
      mergeOne(node);
    } else {
      throw this.problem(node, 'merges (<<) a value that is not a map; merge a map or a list of maps');
    }
    for (const [key, value] of before) {
      if (out[key] !== value) {
        this.notes.push({ path: pathText({ parent: path, key }), message: "is replaced by the '<<' merge after it, as kubectl does; put '<<' first to keep the explicit value" });
      }
    }
    explicit.clear();
  }

  private key(node: unknown): string {
    this.count(node);
    if (isAlias(node)) return this.throughAlias(node, (target) => this.key(target));
    if (node === null || node === undefined) throw this.problem(node, 'has a mapping entry without a key; JSON keys must be strings');
    if (!isScalar(node)) throw this.problem(node, 'has a list or map as a mapping key; JSON keys must be strings');
    const resolved = this.resolved(node);
    const key = keyString(resolved);
    if (key === undefined) {
      throw this.problem(node, `has the key '${cutForMessage(String(node.value))}', which has no JSON form (${resolved.value === null ? 'null' : 'an unsigned 64-bit integer'}); quote the key`);
    }
    return key;
  }

  private lineOf(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]).line + this.firstLine - 1 : undefined;
  }

  private problem(node: unknown, message: string): YamlValueProblem {
    return new YamlValueProblem(message, this.lineOf(node));
  }
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && key.type === 'PLAIN' && (key.tag === undefined || key.tag === MERGE_TAG);
}

/** A lone `key: value` inside a flow sequence is a one-entry map. */
function pairAsMap(pair: Pair): YAMLMap {
  const map = new YAMLMap();
  map.items.push(pair);
  return map;
}

function newObject(): Record<string, unknown> {
  return {};
}

/** Assigns even `__proto__` as an own property, as JSON.parse does. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function shortTag(tag: string): string {
  return tag.replace('tag:yaml.org,2002:', '!!');
}
