import { buildEnvoyBootstrap, FILE_BASED_METADATA_CREDENTIALS, METRICS_SERVICE_SINK, NODE_METADATA, ProxyNode, SIDECAR_PORTS, XDS_CLUSTER_NAME } from '../../src/model';

const node: ProxyNode = {
  id: 'sidecar~10.0.0.7~reviews-v2-abc.bookinfo~bookinfo.svc.cluster.local',
  cluster: 'reviews.bookinfo',
  namespace: 'bookinfo',
  serviceAccount: 'reviews',
  name: 'reviews-v2-abc',
  labels: { app: 'reviews', version: 'v2' },
  instanceIp: '10.0.0.7',
  interceptionMode: 'REDIRECT',
};

describe('buildEnvoyBootstrap', () => {
  test('GIVEN a proxy WHEN built THEN the node carries identity metadata and a locality', () => {
    const bootstrap = buildEnvoyBootstrap({ node, xds: { host: 'mesh-reconciler.mesh-system.svc', port: 15010 } }) as any;
    expect(bootstrap.node.id).toBe(node.id);
    expect(bootstrap.node.locality).toEqual({ region: '', zone: '', sub_zone: '' });
    expect(bootstrap.node.metadata[NODE_METADATA.namespace]).toBe('bookinfo');
    expect(bootstrap.node.metadata[NODE_METADATA.serviceAccount]).toBe('reviews');
    expect(bootstrap.node.metadata[NODE_METADATA.labels]).toEqual({ app: 'reviews', version: 'v2' });
    expect(bootstrap.node.metadata[NODE_METADATA.interceptionMode]).toBe('REDIRECT');
  });

  test('GIVEN defaults THEN admin listens on localhost only and ADS points at the reconciler', () => {
    const bootstrap = buildEnvoyBootstrap({ node, xds: { host: 'mesh-reconciler.mesh-system.svc', port: 15010 } }) as any;
    expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: SIDECAR_PORTS.admin });
    expect(bootstrap.dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name).toBe(XDS_CLUSTER_NAME);
    const xds = bootstrap.static_resources.clusters.find((c: any) => c.name === XDS_CLUSTER_NAME);
    expect(xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address)
      .toEqual({ address: 'mesh-reconciler.mesh-system.svc', port_value: 15010 });
    expect(xds.transport_socket).toBeUndefined();
  });

  test('GIVEN a CA file THEN the xDS channel uses TLS verified against it', () => {
    const bootstrap = buildEnvoyBootstrap({
      node,
      xds: { host: 'mesh-reconciler.mesh-system.svc', port: 15012, caCertFile: '/var/run/mesh/root-cert.pem', serverName: 'mesh-reconciler.mesh-system.svc' },
    }) as any;
    const xds = bootstrap.static_resources.clusters.find((c: any) => c.name === XDS_CLUSTER_NAME);
    const tls = xds.transport_socket.typed_config;
    expect(tls.common_tls_context.validation_context.trusted_ca.filename).toBe('/var/run/mesh/root-cert.pem');
    expect(tls.sni).toBe('mesh-reconciler.mesh-system.svc');
  });

  test('GIVEN custom ports THEN the readiness and Prometheus listeners use them', () => {
    const bootstrap = buildEnvoyBootstrap({ node, xds: { host: 'x', port: 1 }, readinessPort: 25021, prometheusPort: 25090 }) as any;
    const ports = bootstrap.static_resources.listeners.map((l: any) => l.address.socket_address.port_value);
    expect(ports).toEqual([25090, 25021]);
  });

  describe('stats streaming', () => {
    const sinkOf = (bootstrap: any) => bootstrap.stats_sinks?.find((sink: any) => sink.name === METRICS_SERVICE_SINK)?.typed_config;

    test('GIVEN defaults THEN stats flush every 5 s to the metrics service over the xds-grpc cluster, as deltas with full names', () => {
      const bootstrap = buildEnvoyBootstrap({ node, xds: { host: 'mesh-reconciler.mesh-system.svc', port: 15010 } }) as any;

      expect(bootstrap.stats_flush_interval).toBe('5s');
      expect(sinkOf(bootstrap)).toEqual({
        '@type': 'type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig',
        'transport_api_version': 'V3',
        'grpc_service': { envoy_grpc: { cluster_name: XDS_CLUSTER_NAME } },
        'report_counters_as_deltas': true,
        'emit_tags_as_labels': false,
        'histogram_emit_mode': 'HISTOGRAM',
      });
    });

    test('GIVEN a token file THEN stats go over the same Google gRPC channel, with the same TLS and token, as ADS', () => {
      const xds = { host: 'r.mesh.svc', port: 15012, caCertFile: '/ca.pem', serverName: 'r.mesh.svc', tokenFile: '/token' };
      const bootstrap = buildEnvoyBootstrap({ node, xds }) as any;

      expect(sinkOf(bootstrap).grpc_service).toEqual(bootstrap.dynamic_resources.ads_config.grpc_services[0]);
      expect(sinkOf(bootstrap).grpc_service.google_grpc.call_credentials[0].from_plugin.typed_config.secret_data.filename).toBe('/token');
    });

    test.each([[1000, '1s'], [2500, '2.5s'], [300_000, '300s']])('GIVEN a flush interval of %d ms THEN Envoy flushes every %s', (milliseconds, duration) => {
      expect((buildEnvoyBootstrap({ node, xds: { host: 'x', port: 1 }, statsFlushIntervalMs: milliseconds }) as any).stats_flush_interval).toBe(duration);
    });

    test.each([0, -5, 1.5, 300_001])('GIVEN a flush interval of %d ms WHEN built THEN the error names the value, the range and the default', (milliseconds) => {
      expect(() => buildEnvoyBootstrap({ node, xds: { host: 'x', port: 1 }, statsFlushIntervalMs: milliseconds }))
        .toThrow(`statsFlushIntervalMs is ${milliseconds}; Envoy accepts a whole number of milliseconds from 1 to 300000 (5 minutes). Use 5000 (the default)`);
    });

    test('GIVEN streamStats false THEN no sink is configured', () => {
      expect((buildEnvoyBootstrap({ node, xds: { host: 'x', port: 1 }, streamStats: false }) as any).stats_sinks).toBeUndefined();
    });

    test('GIVEN a workload name THEN the node names it in WORKLOAD_NAME; without one the key is absent', () => {
      expect((buildEnvoyBootstrap({ node: { ...node, workloadName: 'reviews-v2' }, xds: { host: 'x', port: 1 } }) as any).node.metadata[NODE_METADATA.workloadName]).toBe('reviews-v2');
      expect((buildEnvoyBootstrap({ node, xds: { host: 'x', port: 1 } }) as any).node.metadata).not.toHaveProperty(NODE_METADATA.workloadName);
    });
  });

  describe('with a token file', () => {
    const securedXds = {
      host: 'mesh-reconciler.mesh-system.svc',
      port: 15012,
      caCertFile: '/var/run/secrets/mesh/root-cert.pem',
      serverName: 'mesh-reconciler.mesh-system.svc',
      tokenFile: '/var/run/secrets/tokens/istio-token',
    };

    test('GIVEN a token file THEN ADS goes over Google gRPC with the token as a Bearer authorization header', () => {
      const bootstrap = buildEnvoyBootstrap({ node, xds: securedXds }) as any;

      const service = bootstrap.dynamic_resources.ads_config.grpc_services[0].google_grpc;
      expect(service.target_uri).toBe('mesh-reconciler.mesh-system.svc:15012');
      const plugin = service.call_credentials[0].from_plugin;
      expect(plugin.name).toBe(FILE_BASED_METADATA_CREDENTIALS);
      expect(plugin.typed_config).toMatchObject({
        secret_data: { filename: securedXds.tokenFile },
        header_key: 'authorization',
        header_prefix: 'Bearer ',
      });
      expect(service.credentials_factory_name).toBe(FILE_BASED_METADATA_CREDENTIALS);
    });

    test('GIVEN a token file THEN the channel trusts the mesh root and verifies the reconciler name', () => {
      const service = (buildEnvoyBootstrap({ node, xds: securedXds }) as any).dynamic_resources.ads_config.grpc_services[0].google_grpc;

      expect(service.channel_credentials.ssl_credentials.root_certs.filename).toBe(securedXds.caCertFile);
      expect(service.channel_args.args['grpc.ssl_target_name_override'].string_value).toBe(securedXds.serverName);
    });

    test('GIVEN a token file THEN no static xDS cluster is left unused', () => {
      const bootstrap = buildEnvoyBootstrap({ node, xds: securedXds }) as any;

      expect(bootstrap.static_resources.clusters.map((c: any) => c.name)).not.toContain(XDS_CLUSTER_NAME);
    });

    test('GIVEN a token file without a CA file WHEN built THEN the error names both fields and the fix', () => {
      expect(() => buildEnvoyBootstrap({ node, xds: { host: 'x', port: 15010, tokenFile: '/t' } }))
        .toThrow("xds.tokenFile is '/t' but xds.caCertFile is not set; a token must not travel in plaintext, so also set caCertFile");
    });
  });
});
