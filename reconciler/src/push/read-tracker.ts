/**
 * Which facts of a push a piece of generation read, of those that change most often: the
 * endpoints of a service (by host name), the workload object of a proxy (`workload:<ns>/<name>`)
 * and the VirtualService of a host (`virtualService:<host>`). A value generated for one push stays
 * valid in the next one if the rest of the config is the same and none of the facts it read
 * changed, so a push after an endpoint change or a route edit reuses it.
 */
export class ReadTracker {
  private readonly open: Set<string>[] = [];

  /** Runs `build` collecting what it reads; the reads also count for any enclosing collection. */
  collect<T>(build: () => T): { value: T; reads: ReadonlySet<string> } {
    const reads = new Set<string>();
    this.open.push(reads);
    try {
      return { value: build(), reads };
    } finally {
      this.open.pop();
      this.record(reads);
    }
  }

  /** Notes reads for the innermost open collection (none open: nothing to note). */
  record(keys: Iterable<string>): void {
    const innermost = this.open[this.open.length - 1];
    if (!innermost) return;
    for (const key of keys) innermost.add(key);
  }

  note(key: string): void {
    this.open[this.open.length - 1]?.add(key);
  }
}

export function workloadReadKey(namespace: string, name: string): string {
  return `workload:${namespace}/${name}`;
}

export function virtualServiceReadKey(hostname: string): string {
  return `virtualService:${hostname}`;
}
