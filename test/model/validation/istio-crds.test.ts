import { IstioSchemaValidator, ValidationIssue, findUncompilableCelRules, listCelRules } from '../../../src/model';
import { ISTIO_FIXTURE_KINDS, IstioFixtureKind, istioObjectWith, validIstioObject } from '../../support/istio-object-fixtures';
import { loadIstioCrds } from '../../support/istio-validation';

// Behaviour against Istio's real CRDs (imports/istio/crd-all.gen.yaml).

const validator = new IstioSchemaValidator(loadIstioCrds());

function issueAt(issues: ValidationIssue[], path: string): ValidationIssue | undefined {
  return issues.find((issue) => issue.path === path);
}

describe('every CEL rule in the Istio CRDs', () => {
  test('GIVEN the full CRD file WHEN each rule is compiled THEN none fails', () => {
    const rules = listCelRules(loadIstioCrds());
    expect(rules.length).toBeGreaterThan(100);

    const failures = findUncompilableCelRules(loadIstioCrds());

    expect(failures.map((failure) => `${failure.location}: ${failure.reason}`)).toEqual([]);
  });
});

describe('every served CRD version', () => {
  const servedVersions = loadIstioCrds().flatMap((crd: any) => crd.spec.versions
    .filter((version: any) => version.served)
    .map((version: any) => ({ apiVersion: `${crd.spec.group}/${version.name}`, kind: crd.spec.names.kind as string })));

  test('GIVEN the full CRD file WHEN an empty object of each served version is validated THEN every schema compiles and no rule errors', () => {
    expect(servedVersions.length).toBeGreaterThan(20);

    const outcomes = servedVersions.map(({ apiVersion, kind }) => {
      const issues = validator.validate({ apiVersion, kind, metadata: { name: 'empty', namespace: 'default' }, spec: {} });
      return { apiVersion, kind, unevaluated: issues.filter((issue) => /which this rule cannot check|cannot be checked/.test(issue.message)) };
    });

    expect(outcomes.filter((outcome) => outcome.unevaluated.length > 0)).toEqual([]);
  });
});

describe('valid Istio objects', () => {
  test.each(ISTIO_FIXTURE_KINDS)('GIVEN a valid %s WHEN validated THEN there are no issues', (kind) => {
    expect(validator.validate(validIstioObject(kind))).toEqual([]);
  });
});

interface InvalidCase {
  readonly name: string;
  readonly kind: IstioFixtureKind;
  readonly mutate: (obj: any) => void;
  readonly path: string;
  readonly message: string;
  readonly fromRule: boolean;
}

