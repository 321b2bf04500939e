import { CelEnv, celEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { KUBERNETES_URL_FUNCTIONS } from './kubernetes-url-library';

// The CEL environment of CRD validation rules: the standard library (which includes
// duration() and timestamp()), the strings extension (substring, indexOf, ...) and the
// Kubernetes libraries the rules in Istio's CRDs call. `self` is the only declared variable;
// `oldSelf` only exists on updates, which this validator never sees.

export const SELF_VARIABLE = 'self';
export const OLD_SELF_VARIABLE = 'oldSelf';

let environment: CelEnv | undefined;

export function kubernetesCelEnvironment(): CelEnv {
  environment ??= celEnv({ funcs: [...strings, ...KUBERNETES_URL_FUNCTIONS] });
  return environment;
}
