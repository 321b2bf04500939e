import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { renderDiagramHtml } from '../diagram/render-diagram-html';
import { buildDeclaredGraph, DeclaredGraphOptions, ManifestObject, namespaceOf } from '../model/declared-graph';

/** What the diagram of one mesh is drawn from and where it goes. */
export interface MeshDiagramOptions extends DeclaredGraphOptions {
  /** The namespaces the mesh's reconciler serves: objects elsewhere are not part of this mesh. */
  readonly namespaces: () => readonly string[];
  /** File name inside the app's output directory. */
  readonly fileName: () => string;
}

/** The synthesized objects of the app, or undefined when one cannot be rendered (synthesis reports why). */
function synthesizedObjects(scope: IConstruct): ManifestObject[] | undefined {
  try {
    return App.of(scope).node.findAll().filter(ApiObject.isApiObject).map(object => object.toJson());
  } catch {
    return undefined;
  }
}

/**
 * Writes the page for the mesh at `scope` into the app's output directory. Only when that
 * directory exists: `App.synth()` creates it before it validates, while `Chart.toJson()` on an
 * app that is never written (as in many tests) leaves no stray file behind.
 */
export function writeMeshDiagram(scope: IConstruct, options: MeshDiagramOptions): void {
  const outdir = App.of(scope).outdir;
  const objects = synthesizedObjects(scope);
  if (!fs.existsSync(outdir) || objects === undefined) {
    return;
  }
  const namespaces = new Set(options.namespaces());
  const graph = buildDeclaredGraph(objects.filter(object => namespaces.has(namespaceOf(object))), options);
  const html = renderDiagramHtml(graph, {
    title: `Mesh ${options.rootNamespace}: declared services, routing and security`,
    subtitle: `Drawn by cdk8s synth from the objects of namespaces ${[...namespaces].sort().join(', ')}: `
      + 'what the configuration declares, not live traffic.',
  });
  fs.writeFileSync(path.join(outdir, options.fileName()), html);
}
