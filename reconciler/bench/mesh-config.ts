/**
 * Synthetic mesh config at a chosen scale, in the shape `cdk8s synth` produces for a MeshService
 * with a canary and a circuit breaker: per service a Kubernetes Service, two WorkloadEntries (v1 and
 * the canary v2), a DestinationRule with both subsets, connection limits and outlier detection, and
 * a VirtualService splitting traffic by weight. One file per service, so an edit touches one file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface MeshScale {
  readonly services: number;
  /** Services per namespace. @default 100 */
  readonly servicesPerNamespace?: number;
  /**
   * When set, every v1 workload is annotated with the services it calls (the next N services),
   * so the reconciler scopes its sidecar config to them.
   */
  readonly dependencies?: number;
}

export const SERVICE_PORT = 8080;

export interface BenchWorkload {
  readonly service: number;
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly labels: Record<string, string>;
}

export function serviceName(index: number): string {
  return `svc-${index}`;
}

export function namespaceOf(index: number, scale: MeshScale): string {
  return `bench-${Math.floor(index / (scale.servicesPerNamespace ?? 100))}`;
}

/** A distinct loopback address per workload slot; never bound, only carried as endpoint data. */
export function workloadAddress(slot: number): string {
  return `127.${1 + Math.floor(slot / 65536)}.${Math.floor(slot / 256) % 256}.${slot % 256}`;
}

/** The v1 workload of service `index`: the identity a simulated sidecar of that service presents. */
export function v1Workload(index: number, scale: MeshScale): BenchWorkload {
  const name = serviceName(index);
  return { service: index, name: `${name}-v1`, namespace: namespaceOf(index, scale), address: workloadAddress(index * 2), labels: { app: name, version: 'v1' } };
}

export interface ServiceVariant {
  /** Canary weight in percent (v2); v1 gets the rest. @default 10 */
  readonly canaryWeight?: number;
  /** Which address slot v2 uses; changing it is one endpoint change. @default index * 2 + 1 */
  readonly canarySlot?: number;
}

/** The YAML of one service's objects. */
export function serviceYaml(index: number, scale: MeshScale, variant: ServiceVariant = {}): string {
  const name = serviceName(index);
  const namespace = namespaceOf(index, scale);
  const canary = variant.canaryWeight ?? 10;
  const dependencies = scale.dependencies
    ? Array.from({ length: scale.dependencies }, (_, k) => (index + 1 + k) % scale.services)
      .map((dependency) => `${serviceName(dependency)}.${namespaceOf(dependency, scale)}`).join(',')
    : undefined;
  const v1Annotations = dependencies ? `\n  annotations: { mesh.cdk8s.io/dependencies: "${dependencies}" }` : '';
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: ${SERVICE_PORT} }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}-v1
  namespace: ${namespace}${v1Annotations}
spec: { address: ${workloadAddress(index * 2)}, labels: { app: ${name}, version: v1 }, serviceAccount: ${name} }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}-v2, namespace: ${namespace} }
spec: { address: ${workloadAddress(variant.canarySlot ?? index * 2 + 1)}, labels: { app: ${name}, version: v2 }, serviceAccount: ${name} }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  host: ${name}.${namespace}.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: 100, connectTimeout: 250ms }
      http: { http1MaxPendingRequests: 32, http2MaxRequests: 100, maxRetries: 3 }
    outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  hosts: [${name}.${namespace}.svc.cluster.local]
  http:
  - route:
    - { destination: { host: ${name}.${namespace}.svc.cluster.local, subset: v1 }, weight: ${100 - canary} }
    - { destination: { host: ${name}.${namespace}.svc.cluster.local, subset: v2 }, weight: ${canary} }
`;
}

export function serviceFile(dir: string, index: number): string {
  return path.join(dir, `${serviceName(index)}.yaml`);
}

/** Writes the whole mesh into a new temporary directory and returns it. */
export function writeMeshConfig(scale: MeshScale, parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, 'mesh-bench-'));
  for (let index = 0; index < scale.services; index += 1) {
    fs.writeFileSync(serviceFile(dir, index), serviceYaml(index, scale));
  }
  return dir;
}
