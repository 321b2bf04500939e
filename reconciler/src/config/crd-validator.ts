/**
 * The CRD validator ingest uses: the shared schema and CEL checks, plus which Istio kinds have a CRD
 * at all, so a kind the control plane does not serve is still checked (and reported if invalid)
 * while a typo of a kind is told apart from it.
 */
import { IstioSchemaValidator } from '../model';
import type { MeshObject } from '../push/contract';
import type { MeshObjectValidator, ObjectValidationIssue } from './ingest';
import { isRecord } from './kubectl-objects';

export class CrdValidator implements MeshObjectValidator {
  private readonly schemas: IstioSchemaValidator;
  private readonly kinds = new Set<string>();

  constructor(crds: object[]) {
    this.schemas = new IstioSchemaValidator(crds);
    for (const crd of crds) {
      const spec = isRecord(crd) && isRecord(crd.spec) ? crd.spec : undefined;
      if (spec && typeof spec.group === 'string' && isRecord(spec.names) && typeof spec.names.kind === 'string') {
        this.kinds.add(`${spec.group}/${spec.names.kind}`);
      }
    }
  }

  validate(object: MeshObject): readonly ObjectValidationIssue[] {
    return this.schemas.validate(object);
  }

  knowsKind(group: string, kind: string): boolean {
    return this.kinds.has(`${group}/${kind}`);
  }
}
