/**
 * The version of each resource a delta-xDS proxy holds, as far as the server knows. Usually a
 * proxy holds exactly one snapshot's set of a type, which other proxies' snapshots share; that set
 * is kept by reference and only the differences from it are stored, so a thousand proxies holding
 * the same thousands of clusters do not each keep a map of them.
 */
import type { EncodedResource } from '../codec';

export class KnownVersions {
  /** Every resource here is held at its hash, unless `differences` says otherwise. */
  private base: ReadonlyMap<string, EncodedResource> = new Map();
  /** Name → version held (undefined: not held), where it differs from `base`. */
  private differences = new Map<string, string | undefined>();

  constructor(initial: Record<string, string> = {}) {
    for (const [name, version] of Object.entries(initial)) this.differences.set(name, version);
  }

  get(name: string): string | undefined {
    return this.differences.has(name) ? this.differences.get(name) : this.base.get(name)?.hash;
  }

  set(name: string, version: string): void {
    if (this.base.get(name)?.hash === version) this.differences.delete(name);
    else this.differences.set(name, version);
  }

  delete(name: string): void {
    if (this.base.has(name)) this.differences.set(name, undefined);
    else this.differences.delete(name);
  }

  /** Names held that `available` lacks: what a response must remove. */
  missingFrom(available: ReadonlyMap<string, unknown>): string[] {
    const missing: string[] = [];
    for (const [name, version] of this.differences) {
      if (version !== undefined && !available.has(name)) missing.push(name);
    }
    if (this.base === available) return missing;
    for (const name of this.base.keys()) {
      if (!this.differences.has(name) && !available.has(name)) missing.push(name);
    }
    return missing;
  }

  /** The set the proxy holds exactly (each resource at its hash, nothing else), if it does. */
  exactly(): ReadonlyMap<string, EncodedResource> | undefined {
    return this.differences.size === 0 ? this.base : undefined;
  }

  /** The proxy now holds exactly these resources, each at its hash. */
  holdExactly(resources: ReadonlyMap<string, EncodedResource>): void {
    this.base = resources;
    this.differences = new Map();
  }

  /** Names held, for tests and debugging. */
  names(): string[] {
    return [
      ...[...this.base.keys()].filter((name) => !this.differences.has(name)),
      ...[...this.differences].filter(([, version]) => version !== undefined).map(([name]) => name),
    ].sort();
  }
}
