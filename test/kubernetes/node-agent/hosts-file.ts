/**
 * Cluster DNS, stood in for by each pod's /etc/hosts: the pod's own name, and every Service's
 * ClusterIP under `<svc>.<ns>.svc.<domain>`, `<svc>.<ns>.svc`, `<svc>.<ns>` (and `<svc>` in the
 * pod's namespace). The file is rewritten in place (same inode) when Services change, because
 * each container bind-mounts it.
 */
import * as fs from 'fs';
import type { Pod, Service } from './pod-types';

export function renderHostsFile(pod: Pod, podIp: string, services: readonly Service[], clusterDomain: string): string {
  const namespace = pod.metadata.namespace!;
  const hostname = pod.spec.hostname ?? pod.metadata.name;
  const ownNames = pod.spec.subdomain
    ? [`${hostname}.${pod.spec.subdomain}.${namespace}.svc.${clusterDomain}`, hostname]
    : [hostname];
  const lines = [
    '# Kubernetes-managed hosts file (node agent): cluster DNS names of every Service.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${podIp}\t${ownNames.join(' ')}`,
  ];
  const sorted = [...services].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const service of sorted) {
    const ip = service.spec.clusterIP;
    if (!ip || ip === 'None') continue;
    const { name, namespace: serviceNamespace } = service.metadata;
    const names = [`${name}.${serviceNamespace}.svc.${clusterDomain}`, `${name}.${serviceNamespace}.svc`, `${name}.${serviceNamespace}`];
    if (serviceNamespace === namespace) names.push(name);
    lines.push(`${ip}\t${names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `content` into `file` in place, only when it changed. */
export function rewriteInPlace(file: string, content: string): boolean {
  let current: string | undefined;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) return false;
  fs.writeFileSync(file, content, { mode: 0o644 });
  return true;
}

/** resolv.conf of every pod: no resolver is reachable, so names resolve from /etc/hosts alone. */
export function renderResolvConf(namespace: string, clusterDomain: string): string {
  return `# No cluster DNS: names resolve from /etc/hosts.\nnameserver 127.0.0.1\nsearch ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\noptions ndots:1 attempts:1 timeout:1\n`;
}
