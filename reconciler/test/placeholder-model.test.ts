import { buildEnvoyBootstrap } from '../src/model';

test('the reconciler shares the bootstrap builder with the construct library', () => {
  const bootstrap = buildEnvoyBootstrap({
    node: { id: 'n', cluster: 'c', namespace: 'default', serviceAccount: 'sa', name: 'p', labels: {}, instanceIp: '127.0.0.1', interceptionMode: 'NONE' },
    xds: { host: '127.0.0.1', port: 15010 },
  }) as any;
  expect(bootstrap.node.metadata.INTERCEPTION_MODE).toBe('NONE');
});
