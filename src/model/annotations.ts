/**
 * Annotations the constructs write on synthesized objects and the reconciler reads back: one
 * spelling for both sides, so a rename cannot leave the control plane reading a key nobody writes.
 */

/** On a VirtualService: the time windows (JSON) in which its chaos fault routes are in effect. */
export const CHAOS_WINDOW_ANNOTATION = 'mesh.cdk8s.io/chaos-window';

/** On a workload: the hosts its proxy calls, so the reconciler sends that proxy only their config. */
export const DEPENDENCIES_ANNOTATION = 'mesh.cdk8s.io/dependencies';

/** On a canary's VirtualService: the declared rollout plan (JSON), for progressive delivery. */
export const ROLLOUT_ANNOTATION = 'mesh.cdk8s.io/rollout';
