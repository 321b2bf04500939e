import { ApiObject } from 'cdk8s';

/**
 * Argo CD sync waves: CRDs first, then the control plane, then workloads, and routing last so a
 * VirtualService never points at subsets whose pods do not exist yet.
 */
export enum SyncWave {
  CRDS = '-10',
  CONTROL_PLANE = '-5',
  WORKLOADS = '0',
  ROUTING = '5',
}

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** Tags an object with the Argo CD sync wave it belongs to. */
export function applySyncWave(apiObject: ApiObject, wave: SyncWave): void {
  apiObject.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, wave);
}
