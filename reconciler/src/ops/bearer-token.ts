/**
 * The ops port's bearer token: read from the file `--ops-token-file` names, compared in constant
 * time so a wrong guess learns nothing from how long the refusal took.
 */
import { createHash, timingSafeEqual } from 'crypto';
import * as fs from 'fs';

/** Whether an `Authorization` header carries exactly `token` as a bearer token. */
export function isAuthorizedBearer(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? sameToken(match[1], token) : false;
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string, token: string): boolean {
  // Equal-length digests: timingSafeEqual refuses inputs of different lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * Reads the token file on every call, so a rotated token applies without a restart. An empty or
 * unreadable file yields undefined (actions refused), with the reason given to `onProblem`.
 */
export function tokenFileReader(file: string, onProblem: (message: string) => void): () => string | undefined {
  return () => {
    try {
      const token = fs.readFileSync(file, 'utf8').trim();
      if (token === '') onProblem(`--ops-token-file ${file} is empty; write a token into it (e.g. openssl rand -hex 32)`);
      return token === '' ? undefined : token;
    } catch (error) {
      onProblem(`--ops-token-file ${file} cannot be read: ${(error as Error).message}`);
      return undefined;
    }
  };
}
