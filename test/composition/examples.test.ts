import { App, Chart, Testing } from 'cdk8s';
import { buildAbTest } from '../../examples/ab-test/main';
import { buildCanary } from '../../examples/canary/main';
import { buildChaosGameDay } from '../../examples/chaos-game-day/main';
import { buildIngressEgress } from '../../examples/ingress-egress/main';
import { buildZeroTrust } from '../../examples/zero-trust/main';
import { discoverExamples } from '../../scripts/synth-examples';
import { expectValidManifests } from '../support/istio-validation';
import { validationErrors } from '../traffic/fixtures';

const EXAMPLES: [string, (app: App) => Chart, string[]][] = [
  ['canary', buildCanary, ['VirtualService', 'DestinationRule']],
  ['ab-test', buildAbTest, ['VirtualService', 'DestinationRule']],
  ['chaos-game-day', buildChaosGameDay, ['VirtualService', 'DestinationRule']],
  ['zero-trust', buildZeroTrust, ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication']],
  ['ingress-egress', buildIngressEgress, ['Gateway', 'ServiceEntry', 'VirtualService']],
];

describe('feature examples', () => {
  test.each(EXAMPLES)('GIVEN the %s example WHEN synthesized THEN it passes validation and every object is valid', (_, build, kinds) => {
    const chart = build(Testing.app());
    expect(validationErrors(chart)).toEqual([]);
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    expect(kinds.filter(kind => !manifests.some(m => m.kind === kind))).toEqual([]);
  });

  test.each(EXAMPLES)('GIVEN the %s example WHEN synthesized twice THEN the output is identical', (_, build) => {
    expect(Testing.synth(build(Testing.app()))).toEqual(Testing.synth(build(Testing.app())));
  });

  test('GIVEN the examples folder WHEN discovered THEN the synth script finds every feature example', () => {
    expect(discoverExamples()).toEqual(expect.arrayContaining(EXAMPLES.map(([name]) => name)));
  });
});
