// Layering: src/ reads top-down. No file imports, however indirectly, a file
// that imports it back (a circle of imports has no first file to read, and
// its modules see each other half-loaded). Type-only imports count too: a
// circle of types is still a circle to read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The files of src/ a file imports (static imports and re-exports, relative paths only). */
export function importsOf(file: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    const target = path.resolve(path.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts'));
    found.push(target);
  }
  return found;
}

/** Every circle of imports, each as the files in order. */
export function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the layers of src/', () => {
  const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file, readFileSync(file, 'utf8'))]));

  it('finds the imports it checks', () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok((graph.get(path.join(SRC, 'app.ts')) ?? []).length > 10);
  });

  it('has no circle of imports', () => {
    const named = circles(graph).map((circle) => circle.map((file) => path.relative(SRC, file)).join(' → '));
    assert.deepEqual(named, []);
  });

  it('would see one: the check finds a planted circle', () => {
    const planted = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(circles(planted), [['a.ts', 'b.ts', 'c.ts']]);
    assert.deepEqual(importsOf('/x/src/a.ts', "import type { B } from './b.js';\nimport './c.js';\nexport { d } from '../d.js';"), ['/x/src/b.ts', '/x/src/c.ts', '/x/d.ts']);
  });
});
