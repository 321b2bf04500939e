/**
 * Ingest: multi-document YAML/JSON → validated mesh objects. Each object is judged on its own, so
 * one bad object is rejected (with reasons naming it and the fix) while the rest are still served.
 */
import { parseAllDocuments } from 'yaml';
import type { MeshObject, ObjectOrigin, RejectedObject } from '../push/contract';
import { DEFAULT_MESH_SETTINGS } from '../push/mesh-settings';
import { isIstioApiVersion, isMeshKind } from './ingest-kinds';
import { buildSemanticCheckContext, semanticProblems } from './semantic-checks';

export interface IngestSource {
  /** File path or URL, quoted in rejections. */
  readonly source: string;
  readonly text: string;
}

/** A schema problem in one object; the shape of the shared model's `ValidationIssue`. */
export interface ObjectValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Checks one Istio object against its CRD schema and CEL rules (the shared `IstioSchemaValidator`). */
export interface MeshObjectValidator {
  validate(object: MeshObject): readonly ObjectValidationIssue[];
}

export interface IngestOptions {
  /** Resolves short host names in cross-object checks. @default cluster.local */
  readonly clusterDomain?: string;
  /** Keeps each document's parse and schema check while its text is unchanged (one per validator). */
  readonly cache?: IngestCache;
}

export interface IngestResult {
  readonly objects: MeshObject[];
  readonly rejected: RejectedObject[];
}

interface Candidate {
  readonly object: MeshObject;
  readonly origin: ObjectOrigin;
  /** Problems of the object on its own (name, CRD schema). */
  readonly structural: readonly string[];
}

/** One source's parsed objects and syntax rejections; never mutated once built. */
interface ParsedSource {
  readonly candidates: readonly Candidate[];
  readonly rejected: readonly RejectedObject[];
}

/**
 * Parsed, schema-checked documents by source and text. A config change usually touches one file
 * of hundreds; re-parsing and re-validating the others on every push would dominate its latency.
 * Only the documents of the latest ingest are kept.
 */
export class IngestCache {
  private entries = new Map<string, ParsedSource>();

  /** @internal */
  sourcesOf(docs: readonly IngestSource[], parse: (doc: IngestSource) => ParsedSource): ParsedSource[] {
    const next = new Map<string, ParsedSource>();
    const parsed = docs.map((doc) => {
      const key = `${doc.source}\0${doc.text}`;
      const entry = next.get(key) ?? this.entries.get(key) ?? parse(doc);
      next.set(key, entry);
      return entry;
    });
    this.entries = next;
    return parsed;
  }
}

export function ingestDocuments(docs: readonly IngestSource[], validator?: MeshObjectValidator, options: IngestOptions = {}): IngestResult {
  const parse = (doc: IngestSource) => parseSource(doc, validator);
  const sources = options.cache ? options.cache.sourcesOf(docs, parse) : docs.map(parse);
  const rejected: RejectedObject[] = sources.flatMap((source) => source.rejected);
  const candidates = sources.flatMap((source) => source.candidates);

  const schemaValid: Candidate[] = [];
  const seen = new Map<string, ObjectOrigin>();
  for (const candidate of candidates) {
    const reasons = [...candidate.structural];
    const key = objectKey(candidate.object);
    const earlier = seen.get(key);
    if (earlier) {
      reasons.push(`the same ${candidate.object.kind} is already defined in ${describeOrigin(earlier)}; rename one or remove the duplicate`);
    }
    if (reasons.length > 0) {
      rejected.push(rejection(candidate, reasons));
      continue;
    }
    seen.set(key, candidate.origin);
    schemaValid.push(candidate);
  }

  // Cross-object checks see only objects that passed their own checks, as the generators will.
  const context = buildSemanticCheckContext(schemaValid.map(({ object }) => object), options.clusterDomain ?? DEFAULT_MESH_SETTINGS.clusterDomain);
  const objects: MeshObject[] = [];
  for (const candidate of schemaValid) {
    const problems = semanticProblems(candidate.object, context);
    if (problems.length > 0) {
      rejected.push(rejection(candidate, problems));
    } else {
      objects.push(candidate.object);
    }
  }
  return { objects, rejected };
}

function parseSource(doc: IngestSource, validator: MeshObjectValidator | undefined): ParsedSource {
  const candidates: Candidate[] = [];
  const rejected: RejectedObject[] = [];
  parseAllDocuments(doc.text).forEach((parsed, index) => {
    const origin: ObjectOrigin = { source: doc.source, index };
    if (parsed.errors.length > 0) {
      rejected.push({ kind: 'Unknown', origin, reasons: parsed.errors.map((error) => `${describeOrigin(origin)} is not valid YAML: ${error.message}`) });
      return;
    }
    const value: unknown = parsed.toJS();
    // `kind: List` (kubectl's output) holds the real objects in `items`.
    const items = isRecord(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (item === null || item === undefined) {
        continue;
      }
      if (!isRecord(item) || typeof item.kind !== 'string' || typeof item.apiVersion !== 'string') {
        rejected.push({ kind: 'Unknown', origin, reasons: [`${describeOrigin(origin)} is not a Kubernetes object: it needs string 'apiVersion' and 'kind' fields`] });
        continue;
      }
      if (isMeshKind(item.kind)) {
        const object = item as unknown as MeshObject;
        candidates.push({ object, origin, structural: structuralProblems(object, validator) });
      }
    }
  });
  return { candidates, rejected };
}

function structuralProblems(object: MeshObject, validator: MeshObjectValidator | undefined): string[] {
  const metadata = object.metadata as unknown;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name.length === 0) {
    return ['metadata.name is missing; every object needs a name'];
  }
  if (!validator || !isIstioApiVersion(object.apiVersion)) {
    return [];
  }
  return validator.validate(object).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
}

function rejection({ object, origin }: Candidate, reasons: readonly string[]): RejectedObject {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name;
  const label = `${object.kind} ${namespace ?? 'default'}/${name ?? '<unnamed>'} (${describeOrigin(origin)})`;
  return { kind: object.kind, namespace, name, origin, reasons: reasons.map((reason) => `${label}: ${reason}`) };
}

function objectKey(object: MeshObject): string {
  return `${object.kind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}

function describeOrigin(origin: ObjectOrigin): string {
  return origin.index === undefined ? origin.source : `${origin.source} document ${origin.index + 1}`;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
