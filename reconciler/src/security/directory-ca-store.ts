/**
 * A CaStore in a directory (a mounted volume): `ca-cert.pem` and `ca-key.pem`, mode 0600.
 *
 * Creation is race-safe across processes sharing the directory: each replica writes private temp
 * files, then hard-links its key into place with link(2), which fails if the name exists. The
 * replica whose link succeeds publishes its certificate the same way; the others wait for that
 * certificate, which is the commit marker, and read the winner's pair.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CaMaterial } from './ca';
import { CaStore } from './ca-store';

export const CA_CERT_FILE = 'ca-cert.pem';
export const CA_KEY_FILE = 'ca-key.pem';

export interface DirectoryCaStoreOptions {
  /** How long a losing replica waits for the winner's certificate. @default 10000 */
  readonly publishTimeoutMs?: number;
  /** @default 50 */
  readonly pollIntervalMs?: number;
}

export class DirectoryCaStore implements CaStore {
  readonly description: string;
  private readonly certPath: string;
  private readonly keyPath: string;
  private readonly publishTimeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly directory: string, options: DirectoryCaStoreOptions = {}) {
    this.description = `CA directory ${directory}`;
    this.certPath = path.join(directory, CA_CERT_FILE);
    this.keyPath = path.join(directory, CA_KEY_FILE);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
  }

  async read(): Promise<CaMaterial | undefined> {
    const certificatePem = await readIfExists(this.certPath);
    if (certificatePem === undefined) return undefined;
    const privateKeyPem = await readIfExists(this.keyPath);
    if (privateKeyPem === undefined) {
      throw new Error(`${this.description}: ${this.certPath} exists but ${this.keyPath} is missing; restore the key or delete ${this.certPath} so a new root is created`);
    }
    return { certificatePem, privateKeyPem };
  }

  async createIfAbsent(candidate: CaMaterial): Promise<CaMaterial> {
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const suffix = `.${process.pid}.${randomUUID()}.tmp`;
    const tempKey = path.join(this.directory, `.${CA_KEY_FILE}${suffix}`);
    const tempCert = path.join(this.directory, `.${CA_CERT_FILE}${suffix}`);
    try {
      await fs.writeFile(tempKey, candidate.privateKeyPem, { flag: 'wx', mode: 0o600 });
      await fs.writeFile(tempCert, candidate.certificatePem, { flag: 'wx', mode: 0o600 });
      if (await linkIfAbsent(tempKey, this.keyPath)) {
        if (!await linkIfAbsent(tempCert, this.certPath)) {
          throw new Error(`${this.description}: ${this.certPath} appeared without its key; delete ${this.certPath} and ${this.keyPath} so a new root is created`);
        }
        return candidate;
      }
    } finally {
      await Promise.all([fs.rm(tempKey, { force: true }), fs.rm(tempCert, { force: true })]);
    }
    return this.waitForPublishedRoot();
  }

  /** Another replica holds the key name; its certificate follows shortly unless it crashed. */
  private async waitForPublishedRoot(): Promise<CaMaterial> {
    const deadline = Date.now() + this.publishTimeoutMs;
    for (;;) {
      const published = await this.read();
      if (published) return published;
      if (Date.now() >= deadline) {
        throw new Error(`${this.description}: ${this.keyPath} exists but ${this.certPath} did not appear within ${this.publishTimeoutMs} ms (a replica probably stopped while creating the root); delete ${this.keyPath} and restart`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Atomically creates `target` as a hard link to `source`; false when `target` already exists. */
async function linkIfAbsent(source: string, target: string): Promise<boolean> {
  try {
    await fs.link(source, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
