// npm run build, after tsc: the static assets as production serves them, in
// dist/public/ (beside the compiled code, where src/paths.ts's
// BUILT_ASSETS_DIR points from dist/): each file under its content-hashed
// name, its brotli (.br) and gzip (.gz) forms made here once, at the highest
// levels, and manifest.json mapping plain URLs to them. The server reads them
// at startup and never compresses per request (src/middleware/static-assets.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readAssets, writeAssets } from '../src/middleware/static-assets.js';

const OUT = path.resolve(import.meta.dirname, '..', 'dist', 'public');

const assets = readAssets({ compress: true });
rmSync(OUT, { recursive: true, force: true });
let bytes = 0;
writeAssets(assets, OUT, (file, data) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
  bytes += data.length;
});
console.log(`${assets.length} static assets, with their brotli and gzip forms, in ${path.relative(process.cwd(), OUT)}/ (${Math.round(bytes / 1024)} KiB)`);
