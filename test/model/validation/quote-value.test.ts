import { cutForMessage, QUOTED_VALUE_MAX_CHARACTERS, quoteForMessage, quoteValue } from '../../../src/model/validation/quote-value';

describe('values quoted in messages', () => {
  const long = 'a'.repeat(1024 * 1024);

  test('GIVEN a value up to the limit WHEN cut THEN it is unchanged', () => {
    const atLimit = 'b'.repeat(QUOTED_VALUE_MAX_CHARACTERS);
    expect(cutForMessage(atLimit)).toBe(atLimit);
    expect(quoteValue(atLimit)).toBe(JSON.stringify(atLimit));
  });

  test('GIVEN a 1 MiB value WHEN cut or quoted THEN the message holds its first 200 characters, an ellipsis and its length', () => {
    expect(cutForMessage(long)).toBe(`${'a'.repeat(200)}… (1048576 characters)`);
    expect(quoteValue(long)).toBe(`"${'a'.repeat(200)}…" (1048576 characters)`);
    expect(quoteForMessage({ name: long }).length).toBeLessThan(250);
  });

  test('GIVEN values that are not strings, including one JSON cannot write WHEN quoted for a message THEN each is shown without throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(quoteForMessage(42)).toBe('42');
    expect(quoteForMessage({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(quoteForMessage(10n)).toBe('10');
    expect(quoteForMessage(cyclic)).toBe('[object Object]');
  });
});
