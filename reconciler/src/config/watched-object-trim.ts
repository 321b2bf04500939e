/**
 * What the watch caches keep of an API object. Every watched object is held three times over (the
 * cache, its document, the parsed model), and in a real cluster Pods outnumber the mesh config many
 * times while most of a Pod (volumes, env, tolerations, managed fields) is never read. So the
 * caches keep of a Pod only what the mesh model and the replica discovery read, and of every
 * object its metadata without the server's field ownership records and kubectl's client-side
 * apply copy. The resourceVersion stays: the watch compares versions by it and resumes from it.
 */
import type * as k8s from '@kubernetes/client-node';
import type { WatchedResource } from '../model';

/** kubectl's client-side apply copy of the whole object: not config, and as large as the object. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type ApiObject = k8s.KubernetesObject & Record<string, unknown>;

/** The trim for objects of `resource`. */
export function watchedObjectTrim(resource: WatchedResource): (object: k8s.KubernetesObject) => k8s.KubernetesObject {
  return resource.group === '' && resource.plural === 'pods' ? trimPod : trimMetadata;
}

/** Any object: everything but `metadata.managedFields` and the last-applied annotation. */
export function trimMetadata(object: k8s.KubernetesObject): k8s.KubernetesObject {
  const metadata = object.metadata;
  if (!metadata || (metadata.managedFields === undefined && metadata.annotations?.[LAST_APPLIED_ANNOTATION] === undefined)) return object;
  return { ...object, metadata: keptMetadata(metadata) } as k8s.KubernetesObject;
}

/**
 * A Pod as the reconciler reads it: labels and annotations (workload selection, injection),
 * service account and named container ports (the workload instance), the ConfigMaps it mounts
 * (where the mesh root certificate is published), address, phase, readiness and deletion (the
 * instance and the replicas of the control plane).
 */
export function trimPod(object: k8s.KubernetesObject): k8s.KubernetesObject {
  const pod = object as ApiObject & { spec?: k8s.V1PodSpec; status?: k8s.V1PodStatus };
  const spec = pod.spec;
  const status = pod.status;
  return {
    ...(pod.apiVersion !== undefined ? { apiVersion: pod.apiVersion } : {}),
    ...(pod.kind !== undefined ? { kind: pod.kind } : {}),
    metadata: keptMetadata(pod.metadata ?? {}),
    ...(spec ? {
      spec: {
        ...(spec.serviceAccountName !== undefined ? { serviceAccountName: spec.serviceAccountName } : {}),
        containers: (spec.containers ?? []).map((container) => ({
          name: container.name,
          ...(container.ports ? { ports: container.ports.map((port) => ({ ...port })) } : {}),
        })),
        ...(spec.volumes?.some((volume) => volume.configMap) ? {
          volumes: spec.volumes.flatMap((volume) => (volume.configMap ? [{ name: volume.name, configMap: { name: volume.configMap.name } }] : [])),
        } : {}),
      },
    } : {}),
    ...(status ? {
      status: {
        ...(status.phase !== undefined ? { phase: status.phase } : {}),
        ...(status.podIP !== undefined ? { podIP: status.podIP } : {}),
        ...(status.podIPs !== undefined ? { podIPs: status.podIPs.map((address) => ({ ip: address.ip })) } : {}),
        ...(status.conditions !== undefined ? { conditions: status.conditions.map((condition) => ({ type: condition.type, status: condition.status })) } : {}),
      },
    } : {}),
  } as k8s.KubernetesObject;
}

function keptMetadata(metadata: k8s.V1ObjectMeta): k8s.V1ObjectMeta {
  const { managedFields: _managedFields, annotations, ...rest } = metadata;
  if (!annotations) return rest;
  const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...kept } = annotations;
  return { ...rest, annotations: kept };
}
