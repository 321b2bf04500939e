/**
 * An informer: lists a collection, then watches it from the list's resourceVersion, keeping a
 * local copy. It lists again when the watch ends or the server answers 410 Gone, with backoff on
 * errors, so it never goes stale silently: every failure is reported to `onError`.
 */
import { KubeApi, KubeObject, WatchEvent } from './kube-api';

export interface WatchCacheOptions {
  readonly query?: Record<string, string | undefined>;
  /** Called after every change of the copy (one event, or a whole re-list). */
  readonly onChange?: () => void;
  readonly onError?: (error: Error) => void;
}

export class WatchCache<T extends KubeObject = KubeObject> {
  private readonly objects = new Map<string, T>();
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly api: KubeApi, readonly collectionPath: string, private readonly options: WatchCacheOptions = {}) {
    if (options.onChange) this.listeners.push(options.onChange);
  }

  /** Resolves once the first list is in the copy. */
  async start(): Promise<void> {
    const list = await this.api.list<T>(this.collectionPath, this.options.query);
    this.replaceAll(list.items);
    this.loop = this.watchForever(list.metadata.resourceVersion);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.loop;
  }

  /** Adds a listener called after every change. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(keyOf(namespace, name));
  }

  private async watchForever(fromVersion: string): Promise<void> {
    let resourceVersion = fromVersion;
    let failures = 0;
    while (!this.stopped) {
      let gone = false;
      const watch = this.api.watch<T>(this.collectionPath, { ...this.options.query, resourceVersion, timeoutSeconds: 300 },
        (event: WatchEvent<T>) => {
          if (event.type === 'ERROR') {
            gone = true;
            return;
          }
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK') return;
          const key = keyOf(event.object.metadata.namespace, event.object.metadata.name);
          if (event.type === 'DELETED') this.objects.delete(key);
          else this.objects.set(key, event.object);
          failures = 0;
          this.notify();
        });
      this.stopWatch = watch.stop;
      const error = await watch.ended;
      if (this.stopped) return;
      if (error) this.options.onError?.(error);
      // The server closes a watch at its timeout: resume from the last version seen.
      if (!error && !gone) continue;
      try {
        // The version is too old (or the watch failed): list again.
        if (error) await delay(Math.min(5000, 100 * 2 ** failures++));
        const list = await this.api.list<T>(this.collectionPath, this.options.query);
        this.replaceAll(list.items);
        resourceVersion = list.metadata.resourceVersion;
      } catch (listError) {
        if (this.stopped) return;
        this.options.onError?.(listError as Error);
        await delay(Math.min(5000, 100 * 2 ** failures++));
      }
    }
  }

  private replaceAll(items: T[]): void {
    this.objects.clear();
    for (const item of items) this.objects.set(keyOf(item.metadata.namespace, item.metadata.name), item);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
