/**
 * Hand-written Istio objects for acceptance tests, as plain objects joined into one YAML stream:
 * services on loopback backends (ServiceEntry + WorkloadEntry), subsets, routes, and NONE-mode
 * Sidecars that bind real listeners on a proxy's own 127.x address.
 */
import { stringify } from 'yaml';

type IstioObject = Record<string, unknown>;

const NETWORKING = 'networking.istio.io/v1';
const SECURITY = 'security.istio.io/v1';

export function toYaml(objects: readonly IstioObject[]): string {
  return objects.map((object) => stringify(object)).join('---\n');
}

/** A mesh-internal service whose endpoints are the WorkloadEntries labelled `app: <app>`. */
export function serviceEntry(namespace: string, name: string, host: string, port: number, app: string): IstioObject {
  return {
    apiVersion: NETWORKING, kind: 'ServiceEntry', metadata: { name, namespace },
    spec: {
      hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC',
      ports: [{ number: port, name: 'http', protocol: 'HTTP' }],
      workloadSelector: { labels: { app } },
    },
  };
}

export interface WorkloadEntryInput {
  readonly namespace: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly labels: Record<string, string>;
  /** Marks the workload as running a sidecar with this identity (mTLS is used toward it). */
  readonly serviceAccount?: string;
}

export function workloadEntry(input: WorkloadEntryInput): IstioObject {
  return {
    apiVersion: NETWORKING, kind: 'WorkloadEntry', metadata: { name: input.name, namespace: input.namespace },
    spec: {
      address: input.address, labels: input.labels, ports: { http: input.port },
      ...(input.serviceAccount ? { serviceAccount: input.serviceAccount } : {}),
    },
  };
}

export function versionSubsets(namespace: string, name: string, host: string, versions: readonly string[]): IstioObject {
  return {
    apiVersion: NETWORKING, kind: 'DestinationRule', metadata: { name, namespace },
    spec: { host, subsets: versions.map((version) => ({ name: version, labels: { version } })) },
  };
}

export function virtualService(namespace: string, name: string, host: string, http: readonly unknown[]): IstioObject {
  return { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name, namespace }, spec: { hosts: [host], http } };
}

/** One HTTP route to subsets of `host`, by weight (`{ v1: 90, v2: 10 }`). */
export function weightedRoute(host: string, weights: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host, subset }, weight })) };
}

/** NONE mode: outbound listeners on `bind` for every service in the namespace on `port`. */
export function egressSidecar(namespace: string, app: string, port: number, bind: string): IstioObject {
  return {
    apiVersion: NETWORKING, kind: 'Sidecar', metadata: { name: app, namespace },
    spec: {
      workloadSelector: { labels: { app } },
      egress: [{ port: { number: port, protocol: 'HTTP', name: 'http' }, bind, hosts: ['./*'] }],
    },
  };
}

/** NONE mode: an inbound listener on `bind:port` delivering to the application at `appEndpoint`. */
export function ingressSidecar(namespace: string, app: string, port: number, bind: string, appEndpoint: string): IstioObject {
  return {
    apiVersion: NETWORKING, kind: 'Sidecar', metadata: { name: app, namespace },
    spec: {
      workloadSelector: { labels: { app } },
      ingress: [{ port: { number: port, protocol: 'HTTP', name: 'http' }, bind, defaultEndpoint: appEndpoint }],
    },
  };
}

export function peerAuthentication(namespace: string, name: string, mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE'): IstioObject {
  return { apiVersion: SECURITY, kind: 'PeerAuthentication', metadata: { name, namespace }, spec: { mtls: { mode } } };
}
