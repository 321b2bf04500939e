import type { WatchedResource } from '../../src/model';
import { LAST_APPLIED_ANNOTATION, trimMetadata, trimPod, watchedObjectTrim } from '../../src/config/watched-object-trim';
import { instanceFromPod } from '../../src/push/service-registry';
import { namespacesMountingRootCertificate } from '../../src/security/root-cert-publisher';
import { XDS_CREDENTIALS } from '../../src/model';

const PODS: WatchedResource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
const SECRETS: WatchedResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };
const VIRTUAL_SERVICES: WatchedResource = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService' };

/** A Pod as the API server returns it after admission and scheduling, sidecar injected. */
function fullPod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'reviews-v2-7d9f', namespace: 'bookinfo', uid: 'a1b2', resourceVersion: '4711', generateName: 'reviews-v2-',
      labels: { app: 'reviews', version: 'v2', 'security.istio.io/tlsMode': 'istio' },
      annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}', [LAST_APPLIED_ANNOTATION]: '{"huge":"copy"}' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'reviews-v2', uid: 'r1' }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
      creationTimestamp: '2026-12-07T10:00:00Z',
    },
    spec: {
      serviceAccountName: 'bookinfo-reviews',
      nodeName: 'node-1',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      volumes: [
        { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } },
        { name: 'mesh-root', configMap: { name: XDS_CREDENTIALS.rootCertConfigMap, defaultMode: 420 } },
      ],
      containers: [
        { name: 'reviews', image: 'reviews:2', env: [{ name: 'LOG_DIR', value: '/tmp/logs' }], ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }] },
        { name: 'istio-proxy', image: 'envoy', args: ['--disable-hot-restart'], ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] },
      ],
    },
    status: {
      phase: 'Running', podIP: '10.1.2.3', podIPs: [{ ip: '10.1.2.3' }], hostIP: '192.168.0.5',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-07T10:00:05Z' }, { type: 'PodScheduled', status: 'True' }],
      containerStatuses: [{ name: 'reviews', ready: true, restartCount: 0, image: 'reviews:2', imageID: 'sha256:abc' }],
    },
  };
}

describe('watched object trim', () => {
  test('GIVEN a full Pod WHEN trimmed THEN only what the reconciler reads remains', () => {
    expect(trimPod(fullPod())).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'reviews-v2-7d9f', namespace: 'bookinfo', uid: 'a1b2', resourceVersion: '4711', generateName: 'reviews-v2-',
        labels: { app: 'reviews', version: 'v2', 'security.istio.io/tlsMode': 'istio' },
        annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'reviews-v2', uid: 'r1' }],
        creationTimestamp: '2026-12-07T10:00:00Z',
      },
      spec: {
        serviceAccountName: 'bookinfo-reviews',
        containers: [
          { name: 'reviews', ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }] },
          { name: 'istio-proxy', ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] },
        ],
        volumes: [{ name: 'mesh-root', configMap: { name: XDS_CREDENTIALS.rootCertConfigMap } }],
      },
      status: {
        phase: 'Running', podIP: '10.1.2.3', podIPs: [{ ip: '10.1.2.3' }],
        conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
      },
    });
  });

  test('GIVEN a Pod WHEN trimmed THEN its workload instance and root-certificate mount read the same', () => {
    const full = fullPod();
    const trimmed = trimPod(fullPod());
    expect(instanceFromPod(trimmed as any)).toEqual(instanceFromPod(full));
    expect(instanceFromPod(trimmed as any)).toMatchObject({ address: '10.1.2.3', serviceAccount: 'bookinfo-reviews', namedPorts: { http: 9080 } });
    expect(namespacesMountingRootCertificate([trimmed as any])).toEqual(namespacesMountingRootCertificate([full]));
    expect(namespacesMountingRootCertificate([trimmed as any])).toEqual(['bookinfo']);
  });

  test('GIVEN a Pod still pending WHEN trimmed THEN no address or volumes are made up and nothing is shared with the original', () => {
    const pending = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'app', image: 'x' }] }, status: { phase: 'Pending' } };
    const trimmed = trimPod(pending) as any;
    expect(trimmed).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Pending' } });
    expect(instanceFromPod(trimmed)).toBeUndefined();
    expect(trimmed.metadata).not.toBe(pending.metadata);
  });

  test('GIVEN any other object WHEN trimmed THEN only managed fields and the last-applied copy go, the rest is kept', () => {
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: 'shop-tls', namespace: 'istio-system', resourceVersion: '9', managedFields: [{ manager: 'kubectl' }], annotations: { [LAST_APPLIED_ANNOTATION]: '{}', team: 'shop' } },
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
    };
    expect(watchedObjectTrim(SECRETS)(secret)).toEqual({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: 'shop-tls', namespace: 'istio-system', resourceVersion: '9', annotations: { team: 'shop' } },
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
    });
    expect(secret.metadata.managedFields).toEqual([{ manager: 'kubectl' }]);
  });

  test('GIVEN an object with nothing to drop WHEN trimmed THEN the same object comes back', () => {
    const virtualService = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'n' }, spec: { hosts: ['r'] } };
    expect(trimMetadata(virtualService)).toBe(virtualService);
    expect(watchedObjectTrim(VIRTUAL_SERVICES)).toBe(trimMetadata);
    expect(watchedObjectTrim(PODS)).toBe(trimPod);
  });
});
