/**
 * Ingest: multi-document YAML/JSON → validated mesh objects. Every object of the input is accounted
 * for: served (`objects`), rejected with reasons naming it and the fix, or ignored with the reason
 * (a kind the control plane does not serve). Each object is judged on its own, so one bad object is
 * rejected while the rest are still served.
 */
import type { IgnoredObject, MeshObject, NotAppliedFields, ObjectOrigin, RejectedObject } from '../push/contract';
import { DEFAULT_MESH_SETTINGS } from '../push/mesh-settings';
import { rejectedDuplicates } from './duplicate-definitions';
import { MAX_NAME_LENGTH } from './input-limits';
import { isIstioApiVersion, kindTreatment } from './ingest-kinds';
import { isRecord, objectsOfDocument } from './kubectl-objects';
import { cutForMessage, quoteForMessage } from '../model';
import { buildSemanticCheckContext, semanticProblems } from './semantic-checks';
import { unsupportedFields } from './unsupported-fields';
import { missingGatewayCredentials } from './gateway-credential-checks';
import { readYamlAsKubectl, YamlDocument } from './yaml/kubectl-yaml';

export interface IngestSource {
  /** File path or URL, quoted in rejections. */
  readonly source: string;
  readonly text: string;
  /** `text` already read; read here when absent. */
  readonly parsed?: readonly YamlDocument[];
  /** One API object rather than a file: rejections name the object's source alone, no document or line. */
  readonly apiObject?: boolean;
}

/** A schema problem in one object; the shape of the shared model's `ValidationIssue`. */
export interface ObjectValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Checks one Istio object against its CRD schema and CEL rules (the shared `IstioSchemaValidator`). */
export interface MeshObjectValidator {
  validate(object: MeshObject): readonly ObjectValidationIssue[];
  /** Whether a CRD exists for an Istio group and kind; without it every Istio kind is taken to have one. */
  knowsKind?(group: string, kind: string): boolean;
}

export interface IngestOptions {
  /** Resolves short host names in cross-object checks. @default cluster.local */
  readonly clusterDomain?: string;
  /** Keeps each document's parse and schema check while its text is unchanged (one per validator). */
  readonly cache?: IngestCache;
  /** Where each object now in effect was defined, by `objectKey`: decides between duplicate definitions. */
  readonly inEffect?: ReadonlyMap<string, ObjectOrigin>;
}

export interface IngestResult {
  readonly objects: MeshObject[];
  /** Where each served object was defined. */
  readonly origins: ReadonlyMap<MeshObject, ObjectOrigin>;
  readonly rejected: RejectedObject[];
  readonly ignored: IgnoredObject[];
  /** Served objects with fields that are not applied. */
  readonly notApplied: NotAppliedFields[];
}

interface Candidate {
  readonly key: string;
  readonly object: MeshObject;
  readonly origin: ObjectOrigin;
  /** Problems of the object on its own (name, CRD schema). */
  readonly structural: readonly string[];
  /** How the YAML was read where a user may not expect it (a key set twice). */
  readonly notes: readonly { readonly path: string; readonly message: string }[];
}

/** One source's parsed objects and what it ignores or rejects alone; never mutated once built. */
interface ParsedSource {
  readonly candidates: readonly Candidate[];
  readonly rejected: readonly RejectedObject[];
  readonly ignored: readonly IgnoredObject[];
}

/**
 * Parsed, schema-checked documents by source and text. A config change usually touches one file
 * of hundreds; re-parsing and re-validating the others on every push would dominate its latency.
 * Only the documents of the latest ingest are kept.
 */
export class IngestCache {
  private entries = new Map<string, ParsedSource>();
  /**
   * The same lookups by document: the Kubernetes source hands over one document per object
   * version, and keying thousands of them by their whole text on every push costs more than the
   * rest of an ingest.
   */
  private byDocument = new WeakMap<IngestSource, { key: string; entry: ParsedSource }>();

  /** @internal */
  sourcesOf(docs: readonly IngestSource[], parse: (doc: IngestSource) => ParsedSource): ParsedSource[] {
    const next = new Map<string, ParsedSource>();
    const parsed = docs.map((doc) => {
      const known = this.byDocument.get(doc);
      if (known && (next.get(known.key) ?? this.entries.get(known.key)) === known.entry) {
        next.set(known.key, known.entry);
        return known.entry;
      }
      const key = `${doc.source}\0${doc.text}`;
      const entry = next.get(key) ?? this.entries.get(key) ?? parse(doc);
      next.set(key, entry);
      this.byDocument.set(doc, { key, entry });
      return entry;
    });
    this.entries = next;
    return parsed;
  }
}

