import { buildCaptureRules, CAPTURE_CHAINS, renderCaptureScript } from '../../src/model';

const rulesOf = (chain: string, options = {}) =>
  buildCaptureRules(options).filter(args => args[2] === '-A' && args[3] === chain).map(args => args.slice(4).join(' '));

describe('buildCaptureRules', () => {
  test('GIVEN defaults WHEN built THEN inbound TCP goes to 15006 except the proxy ports, outbound TCP to 15001', () => {
    expect(rulesOf(CAPTURE_CHAINS.inboundRedirect)).toEqual(['-p tcp -j REDIRECT --to-ports 15006']);
    expect(rulesOf(CAPTURE_CHAINS.outboundRedirect)).toEqual(['-p tcp -j REDIRECT --to-ports 15001']);
    expect(rulesOf(CAPTURE_CHAINS.inbound)).toEqual([
      '-p tcp --dport 15020 -j RETURN',
      '-p tcp --dport 15021 -j RETURN',
      '-p tcp --dport 15090 -j RETURN',
      `-p tcp -j ${CAPTURE_CHAINS.inboundRedirect}`,
    ]);
    expect(rulesOf(CAPTURE_CHAINS.outbound).at(-1)).toBe(`-j ${CAPTURE_CHAINS.outboundRedirect}`);
  });

  test('GIVEN defaults WHEN built THEN the proxy UID and GID 1337 are never captured, before any redirect', () => {
    const outbound = rulesOf(CAPTURE_CHAINS.outbound);
    const uidReturn = outbound.indexOf('-m owner --uid-owner 1337 -j RETURN');
    const gidReturn = outbound.indexOf('-m owner --gid-owner 1337 -j RETURN');
    const redirect = outbound.indexOf(`-j ${CAPTURE_CHAINS.outboundRedirect}`);
    expect(uidReturn).toBeGreaterThanOrEqual(0);
    expect(gidReturn).toBeGreaterThanOrEqual(0);
    expect(Math.max(uidReturn, gidReturn)).toBeLessThan(redirect);
  });

  test('GIVEN include ranges WHEN built THEN only those destinations are redirected', () => {
    const outbound = rulesOf(CAPTURE_CHAINS.outbound, { includeOutboundIpRanges: ['10.0.0.0/8', '172.16.0.0/12'] });
    expect(outbound.filter(rule => rule.endsWith(`-j ${CAPTURE_CHAINS.outboundRedirect}`))).toEqual([
      `-d 10.0.0.0/8 -j ${CAPTURE_CHAINS.outboundRedirect}`,
      `-d 172.16.0.0/12 -j ${CAPTURE_CHAINS.outboundRedirect}`,
    ]);
  });

  test('GIVEN no include range WHEN built THEN nothing outbound is redirected', () => {
    const outbound = rulesOf(CAPTURE_CHAINS.outbound, { includeOutboundIpRanges: [] });
    expect(outbound.some(rule => rule.endsWith(`-j ${CAPTURE_CHAINS.outboundRedirect}`))).toBe(false);
  });

  test.each([
    ['excludeOutboundIpRanges', { excludeOutboundIpRanges: ['169.254.169.254/32'] }, CAPTURE_CHAINS.outbound, '-d 169.254.169.254/32 -j RETURN'],
    ['excludeOutboundPorts', { excludeOutboundPorts: [5432] }, CAPTURE_CHAINS.outbound, '-p tcp --dport 5432 -j RETURN'],
    ['excludeInboundPorts', { excludeInboundPorts: [8081] }, CAPTURE_CHAINS.inbound, '-p tcp --dport 8081 -j RETURN'],
  ])('GIVEN %s WHEN built THEN the traffic returns before the redirect', (_option, options, chain, expected) => {
    const rules = rulesOf(chain, options);
    // The catch-all redirect is the chain's last rule.
    expect(rules.at(-1)).toMatch(/-j MESH_(IN_)?REDIRECT$/);
    expect(rules.indexOf(expected)).toBeGreaterThanOrEqual(0);
    expect(rules.indexOf(expected)).toBeLessThan(rules.length - 1);
  });

  test('GIVEN rules with "!" WHEN rendered as a script THEN the shell sees it quoted and stops on the first error', () => {
    const script = renderCaptureScript();
    expect(script.split('\n')[0]).toBe('set -eu');
    expect(script).toContain("-m owner '!' --uid-owner 1337");
    expect(script.trim().split('\n')).toHaveLength(buildCaptureRules().length + 1);
  });
});
