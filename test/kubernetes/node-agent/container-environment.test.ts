import { ContainerConfigError, containerEnvironment, EnvironmentSources, expandVariables, parseQuantity, serviceLinkVariables } from './container-environment';
import type { Container, Pod, Service } from './pod-types';

const pod: Pod = {
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'example/web:1' }], serviceAccountName: 'web', nodeName: 'node-1' },
};
const service = (namespace: string, name: string, clusterIP: string, ports: Service['spec']['ports']): Service =>
  ({ metadata: { name, namespace }, spec: { clusterIP, ports } });
const sources = (overrides: Partial<EnvironmentSources> = {}): EnvironmentSources => ({
  pod,
  podIp: '198.18.1.9',
  hostIp: '198.18.0.1',
  configMapData: (_, name) => (name === 'settings' ? { mode: 'fast', level: '3' } : undefined),
  secretData: (_, name) => (name === 'keys' ? { token: 't0k' } : undefined),
  services: [service('default', 'kubernetes', '198.19.0.1', [{ name: 'https', port: 443 }])],
  nodeAllocatable: { cpu: '8', memory: '32Gi' },
  ...overrides,
});

describe('Kubernetes $(VAR) expansion', () => {
  const known: Record<string, string> = { A: 'alpha', B: 'beta' };
  test.each([
    ['$(A)-$(B)', 'alpha-beta'],
    ['$$(A)', '$(A)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$$(A)', '$alpha'],
    ['cost: $5', 'cost: $5'],
    ['open $(A', 'open $(A'],
    ['trailing $', 'trailing $'],
  ])('GIVEN %j WHEN expanded THEN it is %j', (input, expected) => {
    expect(expandVariables(input, (name) => known[name])).toBe(expected);
  });
});

describe('container environment', () => {
  test('GIVEN env with references, field refs and key refs WHEN resolved THEN each sees the variables defined before it', () => {
    const container: Container = {
      name: 'web',
      image: 'example/web:1',
      envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
      env: [
        { name: 'LATER', value: '$(FIRST)' },
        { name: 'FIRST', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'BOTH', value: '$(FIRST)@$(CFG_mode)/$(KUBERNETES_SERVICE_HOST)' },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'keys', key: 'token' } } },
        { name: 'MEMORY_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
      ],
    };
    const env = containerEnvironment(container, sources());
    expect(Object.fromEntries(env)).toMatchObject({
      CFG_mode: 'fast', LATER: '$(FIRST)', FIRST: 'web-0', BOTH: 'web-0@fast/198.19.0.1', APP: 'web', TOKEN: 't0k', MEMORY_MB: String(32 * 1024),
    });
    expect(env.has('OPTIONAL')).toBe(false);
  });

  test('GIVEN a reference to a missing ConfigMap key WHEN resolved THEN it fails as CreateContainerConfigError naming the key and object', () => {
    const container: Container = { name: 'web', image: 'x', env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }] };
    expect(() => containerEnvironment(container, sources())).toThrow(ContainerConfigError);
    expect(() => containerEnvironment(container, sources())).toThrow('couldn\'t find key nope in ConfigMap shop/settings');
  });

  test('GIVEN Services in several namespaces WHEN service links are made THEN only the pod\'s namespace and the kubernetes Service appear, in Docker link form', () => {
    const env = serviceLinkVariables(pod, [
      service('default', 'kubernetes', '198.19.0.1', [{ name: 'https', port: 443 }]),
      service('shop', 'cart-api', '198.19.0.7', [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }]),
      service('other', 'billing', '198.19.0.8', [{ port: 80 }]),
      service('shop', 'headless', 'None', [{ port: 80 }]),
    ]);
    expect(Object.fromEntries(env)).toEqual({
      KUBERNETES_SERVICE_HOST: '198.19.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://198.19.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://198.19.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '198.19.0.1',
      CART_API_SERVICE_HOST: '198.19.0.7',
      CART_API_SERVICE_PORT: '80',
      CART_API_SERVICE_PORT_HTTP: '80',
      CART_API_SERVICE_PORT_GRPC: '9090',
      CART_API_PORT: 'tcp://198.19.0.7:80',
      CART_API_PORT_80_TCP: 'tcp://198.19.0.7:80',
      CART_API_PORT_80_TCP_PROTO: 'tcp',
      CART_API_PORT_80_TCP_PORT: '80',
      CART_API_PORT_80_TCP_ADDR: '198.19.0.7',
      CART_API_PORT_9090_TCP: 'tcp://198.19.0.7:9090',
      CART_API_PORT_9090_TCP_PROTO: 'tcp',
      CART_API_PORT_9090_TCP_PORT: '9090',
      CART_API_PORT_9090_TCP_ADDR: '198.19.0.7',
    });
  });

  test.each([['500m', 0.5], ['2', 2], ['64Mi', 64 * 2 ** 20], ['1G', 1e9]])('GIVEN the quantity %s WHEN parsed THEN it is %d', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });
});
