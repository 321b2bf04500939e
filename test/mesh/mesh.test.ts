import { Testing } from 'cdk8s';
import { manifest, meshChart, podSpec, reviewsService } from './fixtures';
import { AdmissionFailurePolicy, IngressGateway, InjectionMode, MtlsMode, OutboundTrafficPolicy } from '../../src';
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
    // Up to two minutes to start (CRD validator, CA) before liveness may restart it.
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/healthz', port: 15014 }, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 5 });
    // The plaintext xDS port (15010) stays on the pod's loopback: it is neither a container port nor in the Service.
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([15012, 15014, 15017]);
    expect(container.args).toContain('--source=kubernetes');
    // Exactly what the reconciler reads: its namespace, pod IP and pod name; the rest comes from --mesh-config.
    expect(container.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    expect(container.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532 });
    expect(spec.volumes).toEqual([{ name: 'mesh-config', configMap: { name: 'mesh-config' } }]);
    expect(container.volumeMounts[0]).toMatchObject({ name: 'mesh-config', mountPath: '/etc/mesh', readOnly: true });
  });

  test('GIVEN the reconciler Service WHEN synthesized THEN its ports are named by protocol', () => {
    const { chart } = meshChart();
    const service = manifest(Testing.synth(chart), 'Service', 'mesh-reconciler');
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.appProtocol])).toEqual([
      ['grpc-xds-tls', 15012, 15012, 'grpc'],
      ['http-monitoring', 15014, 15014, 'http'],
      ['https-webhook', 443, 15017, 'https'],
    ]);
    expect(service.spec.selector).toEqual({ app: 'mesh-reconciler' });
  });

  test('GIVEN the control plane WHEN synthesized THEN RBAC grants read access to exactly the kinds the reconciler reads', () => {
    const { chart } = meshChart();
    const manifests = Testing.synth(chart);
    const rules = manifest(manifests, 'ClusterRole', 'mesh-reconciler-mesh-system').rules;
    const grants = rules.filter((rule: any) => !['configmaps', 'events', 'validatingwebhookconfigurations'].includes(rule.resources[0]))
      .flatMap((rule: any) => rule.resources.map((r: any) => `${rule.apiGroups[0] || 'core'}/${r}:${rule.verbs.join(',')}`));

    expect(grants.sort()).toEqual([
      'authentication.k8s.io/tokenreviews:create',
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
    const ownRole = manifest(manifests, 'Role', 'mesh-reconciler');
    expect(ownRole.metadata.namespace).toBe('mesh-system');
    expect(ownRole.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['mesh-ca'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update', 'patch'], resourceNames: ['mesh-last-accepted'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'update'], resourceNames: ['mesh-rollouts'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['mesh-rollout-leader'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
    expect(manifest(manifests, 'RoleBinding', 'mesh-reconciler').roleRef.name).toBe('mesh-reconciler');
  });

  test('GIVEN the control plane WHEN synthesized THEN the only ConfigMap the reconciler may read or change anywhere is the mesh root certificate', () => {
    const { chart } = meshChart();
    const rules = manifest(Testing.synth(chart), 'ClusterRole', 'mesh-reconciler-mesh-system').rules;

    expect(rules.filter((rule: any) => rule.resources.includes('configmaps'))).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: ['mesh-ca-root-cert'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    ]);
  });

  test('GIVEN the control plane WHEN synthesized THEN the reconciler may hold only its rollout Lease, and only in its own namespace', () => {
    const { chart } = meshChart();
    const manifests = Testing.synth(chart);
    const leaseRules = (kind: string, name: string) => manifest(manifests, kind, name).rules.filter((rule: any) => rule.apiGroups.includes('coordination.k8s.io'));

    expect(leaseRules('ClusterRole', 'mesh-reconciler-mesh-system')).toEqual([]);
    expect(leaseRules('Role', 'mesh-reconciler')).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['mesh-rollout-leader'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
  });

  test('GIVEN a mesh namespace other than mesh-system WHEN synthesized THEN the rollout Lease and ConfigMap rules are in that namespace\'s Role', () => {
    const { chart } = meshChart({ namespace: 'platform-mesh' });
    const role = manifest(Testing.synth(chart), 'Role', 'mesh-reconciler');

    expect(role.metadata.namespace).toBe('platform-mesh');
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'update'], resourceNames: ['mesh-rollouts'] });
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

  test('GIVEN a mesh with services in two namespaces WHEN synthesized THEN a validating webhook checks the served Istio kinds of exactly the mesh namespaces', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh);
    reviewsService(chart, mesh, { name: 'ratings', namespace: 'shop' });
    const config = manifest(Testing.synth(chart), 'ValidatingWebhookConfiguration', 'mesh-reconciler-mesh-system');
    const [webhook] = config.webhooks;

    expect(webhook).toMatchObject({
      name: 'validation.mesh.cdk8s.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { service: { name: 'mesh-reconciler', namespace: 'mesh-system', path: '/validate', port: 443 } },
    });
    // The reconciler sets the CA bundle at run time with its own field manager: absent here, so no drift.
    expect(webhook.clientConfig.caBundle).toBeUndefined();
    expect(webhook.namespaceSelector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['bookinfo', 'mesh-system', 'shop'] },
    ]);
    expect(webhook.rules.map((rule: any) => [rule.apiGroups[0], rule.resources.join(','), rule.operations.join(',')])).toEqual([
      ['networking.istio.io', 'destinationrules,gateways,serviceentries,sidecars,virtualservices,workloadentries', 'CREATE,UPDATE'],
      ['security.istio.io', 'authorizationpolicies,peerauthentications,requestauthentications', 'CREATE,UPDATE'],
    ]);
  });

  test('GIVEN admissionFailurePolicy FAIL WHEN synthesized THEN the webhook refuses objects while it cannot be reached', () => {
    const { chart } = meshChart({ admissionFailurePolicy: AdmissionFailurePolicy.FAIL });
    expect(manifest(Testing.synth(chart), 'ValidatingWebhookConfiguration', 'mesh-reconciler-mesh-system').webhooks[0].failurePolicy).toBe('Fail');
  });

  test('GIVEN the control plane WHEN synthesized THEN the reconciler may record Events and patch only its own webhook configuration', () => {
    const { chart } = meshChart();
    const rules = manifest(Testing.synth(chart), 'ClusterRole', 'mesh-reconciler-mesh-system').rules;
    expect(rules).toEqual(expect.arrayContaining([
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingwebhookconfigurations'],
        verbs: ['get', 'patch'],
        resourceNames: ['mesh-reconciler-mesh-system'],
      },
    ]));
    // No cluster-wide Secret access at all: the CA Secret and gateway credentials are granted by name.
    expect(rules.filter((rule: any) => rule.resources.includes('secrets'))).toEqual([]);
  });

  test('GIVEN HTTPS gateway servers in two namespaces WHEN synthesized THEN the reconciler may read only their credential Secrets, by name, in each namespace', () => {
    const { chart, mesh } = meshChart();
    const shop = new IngressGateway(chart, 'ShopIngress', { mesh, namespace: 'shop-ingress' });
    shop.addHttpsServer({ hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    shop.addHttpsServer({ hosts: ['api.example.com'], credentialName: 'api-tls', port: 8443 });
    const admin = new IngressGateway(chart, 'AdminIngress', { mesh, namespace: 'admin-ingress', name: 'admin-gateway' });
    admin.addHttpsServer({ hosts: ['admin.example.com'], credentialName: 'admin-tls' });
    const manifests = Testing.synth(chart);
    const roles = manifests.filter(m => m.kind === 'Role' && m.metadata.name === 'mesh-reconciler-gateway-credentials');

    expect(roles.map(role => [role.metadata.namespace, role.rules])).toEqual([
      ['shop-ingress', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], resourceNames: ['api-tls', 'shop-tls'] }]],
      ['admin-ingress', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], resourceNames: ['admin-tls'] }]],
    ]);
    const bindings = manifests.filter(m => m.kind === 'RoleBinding' && m.metadata.name === 'mesh-reconciler-gateway-credentials');
    expect(bindings.map(binding => [binding.metadata.namespace, binding.subjects])).toEqual([
      ['shop-ingress', [{ kind: 'ServiceAccount', name: 'mesh-reconciler', namespace: 'mesh-system' }]],
      ['admin-ingress', [{ kind: 'ServiceAccount', name: 'mesh-reconciler', namespace: 'mesh-system' }]],
    ]);
  });
});
