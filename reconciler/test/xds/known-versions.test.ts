import type { EncodedResource } from '../../src/xds/codec';
import { KnownVersions } from '../../src/xds/ads/known-versions';

function set(entries: Record<string, string>): Map<string, EncodedResource> {
  return new Map(Object.entries(entries).map(([name, hash]) => [name, { name, hash, typeUrl: 't', bytes: new Uint8Array(), json: {} }]));
}

describe('versions a delta proxy holds', () => {
  test('GIVEN initial versions from a reconnecting proxy WHEN read THEN they are held until told otherwise', () => {
    const known = new KnownVersions({ a: '1', b: '2' });
    known.delete('b');
    expect(known.get('a')).toBe('1');
    expect(known.get('b')).toBeUndefined();
    expect(known.names()).toEqual(['a']);
  });

  test('GIVEN a proxy that holds a whole set WHEN single resources change THEN the set answers for the rest', () => {
    const snapshot = set({ a: '1', b: '2', c: '3' });
    const known = new KnownVersions();
    known.holdExactly(snapshot);
    known.set('b', '9');
    known.delete('c');
    expect([known.get('a'), known.get('b'), known.get('c')]).toEqual(['1', '9', undefined]);
    expect(known.names()).toEqual(['a', 'b']);
  });

  test.each([
    ['the held set itself', undefined, ['x']],
    ['a set without b', { a: '1' }, ['b', 'x']],
    ['an empty set', {}, ['a', 'b', 'x']],
  ])('GIVEN a proxy holding a set and also x WHEN compared with %s THEN the names to remove are the held ones it lacks', (_, next, missing) => {
    const held = set({ a: '1', b: '2' });
    const known = new KnownVersions();
    known.holdExactly(held);
    known.set('x', '7');
    expect(known.missingFrom(next ? set(next) : held).sort()).toEqual(missing);
  });
});
