import { Testing } from 'cdk8s';
import { ExternalResolution, ExternalService, ExternalServiceProps, OutboundTrafficPolicy, ServiceProtocol } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf } from '../traffic/fixtures';

describe('ExternalService', () => {
  test('GIVEN a DNS host under REGISTRY_ONLY WHEN synthesized THEN a MESH_EXTERNAL ServiceEntry in the mesh namespace opens it', () => {
    const { chart, mesh } = bookinfoChart({ outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY });
    new ExternalService(chart, 'PaymentsApi', { mesh, hosts: ['api.payments.example'], ports: [{ port: 443, protocol: ServiceProtocol.TLS }] });
    const manifests = Testing.synth(chart);
    const entry = manifests.find(m => m.kind === 'ServiceEntry');

    expect(entry.metadata).toMatchObject({ name: 'payments-api', namespace: 'mesh-system' });
    expect(entry.spec).toEqual({
      hosts: ['api.payments.example'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }],
    });
    expectValidManifests(manifests);
  });

  test('GIVEN STATIC resolution with addresses WHEN synthesized THEN the endpoints are listed', () => {
    const { chart, mesh } = bookinfoChart();
    new ExternalService(chart, 'LegacyDb', {
      mesh,
      namespace: 'bookinfo',
      hosts: ['db.legacy.internal'],
      resolution: ExternalResolution.STATIC,
      endpoints: ['10.0.0.5', '10.0.0.6'],
      ports: [{ port: 5432, protocol: ServiceProtocol.TCP }],
    });
    const manifests = Testing.synth(chart);
    const entry = manifests.find(m => m.kind === 'ServiceEntry');

    // The TCP port is told apart by the addresses clients dial: the endpoints themselves.
    expect(entry.spec).toMatchObject({ resolution: 'STATIC', addresses: ['10.0.0.5', '10.0.0.6'], endpoints: [{ address: '10.0.0.5' }, { address: '10.0.0.6' }] });
    expect(entry.metadata.namespace).toBe('bookinfo');
    expectValidManifests(manifests);
  });

  test('GIVEN a TCP port with DNS resolution and addresses WHEN synthesized THEN the ServiceEntry lists them', () => {
    const { chart, mesh } = bookinfoChart();
    new ExternalService(chart, 'Warehouse', {
      mesh, hosts: ['db.warehouse.example'], addresses: ['192.0.2.10'], ports: [{ port: 5432, protocol: ServiceProtocol.TCP }],
    });
    const manifests = Testing.synth(chart);

    expect(manifests.find(m => m.kind === 'ServiceEntry').spec).toMatchObject({ resolution: 'DNS', addresses: ['192.0.2.10'] });
    expectValidManifests(manifests);
  });

  test.each<[string, Partial<ExternalServiceProps>, RegExp]>([
    ['a TCP port with DNS resolution and no addresses', { ports: [{ port: 5432, protocol: ServiceProtocol.TCP }] },
      /'addresses' is undefined; port 5432 is TCP, and a sidecar tells TCP destinations apart by address only\. List the IP addresses/],
    ['a CIDR block with DNS resolution', { addresses: ['192.0.2.0/28'] }, /'addresses\[0\]' is "192.0.2.0\/28"; a CIDR block needs STATIC resolution/],
    ['an address that is no IP', { addresses: ['db.example'] }, /'addresses\[0\]' is "db.example"; it must be an IPv4 address or CIDR block/],
    ['no host', { hosts: [] }, /'hosts' is \[\]; an external service needs at least one host/],
    ['an unqualified host', { hosts: ['payments'] }, /'hosts\[0\]' is "payments"; it must be a fully qualified DNS name/],
    ['no port', { ports: [] }, /'ports' is \[\]/],
    ['a bad port', { ports: [{ port: 70000, protocol: ServiceProtocol.TLS }] }, /'ports\[0\].port' is 70000/],
    ['STATIC without endpoints', { resolution: ExternalResolution.STATIC }, /'endpoints' is \[\]; STATIC resolution needs endpoint addresses/],
    ['STATIC with a host name', { resolution: ExternalResolution.STATIC, endpoints: ['db.example'] }, /'endpoints\[0\]' is "db.example"; STATIC endpoints must be IP/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const { chart, mesh } = bookinfoChart();
    const error = errorOf(() => new ExternalService(chart, 'External', {
      mesh, hosts: ['api.example.com'], ports: [{ port: 443, protocol: ServiceProtocol.HTTPS }], ...props,
    }));
    expect(error).toMatch(/^\[test\/External\] /);
    expect(error).toMatch(message);
  });
});