const INVALID_CASES: InvalidCase[] = [
  {
    name: 'an unparsable duration',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].timeout = '1x'; },
    path: 'spec.http[0].timeout',
    message: 'must be a valid duration greater than 1ms',
    fromRule: true,
  },
  {
    name: 'a zero timeout',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].timeout = '0s'; },
    path: 'spec.http[0].timeout',
    message: 'must be a valid duration greater than 1ms',
    fromRule: true,
  },
  {
    name: 'a misspelt field',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].foo = 'bar'; },
    path: 'spec.http[0].foo',
    message: 'unknown field "foo"',
    fromRule: false,
  },
  {
    name: 'a string weight',
    kind: 'VirtualService',
    mutate: (vs) => { vs.spec.http[0].route[0].weight = '90'; },
    path: 'spec.http[0].route[0].weight',
    message: 'must be an integer; got the string "90". Write it without quotes: 90.',
    fromRule: false,
  },
  {
    name: 'an enum value the CRD does not list',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.tls.mode = 'STRICT'; },
    path: 'spec.trafficPolicy.tls.mode',
    message: 'must be one of "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"',
    fromRule: false,
  },
  {
    name: 'a port above 65535',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.ports[0].number = 70000; },
    path: 'spec.ports[0].number',
    message: 'port must be between 1-65535',
    fromRule: true,
  },
  {
    name: 'a duplicated port number',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.ports.push({ number: 443, name: 'https-2', protocol: 'TLS' }); },
    path: 'spec.ports',
    message: 'port number cannot be duplicated',
    fromRule: true,
  },
  {
    name: 'a wildcard in a selector label',
    kind: 'AuthorizationPolicy',
    mutate: (ap) => { ap.spec.selector.matchLabels.app = 'reviews-*'; },
    path: 'spec.selector.matchLabels.app',
    message: 'wildcard not allowed in label value match',
    fromRule: true,
  },
  {
    name: 'a wildcard in a selector label key',
    kind: 'PeerAuthentication',
    mutate: (pa) => { pa.spec.selector.matchLabels['app*'] = 'reviews'; },
    path: 'spec.selector.matchLabels',
    message: 'wildcard not allowed in label key match',
    fromRule: true,
  },
  {
    name: 'portLevelMtls without a selector',
    kind: 'PeerAuthentication',
    mutate: (pa) => { delete pa.spec.selector; },
    path: 'spec',
    message: 'portLevelMtls requires selector',
    fromRule: true,
  },
  {
    name: 'both jwks and jwksUri',
    kind: 'RequestAuthentication',
    mutate: (ra) => { ra.spec.jwtRules[0].jwks = '{"keys":[]}'; },
    path: 'spec.jwtRules[0]',
    message: 'only one of jwks or jwksUri can be set',
    fromRule: true,
  },
  {
    name: 'a jwksUri that is not http(s)',
    kind: 'RequestAuthentication',
    mutate: (ra) => { ra.spec.jwtRules[0].jwksUri = 'ftp://auth.example.com/jwks'; },
    path: 'spec.jwtRules[0].jwksUri',
    message: 'url must have scheme http:// or https://',
    fromRule: true,
  },
  {
    name: 'NONE resolution with endpoints',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.resolution = 'NONE'; se.spec.endpoints = [{ address: '10.0.0.1' }]; },
    path: 'spec',
    message: 'NONE mode cannot set endpoints',
    fromRule: true,
  },
  {
    name: 'DNS_ROUND_ROBIN resolution with two endpoints',
    kind: 'ServiceEntry',
    mutate: (se) => {
      se.spec.resolution = 'DNS_ROUND_ROBIN';
      se.spec.endpoints = [{ address: 'a.example.com' }, { address: 'b.example.com' }];
    },
    path: 'spec',
    message: 'DNS_ROUND_ROBIN mode cannot have multiple endpoints',
    fromRule: true,
  },
  {
    name: 'a CIDR address with DNS resolution',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.addresses = ['10.1.0.0/16']; },
    path: 'spec',
    message: 'CIDR addresses are allowed only for NONE/STATIC resolution types',
    fromRule: true,
  },
  {
    name: 'a wildcard host',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.hosts = ['*']; },
    path: 'spec.hosts[0]',
    message: 'hostname cannot be wildcard',
    fromRule: true,
  },
  {
    name: 'an endpoint with neither address nor network',
    kind: 'ServiceEntry',
    mutate: (se) => { se.spec.resolution = 'STATIC'; se.spec.endpoints = [{ ports: { https: 8443 } }]; },
    path: 'spec.endpoints[0]',
    message: 'Address is required',
    fromRule: true,
  },
  {
    name: 'two load balancer algorithms',
    kind: 'DestinationRule',
    mutate: (dr) => { dr.spec.trafficPolicy.loadBalancer.consistentHash = { useSourceIp: true }; },
    path: 'spec.trafficPolicy.loadBalancer',
    message: 'at most one of these fields may be set: simple, consistentHash, backendUtilization; got simple, consistentHash',
    fromRule: false,
  },
  {
    name: 'a workload port name that is not a DNS label',
    kind: 'WorkloadEntry',
    mutate: (we) => { we.spec.ports = { http_port: 8080 }; },
    path: 'spec.ports',
    message: 'port name must be valid',
    fromRule: true,
  },
  {
    name: 'a wildcard in a workload selector label value',
    kind: 'Sidecar',
    mutate: (sidecar) => { sidecar.spec.workloadSelector.labels.app = '*'; },
    path: 'spec.workloadSelector.labels.app',
    message: 'wildcard is not supported in selector',
    fromRule: true,
  },
  {
    name: 'a metadata name with capitals',
    kind: 'Sidecar',
    mutate: (sidecar) => { sidecar.metadata.name = 'Reviews'; },
    path: 'metadata.name',
    message: 'must be a DNS-1123 subdomain',
    fromRule: false,
  },
];

describe('invalid Istio objects', () => {
  test.each(INVALID_CASES)('GIVEN a $kind with $name WHEN validated THEN $path is reported', (invalid) => {
    const issues = validator.validate(istioObjectWith(invalid.kind, invalid.mutate));

    const issue = issueAt(issues, invalid.path);
    expect(issues).toContainEqual(expect.objectContaining({ path: invalid.path }));
    expect(issue!.message).toContain(invalid.message);
    expect(issue!.rule !== undefined).toBe(invalid.fromRule);
  });

  test('GIVEN an unparsable duration WHEN validated THEN the message also says why the rule could not run', () => {
    const issues = validator.validate(istioObjectWith('VirtualService', (vs) => { vs.spec.http[0].timeout = '1x'; }));

    expect(issueAt(issues, 'spec.http[0].timeout')!.message).toBe('must be a valid duration greater than 1ms; got the string "1x", which this rule cannot check: it needs a duration such as "5s", "1m30s" or "100ms". Write a number followed by a unit: h, m, s, ms, us or ns.');
  });

  test('GIVEN an object with several problems WHEN validated THEN every one is reported', () => {
    const vs = istioObjectWith('VirtualService', (obj) => {
      obj.spec.http[0].timeout = '0s';
      obj.spec.http[0].route[1].weight = 'ten';
      obj.spec.hostz = ['typo'];
    });

    expect(validator.validate(vs).map((issue) => issue.path).sort())
      .toEqual(['spec.hostz', 'spec.http[0].route[1].weight', 'spec.http[0].timeout']);
  });

  test('GIVEN a v1beta1 object WHEN validated THEN the v1beta1 schema of the same CRD is used', () => {
    const vs = istioObjectWith('VirtualService', (obj) => {
      obj.apiVersion = 'networking.istio.io/v1beta1';
      obj.spec.http[0].timeout = '0s';
    });

    expect(validator.validate(vs)).toEqual([expect.objectContaining({ path: 'spec.http[0].timeout' })]);
  });
});
