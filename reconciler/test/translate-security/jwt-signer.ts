/** A test issuer: one ES256 key, its JWKS, and compact JWT signing with Node's crypto. */
import { generateKeyPairSync, sign } from 'node:crypto';

const KEY_ID = 'test-key';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export const JWKS = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'ES256', use: 'sig' }] });

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A signed token with the given claims, expiring in an hour unless `exp` is given. */
export function signJwt(claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: KEY_ID }));
  const payload = base64url(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${base64url(signature)}`;
}
