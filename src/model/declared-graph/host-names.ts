/**
 * Istio resolves a short host in a VirtualService or DestinationRule relative to the object's
 * namespace: `reviews` in `bookinfo` is `reviews.bookinfo.svc.cluster.local`; a name with dots is
 * taken as it is (`reviews.bookinfo.svc` gets the cluster domain).
 */
export function fullyQualifiedHost(host: string, namespace: string, clusterDomain: string): string {
  const labels = host.split('.');
  if (host.includes('*') || host.endsWith(`.svc.${clusterDomain}`)) {
    return host;
  }
  if (labels.length === 1) {
    return `${host}.${namespace}.svc.${clusterDomain}`;
  }
  if (labels.length === 3 && labels[2] === 'svc') {
    return `${host}.${clusterDomain}`;
  }
  return host;
}

/** Host name of a Kubernetes Service. */
export function serviceHost(name: string, namespace: string, clusterDomain: string): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}
