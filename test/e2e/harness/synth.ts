/**
 * Synthesizes a scenario's mesh with the constructs and reads back what the harness needs: the
 * Services placement selects and the reconciler's mesh config (`mesh-config` ConfigMap).
 */
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import type { ServicePortInfo, SynthesizedService } from './loopback-placement';
import type { MeshScenarioOptions } from './scenario-types';
import { Mesh, MeshProps } from '../../../src';

/** Name and key of the ConfigMap the Mesh construct renders the reconciler's settings into. */
const MESH_CONFIG_MAP = 'mesh-config';
const MESH_CONFIG_KEY = 'mesh.yaml';

export interface SynthesizedMesh {
  readonly yaml: string;
  readonly services: SynthesizedService[];
  /** The reconciler's `--mesh-config` file content. */
  readonly meshConfig: string;
}

export function synthesizeMesh(build: MeshScenarioOptions['build'], meshProps: MeshProps = {}): SynthesizedMesh {
  const app = Testing.app();
  const chart = new Chart(app, 'e2e');
  const mesh = new Mesh(chart, 'Mesh', meshProps);
  build(chart, mesh);
  const yaml = app.synthYaml();
  return { yaml, services: servicesIn(yaml), meshConfig: meshConfigIn(yaml) };
}

/** The `mesh.yaml` of the synthesized `mesh-config` ConfigMap. */
export function meshConfigIn(yaml: string): string {
  const configMap = parseAllDocuments(yaml)
    .map((document) => document.toJS() as Record<string, any> | null)
    .find((object) => object?.kind === 'ConfigMap' && object.metadata?.name === MESH_CONFIG_MAP);
  const meshConfig = configMap?.data?.[MESH_CONFIG_KEY];
  if (typeof meshConfig !== 'string') {
    throw new Error(`the synthesized mesh has no ConfigMap ${MESH_CONFIG_MAP} with data key ${MESH_CONFIG_KEY}; the Mesh construct renders it, so check that the scenario declares one Mesh`);
  }
  return meshConfig;
}

/** Every k8s Service of the YAML with its ports' protocols as Istio names them. */
export function servicesIn(yaml: string): SynthesizedService[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as Record<string, any> | null)
    .filter((object): object is Record<string, any> => object?.kind === 'Service' && object.apiVersion === 'v1')
    .map((object) => ({
      name: object.metadata.name,
      namespace: object.metadata.namespace ?? 'default',
      ports: (object.spec?.ports ?? []).map((port: Record<string, any>): ServicePortInfo => ({
        name: port.name,
        port: port.port,
        targetPort: typeof port.targetPort === 'number' ? port.targetPort : port.port,
        protocol: String(port.appProtocol ?? port.name.split('-')[0]).toUpperCase(),
      })),
    }));
}
