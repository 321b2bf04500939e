/**
 * A token issuer created by the test: an ES256 key generated per run, its JWKS (inlined into the
 * JwtAuthentication) and signing of tokens that are valid or broken in one chosen way.
 */
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class TestIssuer {
  readonly jwks: string;
  private readonly privateKey: KeyObject;

  constructor(readonly issuer: string, private readonly keyId = 'e2e-key') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: keyId, alg: 'ES256', use: 'sig' }] });
  }

  /** A token of this issuer valid for an hour, with `claims` overriding the defaults. */
  token(claims: Record<string, unknown> = {}): string {
    return this.signWith(this.privateKey, claims);
  }

  /** Signed by a key the JWKS does not hold (same key id, so only the signature is wrong). */
  tokenWithForeignSignature(claims: Record<string, unknown> = {}): string {
    return this.signWith(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, claims);
  }

  private signWith(key: KeyObject, claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: this.keyId }));
    const payload = base64url(JSON.stringify({ iss: this.issuer, sub: 'user-1', iat: now, exp: now + 3600, ...claims }));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${base64url(signature)}`;
  }
}
