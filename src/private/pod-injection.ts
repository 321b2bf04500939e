/**
 * What injection adds to the pods of one workload (a service version or a job): nothing, the
 * webhook opt-out label, or the SYNTH sidecar with its bootstrap ConfigMap and credential volumes.
 * Shared by MeshService and MeshJob so both kinds of pod start the same proxy.
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { renderContainerResources } from './container-resources';
import { applySyncWave, SyncWave } from './sync-wave';
import type { Mesh } from '../mesh/mesh';
import { InjectionMode } from '../mesh/mesh-policy';
import {
  BOOTSTRAP_FILE, BOOTSTRAP_VOLUME_NAME, buildServiceBootstrap, buildSidecarInitContainers, injectedPodAnnotations, injectedPodLabels,
} from '../mesh/sidecar-injection';
import { xdsCredentialVolumes } from '../mesh/xds-credentials';
import type { CaptureOptions } from '../model';

/** Pod additions of the sidecar injection. */
export interface PodInjection {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly initContainers: Record<string, unknown>[];
  readonly volumes: Record<string, unknown>[];
}

export interface InjectedWorkload {
  readonly mesh: Mesh;
  /** The `app` of the pods: service or job name. */
  readonly appName: string;
  readonly namespace: string;
  /** The `version` (canonical revision) of the pods. */
  readonly version: string;
  readonly selectorLabels: Record<string, string>;
  readonly injectSidecar: boolean;
  readonly capture: CaptureOptions;
  /** The ConfigMap holding the bootstrap (see {@link addSidecarBootstrap}), asked for only when injected. */
  readonly bootstrap: () => kplus.ConfigMap;
}

export function podInjection(workload: InjectedWorkload): PodInjection {
  const none = { labels: {}, annotations: {}, initContainers: [], volumes: [] };
  if (!workload.injectSidecar) {
    return { ...none, labels: { 'sidecar.istio.io/inject': 'false' } };
  }
  if (workload.mesh.injectionMode !== InjectionMode.SYNTH) {
    return none;
  }
  const labels = injectedPodLabels({ serviceName: workload.appName, version: workload.version });
  const sidecarWorkload = {
    serviceName: workload.appName,
    namespace: workload.namespace,
    version: workload.version,
    clusterDomain: workload.mesh.clusterDomain,
    labels: { ...workload.selectorLabels, ...labels },
  };
  return {
    labels,
    annotations: injectedPodAnnotations(workload.appName),
    initContainers: buildSidecarInitContainers(sidecarWorkload, {
      proxyImage: workload.mesh.proxyImage,
      initImage: workload.mesh.proxyInitImage,
      proxyResources: renderContainerResources(workload.mesh.proxyResources),
      capture: workload.capture,
    }),
    volumes: [{ name: BOOTSTRAP_VOLUME_NAME, configMap: { name: workload.bootstrap().name } }, ...xdsCredentialVolumes()],
  };
}

/** The ConfigMap `<app>-sidecar-bootstrap` every injected pod of `appName` starts its proxy from. */
export function addSidecarBootstrap(scope: Construct, mesh: Mesh, appName: string, namespace: string): kplus.ConfigMap {
  const bootstrap = buildServiceBootstrap(appName, namespace, mesh.clusterDomain,
    { host: mesh.xdsHost, port: mesh.xdsTlsPort, serverName: mesh.xdsHost });
  const configMap = new kplus.ConfigMap(scope, 'SidecarBootstrap', {
    metadata: { name: `${appName}-sidecar-bootstrap`, namespace, labels: { app: appName } },
    data: { [BOOTSTRAP_FILE]: JSON.stringify(bootstrap, undefined, 2) },
  });
  applySyncWave(ApiObject.of(configMap), SyncWave.WORKLOADS);
  return configMap;
}
