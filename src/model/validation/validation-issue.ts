/** One reason an object would be rejected (or silently altered) by the Kubernetes API server. */
export interface ValidationIssue {
  /** Field path inside the object, e.g. `spec.http[0].route[0].weight`; empty for the object as a whole. */
  readonly path: string;
  /** What is wrong and, where the schema says so, what is expected instead. */
  readonly message: string;
  /** The CEL rule that failed, when the issue comes from `x-kubernetes-validations`. */
  readonly rule?: string;
}
