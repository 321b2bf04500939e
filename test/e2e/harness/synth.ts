/** Synthesizes a scenario's mesh with the constructs and reads back the Services placement needs. */
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import type { ServicePortInfo, SynthesizedService } from './loopback-placement';
import type { MeshScenarioOptions } from './scenario-types';
import { Mesh } from '../../../src';

export interface SynthesizedMesh {
  readonly yaml: string;
  readonly services: SynthesizedService[];
}

export function synthesizeMesh(build: MeshScenarioOptions['build']): SynthesizedMesh {
  const app = Testing.app();
  const chart = new Chart(app, 'e2e');
  const mesh = new Mesh(chart, 'Mesh');
  build(chart, mesh);
  const yaml = app.synthYaml();
  return { yaml, services: servicesIn(yaml) };
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
