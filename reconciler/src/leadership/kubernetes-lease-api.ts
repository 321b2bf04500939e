/**
 * The LeaseApi of one `coordination.k8s.io/v1` Lease through `@kubernetes/client-node` (Kubernetes
 * mode only). Lease times are MicroTime: the API server accepts them only with six fractional
 * digits, which the client writes for its V1MicroTime (a plain Date gets three and is refused);
 * it reads them back as strings, made Dates here.
 */
import * as k8s from '@kubernetes/client-node';
import { httpStatusOf } from '../config/http-status';
import { RECONCILER_FIELD_MANAGER } from '../model';
import type { LeaseApi, LeaseRecord, StoredLease } from './lease-elector';

export function kubernetesLeaseApi(kubeConfig: k8s.KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  const stored = (lease: k8s.V1Lease): StoredLease => {
    const spec = lease.spec ?? {};
    return { record: { ...spec, acquireTime: asDate(spec.acquireTime), renewTime: asDate(spec.renewTime) }, resourceVersion: lease.metadata?.resourceVersion ?? '' };
  };
  const body = (record: LeaseRecord, resourceVersion?: string): k8s.V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': RECONCILER_FIELD_MANAGER }, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { ...record, acquireTime: microTime(record.acquireTime), renewTime: microTime(record.renewTime) },
  });
  return {
    read: async () => {
      try {
        return stored(await api.readNamespacedLease({ name, namespace }));
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    },
    create: async (record) => stored(await api.createNamespacedLease({ namespace, body: body(record) })),
    replace: async (record, resourceVersion) => stored(await api.replaceNamespacedLease({ name, namespace, body: body(record, resourceVersion) })),
  };
}

function microTime(date: Date | undefined): k8s.V1MicroTime | undefined {
  return date === undefined ? undefined : new k8s.V1MicroTime(date.getTime());
}

function asDate(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
