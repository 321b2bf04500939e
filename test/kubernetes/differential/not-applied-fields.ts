/**
 * Objects that each set one field istiod applies but the reconciler does not translate: the
 * reconciler must still serve the object and report that field, by its path, under `notApplied` in
 * `/debug/rejected` (never drop it silently). One object per kind of field the ingest lists.
 */
import { MESH_NAMESPACE, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export interface NotAppliedField {
  readonly object: KubeObject;
  /** The field's path as the report gives it. */
  readonly path: string;
}

const networking = (kind: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: MESH_NAMESPACE }, spec });

const host = (name: string) => `${name}.not-applied.example.com`;
const HTTP_PORT = { number: SERVICE_PORT, name: 'http', protocol: 'HTTP' };

export const NOT_APPLIED_FIELDS: readonly NotAppliedField[] = [
  {
    object: networking('VirtualService', 'na-tcp', { hosts: [host('tcp')], tcp: [{ route: [{ destination: { host: host('tcp') } }] }] }),
    path: 'spec.tcp',
  },
  {
    object: networking('DestinationRule', 'na-locality', { host: host('locality'), trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN', localityLbSetting: { enabled: true } } } }),
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting',
  },
  {
    object: networking('DestinationRule', 'na-credential', { host: host('credential'), trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'upstream-ca' } } }),
    path: 'spec.trafficPolicy.tls.credentialName',
  },
  {
    object: networking('ServiceEntry', 'na-dynamic-dns', { hosts: ['*.dynamic.not-applied.example.com'], ports: [HTTP_PORT], resolution: 'DYNAMIC_DNS' }),
    path: 'spec.resolution',
  },
  {
    object: networking('ServiceEntry', 'na-san', {
      hosts: [host('san')], ports: [HTTP_PORT], resolution: 'STATIC', endpoints: [{ address: '198.18.252.1' }], subjectAltNames: ['spiffe://example.com/san'],
    }),
    path: 'spec.subjectAltNames',
  },
  {
    // Selects no router: only the report is asked for.
    object: networking('Gateway', 'na-tcp-server', {
      selector: { app: 'nobody' },
      servers: [{ port: HTTP_PORT, hosts: ['*'] }, { port: { number: 5432, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }],
    }),
    path: 'spec.servers[1]',
  },
  {
    // Selects nothing: only the report is asked for.
    object: networking('Sidecar', 'na-capture', { workloadSelector: { labels: { app: 'nobody' } }, egress: [{ hosts: ['./*'], captureMode: 'NONE' }] }),
    path: 'spec.egress[0].captureMode',
  },
];
