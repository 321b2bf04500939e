/**
 * A container's environment and command line, resolved the way the kubelet does it: service link
 * variables, then `envFrom`, then `env` in order (each value may refer to variables defined before
 * it with `$(NAME)`; `$$` escapes a `$`), then `command`/`args` expanded with the result.
 */
import type { Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector, Service } from './pod-types';

/** A reference the container needs that is not there yet: the kubelet reports CreateContainerConfigError and retries. */
export class ContainerConfigError extends Error {}

/** What environment values are read from. */
export interface EnvironmentSources {
  readonly pod: Pod;
  readonly podIp: string;
  readonly hostIp: string;
  readonly configMapData: (namespace: string, name: string) => Record<string, string> | undefined;
  /** Decoded Secret data. */
  readonly secretData: (namespace: string, name: string) => Record<string, string> | undefined;
  /** Services the service link variables are made from (all namespaces; filtered here). */
  readonly services: readonly Service[];
  /** The node's allocatable resources, for resourceFieldRef without a limit. */
  readonly nodeAllocatable: Record<string, string>;
}

/**
 * Replaces each `$(NAME)` whose NAME `lookup` knows; leaves unknown references as they are;
 * `$$` becomes `$`. A `$` before anything else is kept.
 */
export function expandVariables(text: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char !== '$' || index + 1 >= text.length) {
      out += char;
      index += 1;
      continue;
    }
    const next = text[index + 1];
    if (next === '$') {
      out += '$';
      index += 2;
    } else if (next === '(') {
      const close = text.indexOf(')', index + 2);
      if (close < 0) {
        out += '$(';
        index += 2;
      } else {
        const name = text.slice(index + 2, close);
        out += lookup(name) ?? `$(${name})`;
        index = close + 1;
      }
    } else {
      out += `$${next}`;
      index += 2;
    }
  }
  return out;
}

/** The container's environment, in the kubelet's order of precedence. */
export function containerEnvironment(container: Container, sources: EnvironmentSources): Map<string, string> {
  const pod = sources.pod;
  const namespace = pod.metadata.namespace!;
  const serviceEnv = serviceLinkVariables(pod, sources.services);
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const reference = from.configMapRef ?? from.secretRef!;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = from.configMapRef ? sources.configMapData(namespace, reference.name) : sources.secretData(namespace, reference.name);
    if (!data) {
      if (reference.optional) continue;
      throw new ContainerConfigError(`${kind} "${reference.name}" not found (envFrom of container ${container.name})`);
    }
    for (const [key, value] of Object.entries(data)) env.set(`${from.prefix ?? ''}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    const value = variable.valueFrom
      ? valueFromSource(variable, container, sources)
      : expandVariables(variable.value ?? '', (name) => env.get(name) ?? serviceEnv.get(name));
    if (value !== undefined) env.set(variable.name, value);
  }
  for (const [name, value] of serviceEnv) {
    if (!env.has(name)) env.set(name, value);
  }
  return env;
}

/** `command` and `args` with `$(NAME)` expanded from the container's environment. */
export function expandCommandLine(parts: readonly string[] | undefined, env: Map<string, string>): string[] | undefined {
  return parts?.map((part) => expandVariables(part, (name) => env.get(name)));
}

function valueFromSource(variable: EnvVar, container: Container, sources: EnvironmentSources): string | undefined {
  const from = variable.valueFrom!;
  const namespace = sources.pod.metadata.namespace!;
  if (from.fieldRef) return podFieldValue(from.fieldRef, sources);
  if (from.resourceFieldRef) return resourceFieldValue(from.resourceFieldRef, container, sources);
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef!;
  const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
  const data = from.configMapKeyRef ? sources.configMapData(namespace, keyRef.name) : sources.secretData(namespace, keyRef.name);
  const value = data?.[keyRef.key];
  if (value === undefined && !keyRef.optional) {
    throw new ContainerConfigError(data
      ? `couldn't find key ${keyRef.key} in ${kind} ${namespace}/${keyRef.name} (env ${variable.name} of container ${container.name})`
      : `${kind} "${keyRef.name}" not found (env ${variable.name} of container ${container.name})`);
  }
  return value;
}

