/** Istio host name rules: short-name expansion, wildcard matching and `namespace/host` scopes. */

/**
 * A dotless host in an Istio object means a service in the object's own namespace
 * (`reviews` in `bookinfo` → `reviews.bookinfo.svc.cluster.local`); anything else is taken as written.
 */
export function resolveHost(host: string, namespace: string, clusterDomain: string): string {
  if (host === '*' || host.includes('.')) {
    return host;
  }
  return `${host}.${namespace}.svc.${clusterDomain}`;
}

/** Whether `pattern` (exact or `*.suffix` / `*`) covers the concrete host name. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') {
    return true;
  }
  if (pattern.startsWith('*')) {
    return host.endsWith(pattern.slice(1));
  }
  return pattern === host;
}

/**
 * Whether a Sidecar/dependency host entry `ns/host` admits a service. `*` means any namespace,
 * `.` the proxy's own namespace, `~` no namespace at all.
 */
export function namespacedHostAdmits(entry: string, proxyNamespace: string, clusterDomain: string, service: { hostname: string; namespace: string }): boolean {
  const slash = entry.indexOf('/');
  const scope = slash < 0 ? '*' : entry.slice(0, slash);
  const hostPattern = slash < 0 ? entry : entry.slice(slash + 1);
  if (scope === '~') {
    return false;
  }
  const namespace = scope === '.' ? proxyNamespace : scope;
  if (namespace !== '*' && namespace !== service.namespace) {
    return false;
  }
  return hostMatches(resolveHost(hostPattern, service.namespace, clusterDomain), service.hostname);
}
