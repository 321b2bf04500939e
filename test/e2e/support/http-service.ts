import { Chart } from 'cdk8s';
import { Mesh, MeshService, ServiceProtocol } from '../../../src';

export interface HttpServiceOptions {
  /** Versions deployed, each with image `example.com/<name>:<version>`. */
  readonly versions?: readonly string[];
  /** Construct id; scenarios written before this helper keep the ids they synthesized with. */
  readonly id?: string;
}

/** A MeshService on HTTP port 9080, the shape most scenarios call. */
export function httpService(chart: Chart, mesh: Mesh, name: string, options: HttpServiceOptions = {}): MeshService {
  return new MeshService(chart, options.id ?? name, {
    mesh,
    name,
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: (options.versions ?? ['v1']).map((version) => ({ name: version, image: `example.com/${name}:${version}` })),
  });
}
