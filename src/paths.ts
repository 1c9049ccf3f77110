// paths: where the project's folders are, the same from src/ (tsx) and dist/ (compiled)
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export const VIEWS_DIR = path.join(PROJECT_ROOT, 'views');
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');
// what `npm run build` makes of public/ (tools/build-assets.ts): beside the
// compiled code, so dist/public/. From src/ (tsx) there is none, and the
// server prepares the same at startup (middleware/static-assets.ts)
export const BUILT_ASSETS_DIR = path.join(import.meta.dirname, 'public');
