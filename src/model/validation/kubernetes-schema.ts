// The subset of a CRD's OpenAPI v3 structural schema that validation reads.

export interface CelValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
}

export interface KubernetesSchema {
  readonly 'type'?: string;
  readonly 'format'?: string;
  readonly 'nullable'?: boolean;
  readonly 'properties'?: Readonly<Record<string, KubernetesSchema>>;
  readonly 'additionalProperties'?: KubernetesSchema | boolean;
  readonly 'items'?: KubernetesSchema;
  readonly 'required'?: readonly string[];
  readonly 'enum'?: readonly unknown[];
  readonly 'oneOf'?: readonly KubernetesSchema[];
  readonly 'anyOf'?: readonly KubernetesSchema[];
  readonly 'allOf'?: readonly KubernetesSchema[];
  readonly 'not'?: KubernetesSchema;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-validations'?: readonly CelValidationRule[];
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly [keyword: string]: unknown;
}

export function preservesUnknownFields(schema: KubernetesSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

/** A CRD version the validator can check objects against. */
export interface CrdVersionSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: KubernetesSchema;
}
