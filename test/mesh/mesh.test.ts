import { Testing } from 'cdk8s';
import { manifest, meshChart, podSpec, reviewsService } from './fixtures';
import { InjectionMode, MtlsMode, OutboundTrafficPolicy } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

describe('Mesh', () => {
  test('GIVEN no props WHEN synthesized THEN the control plane lives in mesh-system with the documented defaults', () => {
    const { chart, mesh } = meshChart();
    const manifests = Testing.synth(chart);

    expect(manifest(manifests, 'Namespace', 'mesh-system')).toBeDefined();
    const deployment = manifest(manifests, 'Deployment', 'mesh-reconciler');
    expect(deployment.metadata.namespace).toBe('mesh-system');
    expect(deployment.spec.replicas).toBe(2);
    expect(podSpec(deployment).containers[0].image).toBe('ghcr.io/cdk8s-mesh/reconciler:0.1.0');
    expect(mesh.proxyImage).toBe('envoyproxy/envoy:v1.40.0');
    expect(mesh.injectionMode).toBe(InjectionMode.SYNTH);
    expect(mesh.xdsHost).toBe('mesh-reconciler.mesh-system.svc');
    expect(manifests.some(m => m.kind === 'CustomResourceDefinition')).toBe(false);
    expectValidManifests(manifests);
  });

  test('GIVEN every mesh-wide setting WHEN synthesized THEN the mesh-config ConfigMap carries them as YAML', () => {
    const { chart } = meshChart({
      namespace: 'istio-system',
      trustDomain: 'example.org',
      clusterDomain: 'corp.local',
      defaultMtlsMode: MtlsMode.STRICT,
      outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY,
      injectionMode: InjectionMode.ISTIO_WEBHOOK,
    });
    const configMap = manifest(Testing.synth(chart), 'ConfigMap', 'mesh-config');

    expect(configMap.metadata.namespace).toBe('istio-system');
    expect(configMap.data['mesh.yaml'].split('\n')).toEqual(expect.arrayContaining([
      'trustDomain: example.org',
      'clusterDomain: corp.local',
      'rootNamespace: istio-system',
      'defaultMtlsMode: STRICT',
      'outboundTrafficPolicy: REGISTRY_ONLY',
      'injectionMode: ISTIO_WEBHOOK',
    ]));
  });

  test('GIVEN images, replicas and resources WHEN synthesized THEN the reconciler Deployment uses them', () => {
    const { chart } = meshChart({ reconcilerImage: 'registry.local/reconciler:9', replicas: 3 });
    const deployment = manifest(Testing.synth(chart), 'Deployment', 'mesh-reconciler');
    expect(deployment.spec.replicas).toBe(3);
    expect(podSpec(deployment).containers[0].image).toBe('registry.local/reconciler:9');
  });

  test('GIVEN the reconciler WHEN synthesized THEN it runs hardened with probes, ports, env and the mesh config', () => {
    const { chart } = meshChart();
    const spec = podSpec(manifest(Testing.synth(chart), 'Deployment', 'mesh-reconciler'));
    const container = spec.containers[0];

    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 15014 });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 15014 });
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([15010, 15012, 15014, 8080]);
    expect(container.args).toContain('--source=kubernetes');
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'MESH_NAMESPACE', value: 'mesh-system' },
      { name: 'TRUST_DOMAIN', value: 'cluster.local' },
    ]));
    expect(spec.volumes).toEqual([{ name: 'mesh-config', configMap: { name: 'mesh-config' } }]);
    expect(container.volumeMounts[0]).toMatchObject({ name: 'mesh-config', mountPath: '/etc/mesh', readOnly: true });
  });

  test('GIVEN the reconciler Service WHEN synthesized THEN its ports are named by protocol', () => {
    const { chart } = meshChart();
    const service = manifest(Testing.synth(chart), 'Service', 'mesh-reconciler');
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['grpc-xds', 15010, 'grpc'],
      ['grpc-xds-tls', 15012, 'grpc'],
      ['http-monitoring', 15014, 'http'],
      ['http-debug', 8080, 'http'],
    ]);
    expect(service.spec.selector).toEqual({ app: 'mesh-reconciler' });
  });

  test('GIVEN the control plane WHEN synthesized THEN RBAC grants read access to exactly the kinds the reconciler reads', () => {
    const { chart } = meshChart();
    const manifests = Testing.synth(chart);
    const rules = manifest(manifests, 'ClusterRole', 'mesh-reconciler-mesh-system').rules;
    const grants = rules.filter((rule: any) => !rule.resources.includes('configmaps'))
      .flatMap((rule: any) => rule.resources.map((r: any) => `${rule.apiGroups[0] || 'core'}/${r}:${rule.verbs.join(',')}`));

    expect(grants.sort()).toEqual([
      'authentication.k8s.io/tokenreviews:create',
      'core/namespaces:get,list,watch',
      'core/pods:get,list,watch',
      'core/services:get,list,watch',
      'discovery.k8s.io/endpointslices:get,list,watch',
      'networking.istio.io/destinationrules:get,list,watch',
      'networking.istio.io/gateways:get,list,watch',
      'networking.istio.io/serviceentries:get,list,watch',
      'networking.istio.io/sidecars:get,list,watch',
      'networking.istio.io/virtualservices:get,list,watch',
      'networking.istio.io/workloadentries:get,list,watch',
      'security.istio.io/authorizationpolicies:get,list,watch',
      'security.istio.io/peerauthentications:get,list,watch',
      'security.istio.io/requestauthentications:get,list,watch',
    ]);
    expect(manifest(manifests, 'ClusterRoleBinding', 'mesh-reconciler-mesh-system').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'mesh-reconciler', namespace: 'mesh-system' }]);
    const caRole = manifest(manifests, 'Role', 'mesh-reconciler-ca');
    expect(caRole.metadata.namespace).toBe('mesh-system');
    expect(caRole.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['mesh-ca'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    expect(manifest(manifests, 'RoleBinding', 'mesh-reconciler-ca').roleRef.name).toBe('mesh-reconciler-ca');
  });

  test('GIVEN the control plane WHEN synthesized THEN the only ConfigMap the reconciler may read or change anywhere is the mesh root certificate', () => {
    const { chart } = meshChart();
    const rules = manifest(Testing.synth(chart), 'ClusterRole', 'mesh-reconciler-mesh-system').rules;

    expect(rules.filter((rule: any) => rule.resources.includes('configmaps'))).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: ['mesh-ca-root-cert'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    ]);
  });

  test('GIVEN the control plane WHEN synthesized THEN a PodDisruptionBudget keeps one reconciler available', () => {
    const { chart } = meshChart();
    const budget = manifest(Testing.synth(chart), 'PodDisruptionBudget', 'mesh-reconciler');
    expect(budget.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'mesh-reconciler' } } });
  });

  test('GIVEN emitCrds WHEN synthesized THEN the Istio CRDs come first, in sync wave -10', () => {
    const { chart } = meshChart({ emitCrds: true });
    const manifests = Testing.synth(chart);
    const crds = manifests.filter(m => m.kind === 'CustomResourceDefinition');

    expect(crds.map(crd => crd.metadata.name)).toEqual(expect.arrayContaining([
      'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'peerauthentications.security.istio.io',
    ]));
    expect(manifests.slice(0, crds.length).every(m => m.kind === 'CustomResourceDefinition')).toBe(true);
    expect(new Set(crds.map(crd => crd.metadata.annotations[SYNC_WAVE]))).toEqual(new Set(['-10']));
  });

  test.each([
    ['Namespace', 'mesh-system', '-5'],
    ['Deployment', 'mesh-reconciler', '-5'],
    ['ClusterRole', 'mesh-reconciler-mesh-system', '-5'],
    ['Namespace', 'bookinfo', '-5'],
    ['Deployment', 'reviews-v1', '0'],
    ['Service', 'reviews', '0'],
    ['ConfigMap', 'reviews-sidecar-bootstrap', '0'],
    ['DestinationRule', 'reviews', '5'],
    ['VirtualService', 'reviews', '5'],
  ])('GIVEN a mesh with a service WHEN synthesized THEN %s %s is in sync wave %s', (kind, name, wave) => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh);
    expect(manifest(Testing.synth(chart), kind, name).metadata.annotations[SYNC_WAVE]).toBe(wave);
  });

  test('GIVEN a mesh with a service WHEN synthesized THEN every object has a sync wave', () => {
    const { chart, mesh } = meshChart({ emitCrds: true });
    reviewsService(chart, mesh);
    const missing = Testing.synth(chart).filter(m => m.metadata.annotations?.[SYNC_WAVE] === undefined);
    expect(missing.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([]);
  });

  test.each([
    [InjectionMode.SYNTH, 'disabled'],
    [InjectionMode.ISTIO_WEBHOOK, 'enabled'],
  ])('GIVEN injection mode %s WHEN a service uses a namespace THEN it is declared once with istio-injection=%s', (injectionMode, label) => {
    const { chart, mesh } = meshChart({ injectionMode });
    reviewsService(chart, mesh);
    reviewsService(chart, mesh, { name: 'ratings' });
    const namespaces = Testing.synth(chart).filter(m => m.kind === 'Namespace' && m.metadata.name === 'bookinfo');
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0].metadata.labels).toEqual({ 'istio-injection': label });
  });

  test.each([
    [{ namespace: 'Mesh_System' }, /\[test\/mesh\] 'namespace' is "Mesh_System"; it must be a DNS-1123 label.*Rename it\./],
    [{ replicas: 0 }, /\[test\/mesh\] 'replicas' is 0; it must be a positive integer/],
  ])('GIVEN bad props %j WHEN constructed THEN it fails naming the path, prop and value', (props, message) => {
    expect(() => meshChart(props)).toThrow(message);
  });
});