/** Per object: which of its fields are not applied depends on the object alone. */
const unsupportedByObject = new WeakMap<MeshObject, ReturnType<typeof unsupportedFields>>();

function unsupportedFieldsOf(object: MeshObject): ReturnType<typeof unsupportedFields> {
  let fields = unsupportedByObject.get(object);
  if (!fields) {
    fields = unsupportedFields(object);
    unsupportedByObject.set(object, fields);
  }
  return fields;
}

export function ingestDocuments(docs: readonly IngestSource[], validator?: MeshObjectValidator, options: IngestOptions = {}): IngestResult {
  const parse = (doc: IngestSource) => parseSource(doc, validator);
  const sources = options.cache ? options.cache.sourcesOf(docs, parse) : docs.map(parse);
  const rejected: RejectedObject[] = sources.flatMap((source) => source.rejected);
  const ignored = sources.flatMap((source) => source.ignored);
  const candidates = sources.flatMap((source) => source.candidates);

  const duplicates = rejectedDuplicates(candidates, options.inEffect ?? new Map(), describeOrigin);
  const schemaValid: Candidate[] = [];
  for (const candidate of candidates) {
    const reasons = [...candidate.structural, ...(duplicates.has(candidate) ? [duplicates.get(candidate)!] : [])];
    if (reasons.length > 0) {
      rejected.push(rejection(candidate, reasons));
    } else {
      schemaValid.push(candidate);
    }
  }

  // Cross-object checks see only objects that passed their own checks, as the generators will.
  const context = buildSemanticCheckContext(schemaValid.map(({ object }) => object), options.clusterDomain ?? DEFAULT_MESH_SETTINGS.clusterDomain);
  const objects: MeshObject[] = [];
  const origins = new Map<MeshObject, ObjectOrigin>();
  const notApplied: NotAppliedFields[] = [];
  const credentialGaps = missingGatewayCredentials(schemaValid.map(({ object }) => object));
  for (const candidate of schemaValid) {
    const problems = semanticProblems(candidate.object, context);
    if (problems.length > 0) {
      rejected.push(rejection(candidate, problems));
      continue;
    }
    objects.push(candidate.object);
    origins.set(candidate.object, candidate.origin);
    const fields = [
      ...candidate.notes.map(({ path, message }) => ({ path, reason: message })),
      ...unsupportedFieldsOf(candidate.object),
      ...(credentialGaps.get(candidate.object) ?? []),
    ];
    if (fields.length > 0) notApplied.push({ ...identity(candidate.object), name: candidate.object.metadata.name, origin: candidate.origin, fields });
  }
  return { objects, origins, rejected, ignored, notApplied };
}

function parseSource(doc: IngestSource, validator: MeshObjectValidator | undefined): ParsedSource {
  const candidates: Candidate[] = [];
  const rejected: RejectedObject[] = [];
  const ignored: IgnoredObject[] = [];
  const read = doc.parsed ? { documents: doc.parsed } : readYamlAsKubectl(doc.text);
  if (read.problem !== undefined) {
    return { candidates, ignored, rejected: [{ kind: 'Unknown', origin: { source: doc.source }, reasons: [`${doc.source} ${read.problem}; nothing from it is served`] }] };
  }
  for (const document of read.documents) {
    for (const { item, value } of objectsOfDocument(document.value)) {
      const origin: ObjectOrigin = doc.apiObject
        ? { source: doc.source }
        : { source: doc.source, index: document.index, line: document.line, ...(item === undefined ? {} : { item }) };
      const problem = notAnObjectProblem(value);
      if (problem) {
        rejected.push({ kind: 'Unknown', origin, reasons: [`${describeOrigin(origin)} is not a Kubernetes object: ${problem}`] });
        continue;
      }
      const object = value as MeshObject;
      const treatment = kindTreatment(object.apiVersion, object.kind, validator?.knowsKind?.bind(validator));
      if (treatment.serve) {
        candidates.push({ key: objectKey(object), object, origin, structural: structuralProblems(object, validator), notes: document.notes });
        continue;
      }
      const invalid = treatment.validate && validator ? schemaProblems(object, validator) : [];
      if (invalid.length > 0) {
        rejected.push(rejection({ object, origin }, invalid.map((reason) => `${reason} (${object.kind} is not served by this control plane, but it is checked against its CRD)`)));
      } else {
        ignored.push({ ...identity(object), apiVersion: object.apiVersion, origin, category: treatment.category, reason: treatment.reason });
      }
    }
  }
  return { candidates, rejected, ignored };
}

