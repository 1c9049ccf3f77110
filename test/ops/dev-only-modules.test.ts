// Development-only modules stay out of production. The local mail catcher
// (src/mail/catcher.ts) and its packages, smtp-server and mailparser, are
// development dependencies, which the image's `npm ci --omit=dev` leaves out:
// the production server must start and serve without them. Three proofs: the
// package files; the server's static imports, as tsc emits them, never reach
// them (app-mail.ts loads the catcher with import() when there is no
// SMTP_URL, which production refuses); and the built server (dist/server.js,
// `npm run build` first) runs in production with them made impossible to load.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../src/paths.js';
import { PRODUCTION_TEST_ENV } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { startTestDatabase, type TestDatabase } from '../helpers/database.js';

const DEV_ONLY_PACKAGES = ['smtp-server', 'mailparser'];
const CATCHER = 'src/mail/catcher.ts';

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface PackageLock {
  packages: Record<string, { dev?: boolean }>;
}
const readJson = <T>(file: string) => JSON.parse(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')) as T;

/** A bare specifier's package: `@scope/name/sub` is @scope/name, `name/sub` is name. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * The source files and packages a file's static imports reach, following
 * them through src/ as the compiled JavaScript does: `import type` is gone,
 * `import { type X }` is not (verbatimModuleSyntax keeps it), and import()
 * is not followed.
 */
function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const fileName = path.join(PROJECT_ROOT, file);
    const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
      fileName,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const emitted = ts.createSourceFile(fileName.replace(/\.ts$/, '.js'), outputText, ts.ScriptTarget.ES2022);
    for (const statement of emitted.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const name = specifier.text;
      if (name.startsWith('.')) {
        visit(path.relative(PROJECT_ROOT, path.resolve(path.dirname(fileName), name.replace(/\.js$/, '.ts'))));
      } else if (!name.startsWith('node:') && !builtinModules.includes(name)) {
        packages.add(packageOf(name));
      }
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the development-only mail catcher', () => {
  it('has its packages in devDependencies, which npm ci --omit=dev leaves out', () => {
    const pkg = readJson<PackageJson>('package.json');
    const lock = readJson<PackageLock>('package-lock.json');
    for (const name of DEV_ONLY_PACKAGES) {
      assert.ok(pkg.devDependencies[name], `${name} is in devDependencies`);
      assert.equal(pkg.dependencies[name], undefined, `${name} is not in dependencies`);
      assert.equal(lock.packages[`node_modules/${name}`]?.dev, true, `package-lock.json marks ${name} dev-only`);
    }
  });

  it('is reached by no static import from src/server.ts, which reaches production dependencies only', () => {
    const pkg = readJson<PackageJson>('package.json');
    const { files, packages } = staticImports('src/server.ts');
    // the walk does see the mail code, and what the catcher itself imports
    assert.ok(files.has('src/mail/app-mail.ts'), 'server.ts reaches app-mail.ts');
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'src/mail/app-mail.ts'), 'utf8'), /await import\('\.\/catcher\.js'\)/, 'app-mail.ts loads the catcher with import()');
    assert.deepEqual([...staticImports(CATCHER).packages].sort(), [...DEV_ONLY_PACKAGES].sort(), 'the catcher imports smtp-server and mailparser');

    assert.ok(!files.has(CATCHER), `${CATCHER} is statically imported from src/server.ts: load it with import() on the development path`);
    for (const name of DEV_ONLY_PACKAGES) assert.ok(!packages.has(name), `${name} is statically imported from src/server.ts`);
    // the same for the local OpenID provider (features/oidc/index.ts loads it with import())
    assert.ok(files.has('src/features/oidc/index.ts'), 'server.ts reaches the oidc feature');
    assert.ok(!files.has('src/features/oidc/dev-provider.ts'), 'the local OpenID provider is statically imported from src/server.ts');
    assert.ok(!packages.has('oidc-provider'), 'oidc-provider is statically imported from src/server.ts');
    assert.ok(pkg.devDependencies['oidc-provider'] && !pkg.dependencies['oidc-provider'], 'oidc-provider is a development dependency');
    const notProduction = [...packages].filter((name) => !pkg.dependencies[name]);
    assert.deepEqual(notProduction, [], 'every package src/server.ts imports is a production dependency');
  });
});

describe('the built server in production', () => {
  const SERVER = path.join(PROJECT_ROOT, 'dist', 'server.js');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-dev-only-'));
  // a module hook that fails every load of the catcher or its packages, as the
  // production image (no development dependencies) would
  const hooks = path.join(scratch, 'hooks.mjs');
  writeFileSync(
    hooks,
    `const DEV_ONLY = /\\/node_modules\\/(?:${DEV_ONLY_PACKAGES.join('|')})\\/|\\/dist\\/mail\\/catcher\\.js$/;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (DEV_ONLY.test(resolved.url)) throw new Error('development-only module loaded: ' + resolved.url);
  return resolved;
}
`,
  );
  const register = path.join(scratch, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

  let db: TestDatabase;
  before(async () => {
    db = await startTestDatabase();
  });
  after(async () => {
    await db?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  function start(env: Record<string, string>) {
    assert.ok(existsSync(SERVER), 'dist/server.js is missing: run npm run build first');
    const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, SERVER], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MONGODB_URI: db.freshUri(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const listening = async (): Promise<string> => {
      for (;;) {
        const match = /Cloakroom is listening on (\S+)/.exec(output);
        if (match) return (match[1] ?? '').replace('localhost', '127.0.0.1');
        if (child.exitCode !== null) assert.fail(`server exited early:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    return { child, exited, listening, output: () => output };
  }

  it('starts, with mail on, and serves without smtp-server, mailparser or the catcher', { timeout: 60_000 }, async () => {
    const server = start({ ...PRODUCTION_TEST_ENV });
    try {
      const url = await server.listening();
      const res = await new Client(url).get('/healthz');
      assert.equal(res.status, 200);
      const login = await new Client(url, { 'x-forwarded-proto': 'https' }).get('/login');
      assert.equal(login.status, 200);
      assert.match(server.output(), /Mail: sent through smtp:\/\/127\.0\.0\.1:9/);
    } finally {
      server.child.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0, server.output());
    assert.doesNotMatch(server.output(), /development-only module loaded/);
  });

  it('(the check itself: without SMTP_URL, outside production, the same hook stops the catcher loading)', { timeout: 60_000 }, async () => {
    const server = start({ NODE_ENV: 'test' });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /development-only module loaded: \S+\/dist\/mail\/catcher\.js/);
  });
});
