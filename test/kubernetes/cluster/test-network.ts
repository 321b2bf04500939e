/**
 * The network of the suite: one network namespace that the `test:kubernetes` task creates
 * (`unshare -n`) and runs jest in. The node's address sits on its loopback device; pods get
 * addresses from the RFC 2544 benchmarking range, routed to veth pairs; ClusterIPs come from the
 * next /16 and are routed to loopback so the test process can dial them (DNAT in OUTPUT). None of
 * these addresses is routed anywhere outside the namespace.
 */
import * as fs from 'fs';
import { runChecked, runCommand } from './command';

export const TEST_NETWORK = {
  /** The node: kube-apiserver's advertise address, the pods' gateway and the source of probes. */
  nodeAddress: '198.18.0.1',
  podCidr: '198.18.0.0/16',
  serviceCidr: '198.19.0.0/16',
  /** ClusterIP of the `kubernetes` Service, the first address of the range. */
  kubernetesServiceAddress: '198.19.0.1',
} as const;

/** Set by the task that runs jest inside `unshare -n`; nothing touches the network without it. */
export const TEST_NAMESPACE_MARKER = 'CDK8S_MESH_TEST_NETNS';

/**
 * Fails unless this process runs in the suite's own network namespace: the marker is set and the
 * namespace has no device that leads outside (only loopback and the node agent's veths).
 */
export async function requireTestNamespace(): Promise<void> {
  const help = 'Run the Kubernetes suite with `npx projen test:kubernetes`, which runs jest inside its own network namespace (`unshare -n`).';
  if (process.env[TEST_NAMESPACE_MARKER] !== '1') {
    throw new Error(`$${TEST_NAMESPACE_MARKER} is not set: this suite changes routes and iptables rules, so it runs only in a network namespace of its own. ${help}`);
  }
  const links = (await runChecked('ip', ['-o', 'link', 'show'])).trim().split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '');
  const foreign = links.filter((name) => name !== 'lo' && !/^h\d+$/.test(name));
  if (foreign.length > 0) {
    throw new Error(`this network namespace has devices ${foreign.join(', ')}, so it is not the suite's own. ${help}`);
  }
}

/** Puts the node address on loopback, routes the service range to it and enables forwarding. */
export async function setUpTestNetwork(): Promise<void> {
  await requireTestNamespace();
  await runChecked('ip', ['link', 'set', 'lo', 'up']);
  const addresses = await runChecked('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo']);
  if (!addresses.includes(` ${TEST_NETWORK.nodeAddress}/32 `)) {
    await runChecked('ip', ['addr', 'add', `${TEST_NETWORK.nodeAddress}/32`, 'dev', 'lo']);
  }
  // The source must be the node address: after DNAT to a pod, a loopback source could not be routed.
  await runChecked('ip', ['route', 'replace', TEST_NETWORK.serviceCidr, 'dev', 'lo', 'src', TEST_NETWORK.nodeAddress]);
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
  const iptables = await runCommand('iptables-restore', ['--version']).catch(() => undefined);
  if (!iptables || iptables.code !== 0) {
    throw new Error('iptables-restore is not installed; `npx projen test:kubernetes` installs it (apt-get install -y iptables)');
  }
}
