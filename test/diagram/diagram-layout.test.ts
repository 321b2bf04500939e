import { layoutDiagram } from '../../src/diagram/diagram-layout';
import { buildDeclaredGraph, ManifestObject } from '../../src/model/declared-graph';

/** A service `name` with one version whose workload calls `calls`. */
function callingService(name: string, calls: string[]): ManifestObject[] {
  return [
    { kind: 'Service', metadata: { name, namespace: 'ring' }, spec: { selector: { app: name } } },
    {
      kind: 'Deployment',
      metadata: { name: `${name}-v1`, namespace: 'ring' },
      spec: { template: { metadata: { labels: { app: name, version: 'v1' }, annotations: { 'mesh.cdk8s.io/dependencies': calls.join(',') } } } },
    },
  ];
}

const OPTIONS = { rootNamespace: 'mesh-system', clusterDomain: 'cluster.local', trustDomain: 'cluster.local', defaultMtlsMode: 'PERMISSIVE' as const };

describe('diagram layout', () => {
  test('GIVEN a call cycle a → b → c → a and a lone service WHEN laid out THEN the cycle reads left to right from its first member by name', () => {
    const graph = buildDeclaredGraph([
      ...callingService('a', ['b']), ...callingService('b', ['c']), ...callingService('c', ['a']), ...callingService('lone', []),
    ], OPTIONS);
    const layout = layoutDiagram(graph);

    expect(layout.columns.map(column => column.title)).toEqual(['Services (tier 1)', 'Services (tier 2)', 'Services (tier 3)']);
    const columnOf = (name: string) => layout.columns.findIndex(column => column.x === layout.services.find(box => box.service.name === name)!.x);
    expect(['a', 'b', 'c', 'lone'].map(columnOf)).toEqual([0, 1, 2, 0]);
    // Boxes of one column are stacked by id without overlapping.
    const first = layout.services.filter(box => box.x === layout.columns[0].x);
    expect(first.map(box => box.service.name)).toEqual(['a', 'lone']);
    expect(first[1].y).toBeGreaterThanOrEqual(first[0].y + first[0].height);
  });

  test('GIVEN the same graph WHEN laid out twice THEN the layouts are equal', () => {
    const graph = buildDeclaredGraph([...callingService('a', ['b']), ...callingService('b', [])], OPTIONS);
    expect(layoutDiagram(graph)).toEqual(layoutDiagram(graph));
  });
});
