import {
  INBOUND_CLIENT_CERT_HCM_FIELDS, autoMtlsTransportSocketMatches, destinationRuleTlsMode, inboundFilterChains, upstreamMtlsTransportSocket, upstreamSni, upstreamTlsDecision,
} from '../../src/xds/translate/security/mtls';
import type { DestinationRuleSpec } from '../../src/push/istio-spec';
import { MtlsMode } from '../../src/xds/translate/security/peer-authentication';
import { CLUSTER_TYPE, LISTENER_TYPE, assertEncodes, httpConnectionManager } from './fixtures';

const HCM = httpConnectionManager([], INBOUND_CLIENT_CERT_HCM_FIELDS);

describe('inbound filter chains per PeerAuthentication mode', () => {
  test.each<{ mode: MtlsMode; tlsChain: boolean; plaintextChain: boolean; inspector: boolean }>([
    { mode: 'STRICT', tlsChain: true, plaintextChain: false, inspector: true },
    { mode: 'PERMISSIVE', tlsChain: true, plaintextChain: true, inspector: true },
    { mode: 'DISABLE', tlsChain: false, plaintextChain: true, inspector: false },
  ])('GIVEN mode $mode WHEN chains are built THEN tls=$tlsChain plaintext=$plaintextChain inspector=$inspector and the listener encodes', ({ mode, tlsChain, plaintextChain, inspector }) => {
    const built = inboundFilterChains({ mode, name: 'inbound|8080', networkFilters: [HCM], filterChainMatch: { destination_port: 8080 } });
    const chains = built.filter_chains as any[];

    const secured = chains.filter((chain) => chain.transport_socket);
    const plain = chains.filter((chain) => !chain.transport_socket);
    expect(secured.length).toBe(tlsChain ? 1 : 0);
    expect(plain.length).toBe(plaintextChain ? 1 : 0);
    expect(built.listener_filters.some((filter: any) => filter.name === 'envoy.filters.listener.tls_inspector')).toBe(inspector);
    for (const chain of chains) expect(chain.filter_chain_match.destination_port).toBe(8080);
    if (mode === 'PERMISSIVE') {
      expect(secured[0].filter_chain_match.transport_protocol).toBe('tls');
      expect(plain[0].filter_chain_match.transport_protocol).toBe('raw_buffer');
    }
    assertEncodes(LISTENER_TYPE, {
      name: 'inbound', address: { socket_address: { address: '127.0.0.1', port_value: 8080 } }, ...built,
    });
  });

  test('GIVEN the mTLS chain WHEN inspected THEN it requires a client certificate and takes both secrets over ADS', () => {
    const [chain] = inboundFilterChains({ mode: 'STRICT', name: 'in', networkFilters: [HCM] }).filter_chains as any[];
    const context = chain.transport_socket.typed_config;

    expect(context.require_client_certificate).toBe(true);
    expect(context.common_tls_context.tls_certificate_sds_secret_configs).toEqual([{ name: 'default', sds_config: { ads: {}, resource_api_version: 'V3' } }]);
    expect(context.common_tls_context.validation_context_sds_secret_config.name).toBe('ROOTCA');
    expect(context.common_tls_context.alpn_protocols).toEqual(['h2', 'http/1.1']);
  });
});

describe('outbound mTLS', () => {
  test.each([
    { port: 9080, subset: 'v1', host: 'reviews.default.svc.cluster.local', sni: 'outbound_.9080_.v1_.reviews.default.svc.cluster.local' },
    { port: 80, subset: undefined, host: 'cart.shop.svc.cluster.local', sni: 'outbound_.80_._.cart.shop.svc.cluster.local' },
  ])('GIVEN $host:$port subset $subset WHEN the SNI is built THEN it is $sni', ({ port, subset, host, sni }) => {
    expect(upstreamSni(port, subset, host)).toBe(sni);
  });

  test('GIVEN destination identities WHEN the upstream socket is built THEN it verifies exactly those URI SANs and encodes in a cluster', () => {
    const ids = ['spiffe://cluster.local/ns/default/sa/reviews', 'spiffe://cluster.local/ns/default/sa/reviews-v2'];
    const socket = upstreamMtlsTransportSocket({ host: 'reviews.default.svc.cluster.local', port: 9080, peerSpiffeIds: ids, alpnProtocols: ['h2'] }) as any;
    const validation = socket.typed_config.common_tls_context.combined_validation_context;

    expect(validation.default_validation_context.match_typed_subject_alt_names.map((san: any) => [san.san_type, san.matcher.exact])).toEqual(ids.map((id) => ['URI', id]));
    expect(validation.validation_context_sds_secret_config.name).toBe('ROOTCA');
    expect(socket.typed_config.sni).toBe('outbound_.9080_._.reviews.default.svc.cluster.local');
    assertEncodes(CLUSTER_TYPE, { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, transport_socket: socket });
    assertEncodes(CLUSTER_TYPE, {
      name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } },
      transport_socket_matches: autoMtlsTransportSocketMatches({ host: 'h', port: 1, peerSpiffeIds: ids }),
    });
  });

  test('GIVEN no destination identity WHEN the upstream socket is built THEN the error says which ids to pass', () => {
    expect(() => upstreamMtlsTransportSocket({ host: 'h.ns.svc', port: 80, peerSpiffeIds: [] })).toThrow('upstream mTLS to h.ns.svc:80: peerSpiffeIds is empty');
  });

  test.each<{ drMode?: string; peerMode: MtlsMode; sidecar: boolean; expected: string }>([
    { drMode: 'ISTIO_MUTUAL', peerMode: 'DISABLE', sidecar: false, expected: 'ISTIO_MUTUAL' },
    { drMode: 'DISABLE', peerMode: 'STRICT', sidecar: true, expected: 'PLAINTEXT' },
    { drMode: 'SIMPLE', peerMode: 'STRICT', sidecar: true, expected: 'USER_TLS' },
    { drMode: undefined, peerMode: 'STRICT', sidecar: true, expected: 'ISTIO_MUTUAL' },
    { drMode: undefined, peerMode: 'PERMISSIVE', sidecar: true, expected: 'ISTIO_MUTUAL' },
    { drMode: undefined, peerMode: 'DISABLE', sidecar: true, expected: 'PLAINTEXT' },
    { drMode: undefined, peerMode: 'STRICT', sidecar: false, expected: 'PLAINTEXT' },
  ])('GIVEN DestinationRule tls $drMode, peer $peerMode, sidecar=$sidecar WHEN deciding THEN $expected', ({ drMode, peerMode, sidecar, expected }) => {
    expect(upstreamTlsDecision({ destinationRuleTlsMode: drMode, destinationMtlsMode: peerMode, destinationHasSidecar: sidecar })).toBe(expected);
  });

  const rule: DestinationRuleSpec = {
    host: 'reviews',
    trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: [{ port: { number: 9090 }, tls: { mode: 'DISABLE' } }] },
    subsets: [{ name: 'legacy', trafficPolicy: { tls: { mode: 'SIMPLE' } } }, { name: 'v2', labels: { version: 'v2' } }],
  };
  test.each([
    { port: 8080, subset: undefined, expected: 'ISTIO_MUTUAL' },
    { port: 9090, subset: undefined, expected: 'DISABLE' },
    { port: 8080, subset: 'legacy', expected: 'SIMPLE' },
    { port: 9090, subset: 'v2', expected: 'DISABLE' },
  ])('GIVEN a DestinationRule WHEN the tls mode of port $port subset $subset is read THEN it is $expected', ({ port, subset, expected }) => {
    expect(destinationRuleTlsMode(rule, port, subset)).toBe(expected);
  });
});

