import { Testing } from 'cdk8s';
import { manifest, meshChart, reviewsService } from './fixtures';
import { MeshJob } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

describe('MeshJob', () => {
  test('GIVEN a job calling a service WHEN synthesized THEN its pod runs once with the native sidecar, its own identity and the service as dependency', () => {
    const { chart, mesh } = meshChart();
    const reviews = reviewsService(chart, mesh);
    new MeshJob(chart, 'Report', { mesh, name: 'nightly-report', namespace: 'bookinfo', image: 'example/report:1.0', args: ['--once'], dependencies: [reviews] });
    const manifests = Testing.synth(chart);
    const job = manifest(manifests, 'Job', 'nightly-report');
    const pod = job.spec.template;

    expect(job.spec.backoffLimit).toBe(0);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.serviceAccountName).toBe('nightly-report');
    expect(manifest(manifests, 'ServiceAccount', 'nightly-report').metadata.namespace).toBe('bookinfo');
    // The proxy is an init container with restartPolicy Always: Kubernetes stops it once the job's container exits.
    expect(pod.spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['istio-init', undefined], ['istio-proxy', 'Always']]);
    expect(pod.spec.containers.map((c: any) => [c.name, c.image, c.args])).toEqual([['nightly-report', 'example/report:1.0', ['--once']]]);
    expect(pod.metadata.labels).toMatchObject({ 'app': 'nightly-report', 'version': 'latest', 'service.istio.io/canonical-name': 'nightly-report' });
    expect(pod.metadata.annotations['mesh.cdk8s.io/dependencies']).toBe('reviews.bookinfo.svc.cluster.local');
    expect(pod.spec.volumes.find((v: any) => v.name === 'istio-bootstrap').configMap.name).toBe('nightly-report-sidecar-bootstrap');
    expect(manifest(manifests, 'ConfigMap', 'nightly-report-sidecar-bootstrap').metadata.namespace).toBe('bookinfo');
    expectValidManifests(manifests);
  });

  test('GIVEN injectSidecar false WHEN synthesized THEN the pod has no proxy and opts out of any injection webhook', () => {
    const { chart, mesh } = meshChart();
    new MeshJob(chart, 'Plain', { mesh, name: 'plain', image: 'example/task:1.0', injectSidecar: false });
    const pod = manifest(Testing.synth(chart), 'Job', 'plain').spec.template;
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  test.each([
    [{ name: 'Bad_Name' }, /\[test\/Job\] 'name' is "Bad_Name"; it must be a DNS-1123 label/],
    [{ user: 1337 }, /\[test\/Job\] 'user' is 1337; UID 1337 is the proxy's/],
    [{ backoffLimit: -1 }, /\[test\/Job\] 'backoffLimit' is -1; it must be a non-negative integer/],
    [{ image: ' x' }, /\[test\/Job\] 'image' is " x"; it must be a container image reference/],
  ])('GIVEN bad props %j WHEN constructed THEN the error names the path, prop, value and fix', (props, message) => {
    const { chart, mesh } = meshChart();
    expect(() => new MeshJob(chart, 'Job', { mesh, name: 'job', image: 'example/task:1.0', ...props })).toThrow(message);
  });
});
