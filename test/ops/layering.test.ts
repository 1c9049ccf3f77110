// Layering: src/ reads top-down, and the core stands without its features.
// The rules and why: tools/layers.ts (which `npm run lint` runs too).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { circles, coreReachingFeatures, importGraph, importsOf, SRC } from '../../tools/layers.js';

describe('the layers of src/', () => {
  const graph = importGraph();

  it('finds the imports it checks', () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok((graph.get(path.join(SRC, 'app.ts')) ?? []).length > 10);
    assert.ok((graph.get(path.join(SRC, 'server.ts')) ?? []).includes(path.join(SRC, 'features', 'index.ts')), 'server.ts picks the features');
  });

  it('has no circle of imports', () => {
    const named = circles(graph).map((circle) => circle.map((file) => path.relative(SRC, file)).join(' → '));
    assert.deepEqual(named, []);
  });

  it('has no core file that imports a feature, however indirectly', () => {
    const named = coreReachingFeatures(graph).map((route) => route.map((file) => path.relative(SRC, file)).join(' → '));
    assert.deepEqual(named, []);
  });

  it('would see one: the checks find a planted circle and a planted way into a feature', () => {
    const planted = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(circles(planted), [['a.ts', 'b.ts', 'c.ts']]);
    assert.deepEqual(importsOf('/x/src/a.ts', "import type { B } from './b.js';\nimport './c.js';\nexport { d } from '../d.js';\nawait import('./e.js');"), ['/x/src/b.ts', '/x/src/c.ts', '/x/d.ts', '/x/src/e.ts']);

    const withFeature = new Map([
      ['/s/app.ts', ['/s/routes.ts']],
      ['/s/routes.ts', ['/s/features/two-factor/index.ts']],
      ['/s/server.ts', ['/s/features/index.ts']],
      ['/s/features/index.ts', ['/s/features/two-factor/index.ts']],
      ['/s/features/two-factor/index.ts', ['/s/feature.ts']],
      ['/s/feature.ts', []],
    ]);
    assert.deepEqual(coreReachingFeatures(withFeature, '/s/features', ['/s/server.ts']), [
      ['/s/app.ts', '/s/routes.ts', '/s/features/two-factor/index.ts'],
      ['/s/routes.ts', '/s/features/two-factor/index.ts'],
    ]);
  });
});