/** A downward API field of the pod: used by env and by downwardAPI volumes. */
export function podFieldValue(selector: ObjectFieldSelector, sources: Pick<EnvironmentSources, 'pod' | 'podIp' | 'hostIp'>): string {
  const { pod } = sources;
  const path = selector.fieldPath;
  const mapEntry = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (mapEntry) return (mapEntry[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[mapEntry[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP': case 'status.podIPs': return sources.podIp;
    case 'status.hostIP': case 'status.hostIPs': return sources.hostIp;
    default: throw new ContainerConfigError(`unsupported fieldRef ${path} in pod ${pod.metadata.namespace}/${pod.metadata.name}`);
  }
}

/** `key="value"` lines, sorted, as the kubelet writes labels and annotations. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((key) => `${key}=${JSON.stringify(map![key])}`).join('\n');
}

/** A container resource (limits.cpu, requests.memory, …) in units of the divisor, rounded up. */
export function resourceFieldValue(selector: ResourceFieldSelector, container: Container, sources: Pick<EnvironmentSources, 'pod' | 'nodeAllocatable'>): string {
  const target = selector.containerName
    ? [...sources.pod.spec.containers, ...sources.pod.spec.initContainers ?? []].find((c) => c.name === selector.containerName) ?? container
    : container;
  const [kind, resource] = selector.resource.split('.') as ['limits' | 'requests', string];
  const quantity = target.resources?.[kind]?.[resource] ?? (kind === 'limits' ? sources.nodeAllocatable[resource] : undefined) ?? '0';
  const divisor = parseQuantity(selector.divisor ?? '1');
  return String(Math.ceil(parseQuantity(quantity) / divisor));
}

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40,
};

export function parseQuantity(text: string): number {
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(text.trim());
  if (!match || QUANTITY_SUFFIXES[match[2]] === undefined) throw new ContainerConfigError(`resource quantity '${text}' is not understood`);
  return Number(match[1]) * QUANTITY_SUFFIXES[match[2]];
}

/**
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORT>]` and the Docker-link style `<NAME>_PORT*`
 * variables: for the services of the pod's namespace (unless enableServiceLinks is false) and
 * always for the `kubernetes` Service, which in-cluster clients find the API server by.
 */
export function serviceLinkVariables(pod: Pod, services: readonly Service[]): Map<string, string> {
  const env = new Map<string, string>();
  const linked = services.filter((service) => {
    const ip = service.spec.clusterIP;
    if (!ip || ip === 'None') return false;
    if (service.metadata.namespace === 'default' && service.metadata.name === 'kubernetes') return true;
    return pod.spec.enableServiceLinks !== false && service.metadata.namespace === pod.metadata.namespace;
  });
  for (const service of linked.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const prefix = service.metadata.name.toUpperCase().replace(/-/g, '_');
    const ip = service.spec.clusterIP!;
    const ports = service.spec.ports ?? [];
    if (ports.length === 0) continue;
    env.set(`${prefix}_SERVICE_HOST`, ip);
    env.set(`${prefix}_SERVICE_PORT`, String(ports[0].port));
    for (const port of ports) {
      if (port.name) env.set(`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`, String(port.port));
    }
    const protocol = (ports[0].protocol ?? 'TCP').toLowerCase();
    env.set(`${prefix}_PORT`, `${protocol}://${ip}:${ports[0].port}`);
    for (const port of ports) {
      const portProtocol = (port.protocol ?? 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${port.port}_${portProtocol.toUpperCase()}`;
      env.set(base, `${portProtocol}://${ip}:${port.port}`);
      env.set(`${base}_PROTO`, portProtocol);
      env.set(`${base}_PORT`, String(port.port));
      env.set(`${base}_ADDR`, ip);
    }
  }
  return env;
}
