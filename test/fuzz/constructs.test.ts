import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { count, duration, headerName, headerValue, host, httpMatch, mostly, name, namespace, percentage, port, version } from './arbitraries';
import { DEFAULT_FUZZ_SEED, FUZZ_RUNS, FUZZ_SEED, SynthOutcome, expectValidSynthOrPathError } from './synth-outcome';
import {
  ABTest, AbortFault, CanaryRelease, ChaosExperiment, CircuitBreaker, ExternalResolution, ExternalService, GatewayServiceType, GrpcStatus,
  IngressGateway, InjectionMode, JwtAuthentication, Mesh, MeshService, MtlsMode, MtlsPolicy, OutboundTrafficPolicy, ResiliencePolicy,
  RetryOn, ServiceAuthorization, ServiceProtocol, StickySession,
} from '../../src';

// Random valid-looking props for every construct (see ./synth-outcome for the property).

const runs = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED };
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const protocol = fc.constantFrom(...Object.values(ServiceProtocol));
const mtlsMode = fc.constantFrom(...Object.values(MtlsMode));

describe('constructs under random props', () => {
  let outcomes: SynthOutcome[] = [];
  beforeEach(() => {
    outcomes = [];
  });
  // The generators must reach valid synth too, not only errors: with the default seed every
  // construct does; another seed's 20 runs may by chance all be invalid props, which is no failure.
  afterEach(() => {
    if (FUZZ_SEED === DEFAULT_FUZZ_SEED) {
      expect(outcomes.filter((outcome) => outcome.ok).length).toBeGreaterThan(0);
    }
  });

  test('Mesh', () => {
    fc.assert(fc.property(
      fc.record({
        namespace: optional(name),
        trustDomain: optional(fc.constantFrom('cluster.local', 'example.org', '', 'Bad Domain')),
        clusterDomain: optional(fc.constantFrom('cluster.local', 'corp.internal', '', '.leading')),
        defaultMtlsMode: optional(mtlsMode),
        outboundTrafficPolicy: optional(fc.constantFrom(...Object.values(OutboundTrafficPolicy))),
        replicas: optional(count),
        reconcilerImage: optional(fc.constantFrom('example/reconciler:1', '', 'has space')),
        injectionMode: optional(fc.constantFrom(...Object.values(InjectionMode))),
      }),
      (props) => {
        outcomes.push(expectValidSynthOrPathError(({ chart }) => new Mesh(chart, 'fuzzed', props)));
      }), runs);
  });

  test('MeshService', () => {
    fc.assert(fc.property(
      name, optional(namespace), fc.uniqueArray(fc.record({ port, protocol, targetPort: optional(port), suffix: optional(mostly(fc.stringMatching(/^[a-z0-9]{1,6}$/), name)) }), { minLength: 1, maxLength: 3, selector: (entry) => entry.port })
        .map((ports) => ports.map(({ suffix, ...entry }) => ({ ...entry, name: suffix === undefined ? undefined : `${entry.protocol.toLowerCase()}-${suffix}` }))),
      fc.uniqueArray(fc.record({
        name: version, image: mostly(fc.constant('example/app:1'), fc.constantFrom('', 'has space')), replicas: optional(count), port: optional(port), user: optional(count),
      }), { maxLength: 3, selector: (entry) => entry.name }),
      fc.array(mostly(fc.constantFrom('10.0.0.0/8', '192.168.1.7'), fc.constantFrom('300.0.0.0/8', 'not-a-cidr', '')), { maxLength: 2 }), fc.array(port, { maxLength: 2 }),
      (serviceName, serviceNamespace, ports, versions, ranges, excludedPorts) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, mesh }) => new MeshService(chart, 'fuzzed', {
          mesh, name: serviceName, namespace: serviceNamespace, ports, versions, excludeOutboundIpRanges: ranges, excludeInboundPorts: excludedPorts,
        })));
      }), runs);
  });

  test('CanaryRelease', () => {
    fc.assert(fc.property(
      version, version, percentage, optional(fc.record({ name: headerName, value: headerValue })),
      optional(fc.array(fc.record({
        weight: percentage, pause: duration, maxErrorRate: optional(fc.double({ min: -1, max: 2, noNaN: true })), maxP99Latency: optional(duration),
      }), { maxLength: 4 })),
      (stable, canary, canaryWeight, alwaysCanaryHeader, steps) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new CanaryRelease(chart, 'fuzzed', { service: reviews, stable, canary, canaryWeight, alwaysCanaryHeader, steps })));
      }), runs);
  });

  test('ABTest', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ version, weight: optional(percentage) }), { maxLength: 3 }),
      fc.array(fc.record({ match: fc.array(httpMatch, { maxLength: 3 }), version, name: optional(name) }), { maxLength: 3 }),
      optional(fc.oneof(
        fc.tuple(headerName, duration).map(([cookie, ttl]) => StickySession.cookie(cookie, ttl)),
        headerName.map((header) => StickySession.header(header)),
      )),
      optional(version), optional(percentage),
      (variants, rules, stickySession, mirrorVersion, mirrorPercentage) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new ABTest(chart, 'fuzzed', { service: reviews, variants, rules, stickySession, mirrorVersion, mirrorPercentage })));
      }), runs);
  });

  test('ChaosExperiment', () => {
    fc.assert(fc.property(
      optional(version), optional(fc.record({ fixedDelay: duration, percentage: optional(percentage) })),
      optional(fc.oneof(
        fc.tuple(fc.integer({ min: 100, max: 700 }), optional(percentage)).map(([status, share]) => AbortFault.httpStatus(status, share)),
        fc.tuple(fc.constantFrom(...Object.values(GrpcStatus)), optional(percentage)).map(([status, share]) => AbortFault.grpcStatus(status, share)),
      )),
      optional(fc.array(httpMatch, { maxLength: 2 })), optional(fc.constantFrom('2030-01-01T00:00:00Z', 'tomorrow', '2030-13-01T00:00:00Z')), optional(duration),
      (serviceVersion, delay, abort, match, startTime, length) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new ChaosExperiment(chart, 'fuzzed', { service: reviews, version: serviceVersion, delay, abort, match, startTime, duration: length })));
      }), runs);
  });

  test('ResiliencePolicy', () => {
    fc.assert(fc.property(
      mostly<string | undefined>(fc.constant(undefined), version),
      optional(fc.record({
        attempts: count, perTryTimeout: optional(duration), retryOn: optional(fc.array(fc.constantFrom(...Object.values(RetryOn)), { maxLength: 4 })),
      })),
      mostly<Duration | undefined>(duration, fc.constant(undefined)),
      (serviceVersion, retries, timeout) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new ResiliencePolicy(chart, 'fuzzed', { service: reviews, version: serviceVersion, retries, timeout })));
      }), runs);
  });

  test('CircuitBreaker', () => {
    fc.assert(fc.property(
      optional(version),
      optional(fc.record({
        maxConnections: optional(count),
        connectTimeout: optional(duration),
        http1MaxPendingRequests: optional(count),
        maxRetries: optional(count),
        idleTimeout: optional(duration),
      })),
      optional(fc.record({
        consecutive5xxErrors: optional(count),
        interval: optional(duration),
        baseEjectionTime: optional(duration),
        maxEjectionPercent: optional(percentage),
      })),
      (serviceVersion, connectionPool, outlierDetection) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new CircuitBreaker(chart, 'fuzzed', { service: reviews, version: serviceVersion, connectionPool, outlierDetection })));
      }), runs);
  });

  test('MtlsPolicy', () => {
    fc.assert(fc.property(
      mtlsMode, fc.boolean(), optional(namespace), optional(fc.array(fc.record({ port, mode: mtlsMode }), { maxLength: 3 })),
      (mode, forService, policyNamespace, portOverrides) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, mesh, reviews }) => new MtlsPolicy(chart, 'fuzzed', {
          mesh, mode, service: forService ? reviews : undefined, namespace: forService ? undefined : policyNamespace, portOverrides,
        })));
      }), runs);
  });

  test('ServiceAuthorization', () => {
    fc.assert(fc.property(
      optional(fc.boolean()),
      fc.array(fc.record({
        fromNamespaces: optional(fc.array(fc.oneof(namespace, fc.constantFrom('*', 'team-*', 'n'.repeat(90))), { maxLength: 2 })),
        methods: optional(fc.array(fc.constantFrom('GET', 'POST', 'get', '', 'BREW'), { maxLength: 2 })),
        paths: optional(fc.array(fc.constantFrom('/api/*', '/', 'api', '*', ''), { maxLength: 2 })),
        ports: optional(fc.array(port, { maxLength: 2 })),
        headers: optional(fc.dictionary(headerName, fc.array(headerValue, { maxLength: 2 }), { maxKeys: 2 })),
        requireJwt: optional(fc.boolean()),
        fromProductpage: fc.boolean(),
      }), { maxLength: 3 }),
      (defaultDeny, rules) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews, productpage }) => {
          const authorization = new ServiceAuthorization(chart, 'fuzzed', { service: reviews, defaultDeny });
          for (const { fromProductpage, ...rule } of rules) {
            authorization.allow({ ...rule, fromServices: fromProductpage ? [productpage] : undefined });
          }
        }));
      }), runs);
  });

  test('JwtAuthentication', () => {
    fc.assert(fc.property(
      fc.constantFrom('https://issuer.example.com', 'issuer', ''), fc.boolean(), optional(fc.array(fc.constantFrom('api', '', 'x'.repeat(300)), { maxLength: 2 })),
      optional(fc.array(fc.record({ name: headerName, prefix: optional(fc.constantFrom('Bearer ', '')) }), { maxLength: 2 })),
      optional(fc.array(fc.constantFrom('token', '', 'access_token'), { maxLength: 2 })), optional(fc.array(fc.constantFrom('/api/*', 'api', '/'), { maxLength: 2 })),
      (issuer, withUri, audiences, fromHeaders, fromParams, requiredPaths) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, reviews }) => new JwtAuthentication(chart, 'fuzzed', {
          service: reviews,
          issuer,
          audiences,
          fromHeaders,
          fromParams,
          requiredPaths,
          ...(withUri ? { jwksUri: 'https://issuer.example.com/jwks.json' } : { jwks: '{"keys":[]}' }),
        })));
      }), runs);
  });

  test('IngressGateway', () => {
    fc.assert(fc.property(
      optional(name), optional(namespace), optional(fc.constantFrom(...Object.values(GatewayServiceType))), optional(count),
      fc.array(fc.record({
        hosts: fc.array(host, { minLength: 1, maxLength: 2 }), port: optional(port), httpsRedirect: optional(fc.boolean()),
      }), { maxLength: 2 }),
      fc.array(fc.record({ hosts: fc.array(host, { minLength: 1, maxLength: 2 }), credentialName: mostly(fc.constant('cert'), fc.constantFrom('', 'Bad Cert')), port: optional(port) }), { maxLength: 2 }),
      fc.array(fc.record({ pathPrefix: mostly(fc.constantFrom('/', '/api'), fc.constantFrom('api', '')), version: optional(version), unknownHost: mostly(fc.constant(false), fc.constant(true)) }), { maxLength: 2 }),
      (gatewayName, gatewayNamespace, serviceType, replicas, httpServers, httpsServers, routes) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, mesh, reviews }) => {
          const gateway = new IngressGateway(chart, 'fuzzed', { mesh, name: gatewayName, namespace: gatewayNamespace, serviceType, replicas });
          httpServers.forEach((server) => gateway.addHttpServer(server));
          httpsServers.forEach((server) => gateway.addHttpsServer(server));
          const servedHost = [...httpServers, ...httpsServers][0]?.hosts[0] ?? 'unserved.example.com';
          routes.forEach((route) => gateway.addRoute(route.unknownHost ? 'other.example.com' : servedHost, route.pathPrefix, reviews, route.version));
        }));
      }), runs);
  });

  test('ExternalService', () => {
    fc.assert(fc.property(
      fc.array(host, { maxLength: 3 }), fc.array(fc.record({ port, protocol }), { maxLength: 2 }),
      optional(fc.constantFrom(...Object.values(ExternalResolution))), optional(fc.array(fc.constantFrom('10.0.0.1', 'db.example.com', '2001:db8::1', '', '999.1.1.1'), { maxLength: 2 })),
      optional(namespace), optional(fc.array(fc.constantFrom('10.0.0.1', '10.0.0.0/24', 'db.example.com', ''), { maxLength: 2 })),
      (hosts, ports, resolution, endpoints, serviceNamespace, addresses) => {
        outcomes.push(expectValidSynthOrPathError(({ chart, mesh }) => new ExternalService(chart, 'fuzzed', { mesh, hosts, ports, resolution, endpoints, addresses, namespace: serviceNamespace })));
      }), runs);
  });
});

describe('the construct fuzzing property', () => {
  test('GIVEN the property WHEN a construct throws a bare TypeError THEN it fails', () => {
    expect(() => expectValidSynthOrPathError(() => {
      (undefined as any).missing;
    })).toThrow(/without naming a construct path/);
    expect(expectValidSynthOrPathError(({ chart, reviews }) => new CanaryRelease(chart, 'c', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 120 })))
      .toMatchObject({ ok: false, message: expect.stringContaining('test/c') });
  });
});
