import { buildBootstrapNode, ProxyNode } from '../../src/model';
import { parseProxyIdentity } from '../../src/push/proxy-identity';

const node: ProxyNode = {
  id: 'sidecar~127.0.1.1~productpage-1.bookinfo~bookinfo.svc.cluster.local',
  cluster: 'productpage.bookinfo',
  namespace: 'bookinfo',
  serviceAccount: 'bookinfo-productpage',
  name: 'productpage-1',
  labels: { app: 'productpage', version: 'v1' },
  instanceIp: '127.0.1.1',
  interceptionMode: 'NONE',
};

/** The node as protobufjs decodes it: metadata as a google.protobuf.Struct. */
function asStruct(value: unknown): unknown {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'object' && value) {
    return { structValue: { fields: Object.fromEntries(Object.entries(value).map(([key, field]) => [key, asStruct(field)])) } };
  }
  return { nullValue: 0 };
}

describe('parseProxyIdentity', () => {
  const plain = buildBootstrapNode(node) as any;
  test.each([
    ['plain JSON metadata', plain],
    ['protobuf Struct metadata', { ...plain, metadata: (asStruct(plain.metadata) as any).structValue }],
  ])('GIVEN a bootstrap node with %s WHEN parsed THEN the identity matches what the bootstrap declared', (_, xdsNode) => {
    const identity = parseProxyIdentity(xdsNode);
    expect(identity).toMatchObject({
      id: node.id, namespace: 'bookinfo', serviceAccount: 'bookinfo-productpage', name: 'productpage-1',
      labels: { app: 'productpage', version: 'v1' }, instanceIp: '127.0.1.1', interceptionMode: 'NONE',
    });
  });

  test('GIVEN only an Istio-style id WHEN parsed THEN namespace, name and IP come from the id', () => {
    expect(parseProxyIdentity({ id: node.id })).toMatchObject({ namespace: 'bookinfo', name: 'productpage-1', instanceIp: '127.0.1.1', interceptionMode: 'REDIRECT' });
  });

  test.each([
    ['no namespace', { id: 'plain-id' }, /xDS node 'plain-id' has no namespace: set node.metadata.NAMESPACE/],
    ['an unknown interception mode', { id: node.id, metadata: { INTERCEPTION_MODE: 'TPROXY' } }, /INTERCEPTION_MODE 'TPROXY'; it must be REDIRECT or NONE/],
  ])('GIVEN a node with %s WHEN parsed THEN a clear error says what to set', (_, xdsNode, message) => {
    expect(() => parseProxyIdentity(xdsNode)).toThrow(message);
  });
});
