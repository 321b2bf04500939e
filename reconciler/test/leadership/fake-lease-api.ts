/**
 * One Lease on an in-memory API server, as the elector sees it: resourceVersions that change on
 * every write, 409 on a stale replace or a second create, and a switch per replica that cuts it off
 * (its calls fail, or hang, as when the API server is unreachable from it).
 */
import { apiError } from '../rollout/fake-configmap-api';
import type { LeaseApi, LeaseRecord, StoredLease } from '../../src/leadership/lease-elector';

export class FakeLeaseServer {
  lease: StoredLease | undefined;
  private version = 1;
  /** Every successful write: who wrote it and the holder it names. */
  readonly writes: { by: string; holder: string | undefined }[] = [];

  /** The API as replica `name` reaches it. */
  client(name: string): FakeLeaseClient {
    return new FakeLeaseClient(this, name);
  }

  /** A write from outside (another controller, kubectl) that bypasses the election. */
  forceHolder(holder: string): void {
    this.write('outside', { ...(this.lease?.record ?? {}), holderIdentity: holder, renewTime: new Date() });
  }

  write(by: string, record: LeaseRecord): StoredLease {
    this.lease = { record: structuredClone(record), resourceVersion: String(++this.version) };
    this.writes.push({ by, holder: record.holderIdentity });
    return structuredClone(this.lease);
  }
}

export class FakeLeaseClient implements LeaseApi {
  /** `fail`: every call fails at once; `hang`: every call never answers. */
  cut: 'fail' | 'hang' | undefined;
  /** Calls made, by kind. */
  readonly calls = { read: 0, create: 0, replace: 0 };

  constructor(private readonly server: FakeLeaseServer, private readonly name: string) {}

  async read(): Promise<StoredLease | undefined> {
    this.calls.read += 1;
    await this.reach();
    return this.server.lease && structuredClone(this.server.lease);
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    this.calls.create += 1;
    await this.reach();
    if (this.server.lease) throw apiError(409, 'leases.coordination.k8s.io "mesh-rollout-leader" already exists');
    return this.server.write(this.name, record);
  }

  async replace(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    this.calls.replace += 1;
    await this.reach();
    if (this.server.lease?.resourceVersion !== resourceVersion) throw apiError(409, 'the object has been modified; please apply your changes to the latest version and try again');
    return this.server.write(this.name, record);
  }

  private async reach(): Promise<void> {
    if (this.cut === 'fail') throw Object.assign(new Error('connect ECONNREFUSED 10.96.0.1:443'), { code: 'ECONNREFUSED' });
    if (this.cut === 'hang') await new Promise(() => undefined);
  }
}
