/**
 * A minimal Kubernetes API server on loopback: list and watch for a fixed set of collections,
 * enough for informers. Objects change through `apply`/`remove`, which also notify open watches.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  [field: string]: unknown;
}

export class FakeKubeApi {
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly collections = new Map<string, Map<string, StoredObject>>();
  private readonly watchers = new Map<string, Set<http.ServerResponse>>();
  /** Every change, so a watch from a resourceVersion replays what happened after it, as the API server does. */
  private readonly history = new Map<string, { resourceVersion: number; line: string }[]>();
  private resourceVersion = 1;
  /** Collections answering every request with this HTTP status, as RBAC or an outage would. */
  private readonly refused = new Map<string, number>();

  /** `collectionPath` e.g. `/api/v1/services` or `/apis/networking.istio.io/v1/virtualservices`. */
  constructor(collectionPaths: readonly string[]) {
    for (const path of collectionPaths) {
      this.collections.set(path, new Map());
      this.watchers.set(path, new Set());
    }
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const set of this.watchers.values()) for (const res of set) res.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  apply(collectionPath: string, object: StoredObject): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const collection = this.collection(collectionPath);
    const type = collection.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.resourceVersion) } };
    collection.set(key, stored);
    this.notify(collectionPath, type, stored);
  }

  remove(collectionPath: string, namespace: string, name: string): void {
    const collection = this.collection(collectionPath);
    const stored = collection.get(`${namespace}/${name}`);
    if (!stored) return;
    collection.delete(`${namespace}/${name}`);
    this.notify(collectionPath, 'DELETED', { ...stored, metadata: { ...stored.metadata, resourceVersion: String(++this.resourceVersion) } });
  }

  /** Answers list and watch of `collectionPath` with `status` (and ends its open watches) until `allow`. */
  refuse(collectionPath: string, status: number): void {
    this.refused.set(collectionPath, status);
    for (const res of this.watchers.get(collectionPath) ?? []) res.end();
  }

  allow(collectionPath: string): void {
    this.refused.delete(collectionPath);
  }

  private collection(path: string): Map<string, StoredObject> {
    const collection = this.collections.get(path);
    if (!collection) throw new Error(`fake API does not serve ${path}`);
    return collection;
  }

  private notify(path: string, type: string, object: StoredObject): void {
    const line = `${JSON.stringify({ type, object })}\n`;
    const history = this.history.get(path) ?? [];
    history.push({ resourceVersion: Number(object.metadata.resourceVersion), line });
    this.history.set(path, history);
    for (const res of this.watchers.get(path) ?? []) res.write(line);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const collection = this.collections.get(url.pathname);
    if (req.method !== 'GET' || !collection) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    const refusal = this.refused.get(url.pathname);
    if (refusal !== undefined) {
      res.writeHead(refusal, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: refusal, message: `${url.pathname} is refused by the fake API server` }));
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const watchers = this.watchers.get(url.pathname)!;
      watchers.add(res);
      req.on('close', () => watchers.delete(res));
      const since = Number(url.searchParams.get('resourceVersion') ?? '0');
      for (const entry of this.history.get(url.pathname) ?? []) if (entry.resourceVersion > since) res.write(entry.line);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: String(this.resourceVersion) },
      items: [...collection.values()],
    }));
  }
}
