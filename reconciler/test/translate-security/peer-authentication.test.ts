import { resolveMtlsMode } from '../../src/xds/translate/security/peer-authentication';
import { ROOT_NAMESPACE, peerAuthentication } from './fixtures';

const WORKLOAD = { namespace: 'shop', labels: { app: 'cart', version: 'v1' } };
const PORT = 8080;

const mesh = (mode: string) => peerAuthentication(ROOT_NAMESPACE, 'default', { mtls: { mode } });
const namespaceWide = (mode: string) => peerAuthentication('shop', 'default', { mtls: { mode } });
const forCart = (spec: Record<string, unknown>) => peerAuthentication('shop', 'cart', { selector: { matchLabels: { app: 'cart' } }, ...spec });

describe('effective PeerAuthentication mode', () => {
  test.each([
    { case: 'no policy at all', objects: [], expected: 'PERMISSIVE' },
    { case: 'mesh-wide STRICT', objects: [mesh('STRICT')], expected: 'STRICT' },
    { case: 'namespace overrides mesh', objects: [mesh('STRICT'), namespaceWide('DISABLE')], expected: 'DISABLE' },
    { case: 'namespace UNSET inherits mesh', objects: [mesh('STRICT'), namespaceWide('UNSET')], expected: 'STRICT' },
    { case: 'workload overrides namespace', objects: [namespaceWide('STRICT'), forCart({ mtls: { mode: 'PERMISSIVE' } })], expected: 'PERMISSIVE' },
    { case: 'workload without mtls inherits namespace', objects: [namespaceWide('STRICT'), forCart({})], expected: 'STRICT' },
    { case: 'port-level overrides workload', objects: [forCart({ mtls: { mode: 'STRICT' }, portLevelMtls: { [PORT]: { mode: 'DISABLE' } } })], expected: 'DISABLE' },
    { case: 'port-level for another port is ignored', objects: [forCart({ mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'DISABLE' } } })], expected: 'STRICT' },
    { case: 'port-level UNSET inherits workload', objects: [forCart({ mtls: { mode: 'DISABLE' }, portLevelMtls: { [PORT]: { mode: 'UNSET' } } })], expected: 'DISABLE' },
    { case: 'port-level UNSET with UNSET workload inherits mesh', objects: [mesh('STRICT'), forCart({ mtls: { mode: 'UNSET' }, portLevelMtls: { [PORT]: { mode: 'UNSET' } } })], expected: 'STRICT' },
    { case: 'a selector that does not match is ignored', objects: [peerAuthentication('shop', 'other', { selector: { matchLabels: { app: 'other' } }, mtls: { mode: 'DISABLE' } })], expected: 'PERMISSIVE' },
    { case: 'another namespace\'s policy is ignored', objects: [peerAuthentication('billing', 'default', { mtls: { mode: 'STRICT' } })], expected: 'PERMISSIVE' },
    { case: 'a root-namespace selector policy only selects root workloads', objects: [peerAuthentication(ROOT_NAMESPACE, 'cart', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'STRICT' } })], expected: 'PERMISSIVE' },
  ])('GIVEN $case WHEN the mode of port 8080 is resolved THEN it is $expected', ({ objects, expected }) => {
    expect(resolveMtlsMode(objects, WORKLOAD, PORT, ROOT_NAMESPACE)).toBe(expected);
  });

  test('GIVEN an unknown mode WHEN resolved THEN the error names the policy, field, value and allowed modes', () => {
    expect(() => resolveMtlsMode([forCart({ mtls: { mode: 'STRICTER' } })], WORKLOAD, PORT, ROOT_NAMESPACE))
      .toThrow('PeerAuthentication shop/cart: spec.mtls.mode is "STRICTER"; use one of STRICT, PERMISSIVE, DISABLE or UNSET');
  });
});