/** Why a document's value is no Kubernetes object; undefined when it has string `apiVersion` and `kind`. */
function notAnObjectProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `it is ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${quoteForMessage(value)}`}, not a map with 'apiVersion' and 'kind'`;
  const wrong = (['apiVersion', 'kind'] as const).filter((field) => typeof value[field] !== 'string' || value[field] === '');
  if (wrong.length === 0) return undefined;
  const described = wrong.map((field) => (value[field] === undefined ? `'${field}' is missing` : `'${field}' is ${quoteForMessage(value[field])}, not a string`)).join(' and ');
  const unquoted = wrong.some((field) => typeof value[field] === 'boolean' || typeof value[field] === 'number') ? ' (an unquoted y, yes, on or a number is not text in YAML 1.1; quote it)' : '';
  return `${described}${unquoted}; it needs string 'apiVersion' and 'kind' fields`;
}

function structuralProblems(object: MeshObject, validator: MeshObjectValidator | undefined): string[] {
  const metadata = object.metadata as unknown;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name.length === 0) {
    return ['metadata.name is missing; every object needs a name'];
  }
  const tooLong = (['name', 'namespace'] as const)
    .filter((field) => typeof metadata[field] === 'string' && metadata[field].length > MAX_NAME_LENGTH)
    .map((field) => `metadata.${field} is ${metadata[field].length} characters long; Kubernetes allows at most ${MAX_NAME_LENGTH}; shorten it`);
  if (tooLong.length > 0) return tooLong;
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    return [`metadata.namespace is ${quoteForMessage(metadata.namespace)}, not a string; quote it`];
  }
  if (!validator || !isIstioApiVersion(object.apiVersion)) {
    return [];
  }
  return schemaProblems(object, validator);
}

/** The CRD validator's issues; a validator that fails on an object rejects it rather than the whole push. */
function schemaProblems(object: MeshObject, validator: MeshObjectValidator): string[] {
  try {
    return validator.validate(object).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  } catch (error) {
    return [`could not be checked against its CRD (${cutForMessage((error as Error).message ?? String(error))}); it is not served until it can be`];
  }
}

function identity(object: MeshObject): { kind: string; namespace?: string; name?: string } {
  const metadata: Record<string, unknown> = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  // A name beyond the limit can never be served, so it never needs to match a kept version: cut it.
  const cut = (value: string | undefined) => (value !== undefined && value.length > MAX_NAME_LENGTH ? cutForMessage(value) : value);
  return { kind: object.kind, ...(namespace === undefined ? {} : { namespace: cut(namespace) }), ...(name === undefined ? {} : { name: cut(name) }) };
}

function rejection({ object, origin }: Pick<Candidate, 'object' | 'origin'>, reasons: readonly string[]): RejectedObject {
  const { kind, namespace, name } = identity(object);
  const metadata: Record<string, unknown> = isRecord(object.metadata) ? object.metadata : {};
  const text = (value: unknown, fallback: string) => cutForMessage(typeof value === 'string' ? value : fallback);
  const label = `${kind} ${text(metadata.namespace, 'default')}/${text(metadata.name, '<unnamed>')} (${describeOrigin(origin)})`;
  return { kind, namespace, name, origin, reasons: reasons.map((reason) => `${label}: ${reason}`) };
}

/** `kind/namespace/name`: one object, whatever file defines it. */
export function objectKey(object: { kind: string; metadata?: { namespace?: string; name?: string } }): string {
  return `${object.kind}/${object.metadata?.namespace ?? 'default'}/${object.metadata?.name ?? ''}`;
}

export function describeOrigin(origin: ObjectOrigin): string {
  if (origin.index === undefined) return origin.source;
  return `${origin.source} document ${origin.index + 1}${origin.item === undefined ? '' : ` item ${origin.item + 1}`}`;
}
