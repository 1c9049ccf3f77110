// layers: the two rules of src/'s imports, checked by `npm run lint` (and
// by test/ops/layering.test.ts, which also shows each check catches a planted
// break):
//
//   1. no circle of imports: src/ reads top-down. A circle has no first file
//      to read, and its modules see each other half-loaded. Type-only
//      imports count too: a circle of types is still a circle to read.
//   2. the core never imports a feature (src/feature.ts says why), however
//      indirectly. Only src/features/ itself and the production process
//      (src/server.ts, which picks the features FEATURES turns on) may.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const FEATURES_DIR = path.join(SRC, 'features');
/** The files outside src/features/ that may import a feature. */
export const MAY_IMPORT_FEATURES = [path.join(SRC, 'server.ts')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The files of src/ a file imports (static and dynamic imports, re-exports; relative paths only). */
export function importsOf(file: string, source: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm, /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.push(path.resolve(path.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')));
  }
  return found;
}

/** src/ as a graph: each file and the files it imports. */
export function importGraph(dir = SRC): Map<string, string[]> {
  return new Map(sourceFiles(dir).map((file) => [file, importsOf(file, readFileSync(file, 'utf8'))]));
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

const isFeature = (file: string, featuresDir: string) => file.startsWith(featuresDir + path.sep);

/** Each core file that reaches a feature, with the path of imports that gets there. */
export function coreReachingFeatures(graph: Map<string, string[]>, featuresDir = FEATURES_DIR, allowed = MAY_IMPORT_FEATURES): string[][] {
  const found: string[][] = [];
  for (const start of graph.keys()) {
    if (isFeature(start, featuresDir) || allowed.includes(start)) continue;
    // breadth first through core files only: the first feature file met ends the path
    const cameFrom = new Map<string, string>([[start, start]]);
    const queue = [start];
    let reached: string | undefined;
    while (queue.length > 0 && reached === undefined) {
      const file = queue.shift() ?? '';
      for (const next of graph.get(file) ?? []) {
        if (cameFrom.has(next)) continue;
        cameFrom.set(next, file);
        if (isFeature(next, featuresDir)) {
          reached = next;
          break;
        }
        if (graph.has(next)) queue.push(next);
      }
    }
    if (reached === undefined) continue;
    const route = [reached];
    while (route[0] !== start) route.unshift(cameFrom.get(route[0] ?? '') ?? start);
    found.push(route);
  }
  return found;
}

// run as a script: `npm run lint`
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const named = (files: string[]) => files.map((file) => path.relative(SRC, file)).join(' → ');
  const problems = [
    ...circles(graph).map((circle) => `a circle of imports: ${named([...circle, circle[0] ?? ''])}`),
    ...coreReachingFeatures(graph).map((route) => `the core imports a feature (src/feature.ts is the way in): ${named(route)}`),
  ];
  for (const problem of problems) console.error(`src/: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(`src/: ${graph.size} files, no circle of imports, no feature imported by the core`);
}
