import fc from 'fast-check';
import type { ServedVersion } from '../../src/config/last-good';
import { servedVersionsText, servedVersionsTextLength } from '../../src/config/served-versions-text';

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const version = fc.record({
  object: fc.record({ apiVersion: fc.constant('v1'), kind: fc.constantFrom('Service', 'VirtualService'), metadata: fc.record({ name: fc.string(), namespace: fc.string() }), spec: jsonValue }),
  origin: fc.record({ source: fc.string({ unit: 'grapheme' }), index: fc.option(fc.nat(), { nil: undefined }) }),
}) as fc.Arbitrary<unknown> as fc.Arbitrary<ServedVersion>;

describe('the text of served versions', () => {
  test('GIVEN any versions, some objects repeated WHEN measured THEN the length is that of the text, also when asked again', () => {
    fc.assert(fc.property(fc.array(version, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 4 }), (versions, repeats) => {
      const withRepeats = [...versions, ...repeats.filter((index) => index < versions.length).map((index) => ({ ...versions[index] }))];
      expect(servedVersionsTextLength(withRepeats)).toBe(servedVersionsText(withRepeats).length);
      expect(servedVersionsTextLength(withRepeats)).toBe(servedVersionsText(withRepeats).length);
    }), { seed: 20261208, numRuns: 300 });
  });

  test('GIVEN no versions WHEN measured THEN the length is that of []', () => {
    expect(servedVersionsTextLength([])).toBe(2);
  });
});
