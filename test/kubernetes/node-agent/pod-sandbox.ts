/**
 * A pod's sandbox, as a pause container holds it: a process that only sleeps in a network
 * namespace of its own (`unshare -n`), reached through a veth pair. The node end `h<N>` has a
 * /32 route to the pod address; the pod end `eth0` has the address and a default route via the
 * node, so every packet between pods passes the node's namespace (routing, no bridge) where the
 * service proxy's DNAT rules and conntrack see both directions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { waitUntil } from '../../../reconciler/test/support/wait';
import { runChecked } from '../cluster/command';
import { ManagedProcess } from '../cluster/managed-process';
import { TEST_NETWORK } from '../cluster/test-network';

/** Hands out pod addresses from 198.18.1.1 on (198.18.0.x is the node's), and veth numbers. */
export class PodAddressPool {
  private nextHost = 0;
  private readonly free: number[] = [];
  private readonly inUse = new Set<number>();

  allocate(): { address: string; slot: number } {
    const slot = this.free.shift() ?? this.nextHost++;
    if (slot >= 254 * 254) throw new Error('the pod address range 198.18.1.1–198.18.254.254 is exhausted');
    this.inUse.add(slot);
    return { address: `198.18.${1 + Math.floor(slot / 254)}.${1 + (slot % 254)}`, slot };
  }

  release(slot: number): void {
    if (this.inUse.delete(slot)) this.free.push(slot);
  }
}

export class PodSandbox {
  /** Starts the namespace holder and wires the veth pair; `slot` numbers the node-side device. */
  static async create(podDir: string, address: string, slot: number): Promise<PodSandbox> {
    const holder = ManagedProcess.start({ command: 'unshare', args: ['-n', '--', 'sleep', 'infinity'], logFile: path.join(podDir, 'sandbox.log') });
    const sandbox = new PodSandbox(holder, address, `h${slot}`);
    try {
      const ownNamespace = fs.readlinkSync('/proc/self/ns/net');
      // `unshare` has entered the new namespace once the holder's namespace differs from ours.
      await waitUntil('the pod sandbox namespace', () => {
        if (!holder.running) throw new Error(`the sandbox process exited: ${holder.tail()}`);
        try {
          return fs.readlinkSync(sandbox.netnsPath) !== ownNamespace;
        } catch {
          return false;
        }
      }, 10_000, 5);
      await sandbox.wire();
      return sandbox;
    } catch (error) {
      await sandbox.destroy();
      throw error;
    }
  }

  private constructor(private readonly holder: ManagedProcess, readonly address: string, readonly hostDevice: string) {}

  /** The pod's network namespace, for `nsenter --net=`. */
  get netnsPath(): string {
    return `/proc/${this.holder.pid}/ns/net`;
  }

  get holderPid(): number {
    return this.holder.pid!;
  }

  get alive(): boolean {
    return this.holder.running;
  }

  private async wire(): Promise<void> {
    await runChecked('ip', ['link', 'add', this.hostDevice, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.netnsPath]);
    await runChecked('ip', ['link', 'set', this.hostDevice, 'up']);
    await runChecked('ip', ['route', 'replace', `${this.address}/32`, 'dev', this.hostDevice, 'src', TEST_NETWORK.nodeAddress]);
    await runChecked('nsenter', [`--net=${this.netnsPath}`, 'ip', '-batch', '-'], {
      input: [
        'link set lo up',
        'link set eth0 up',
        `addr add ${this.address}/32 dev eth0`,
        `route add ${TEST_NETWORK.nodeAddress} dev eth0 src ${this.address}`,
        `route add default via ${TEST_NETWORK.nodeAddress} dev eth0 src ${this.address}`,
      ].join('\n'),
    });
    // As containerd does for pods: unprivileged processes may bind any port (gateways listen on 80/443).
    await runChecked('nsenter', [`--net=${this.netnsPath}`, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start']);
  }

  /** Removes the veth pair and stops the holder; the namespace goes with its last process. */
  async destroy(): Promise<void> {
    await runChecked('ip', ['link', 'del', this.hostDevice]).catch(() => undefined);
    await this.holder.stop(2000);
  }
}
