// static assets: the stylesheet, the scripts and the browser half of passkeys,
// served before the session middleware so they never cost a session lookup,
// from memory, each under two URLs:
//
// - its content-hashed URL (/css/site.3f2a1b9c0d.css), cached for a year as
//   immutable: a changed file gets a new URL. Pages link these, through the
//   template local asset('/css/site.css');
// - its plain URL (/css/site.css), cached briefly and revalidated by ETag, for
//   anything that still asks for it.
//
// Brotli and gzip forms are made once, ahead of time: by `npm run build`
// (tools/build-assets.ts writes them to dist/public/ with a manifest), or at
// startup when the server runs without a build (tests, tsx). A request only
// picks the form its Accept-Encoding allows; nothing is compressed per
// request. In development the files are read again whenever one changes, so
// an edit shows on reload, and served uncompressed.
//
// Pages are never compressed: they carry a CSRF token next to text an attacker
// can influence, the setting the BREACH attack needs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { RequestHandler } from 'express';
import { BUILT_ASSETS_DIR, PUBLIC_DIR } from '../paths.js';

// the folders under public/ that pages link to. Only URLs of files in these
// reach the table: nothing else is looked up on disk
const ASSET_FOLDERS = ['css', 'js'];
const ASSET_PREFIXES = ASSET_FOLDERS.map((folder) => `/${folder}/`);

// the browser half of passkeys, served from this site (the CSP allows no
// other): @simplewebauthn/browser's ES modules, straight from the installed
// package (a production dependency), so its version is always package.json's.
// Its modules import each other by relative URL, so the folder is hashed as a
// whole: /js/simplewebauthn-browser.<hash>/index.js
const WEBAUTHN_BROWSER_DIR = path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));
export const WEBAUTHN_BROWSER_URL = '/js/simplewebauthn-browser';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
const MANIFEST = 'manifest.json';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One file, as served. */
export interface Asset {
  /** the URL it is known by: /css/site.css */
  url: string;
  /** the URL pages link: /css/site.3f2a1b9c0d.css */
  hashedUrl: string;
  type: string;
  /** of this file's bytes as served: its ETag */
  hash: string;
  body: Buffer;
  /** the precompressed forms, where they are smaller */
  br?: Buffer;
  gzip?: Buffer;
}

/** What `npm run build` writes beside the files: plain URL → how to serve it. */
type Manifest = Record<string, { hashedUrl: string; type: string; hash: string; file: string; encodings: ('br' | 'gzip')[] }>;

export interface AssetSources {
  /** public/ */
  publicDir: string;
  /** @simplewebauthn/browser's ES modules */
  webauthnDir: string;
}

const DEFAULT_SOURCES: AssetSources = { publicDir: PUBLIC_DIR, webauthnDir: WEBAUTHN_BROWSER_DIR };

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Every source file with its URL: ours under css/ and js/, and the passkey library's modules. */
function sourceFiles(sources: AssetSources): { url: string; file: string; vendor: boolean }[] {
  const ours = ASSET_FOLDERS.flatMap((folder) =>
    filesUnder(path.join(sources.publicDir, folder), (name) => path.extname(name) in TYPES).map((rel) => ({
      url: `/${folder}/${rel}`,
      file: path.join(sources.publicDir, folder, rel),
      vendor: false,
    })),
  );
  const vendor = filesUnder(sources.webauthnDir, (name) => name.endsWith('.js')).map((rel) => ({
    url: `${WEBAUTHN_BROWSER_URL}/${rel}`,
    file: path.join(sources.webauthnDir, rel),
    vendor: true,
  }));
  return [...vendor, ...ours];
}

const hashOf = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 10);

/** /css/site.css with hash h: /css/site.h.css */
function withHash(url: string, hash: string): string {
  const ext = path.posix.extname(url);
  return `${url.slice(0, url.length - ext.length)}.${hash}${ext}`;
}

function compressed(body: Buffer, type: string): Pick<Asset, 'br' | 'gzip'> {
  const br = zlib.brotliCompressSync(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_MODE]: type.startsWith('text/') ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gzip = zlib.gzipSync(body, { level: zlib.constants.Z_BEST_COMPRESSION });
  return { ...(br.length < body.length ? { br } : {}), ...(gzip.length < body.length ? { gzip } : {}) };
}

/**
 * The assets, read from their sources: hashed, and compressed if asked.
 * Our scripts import the passkey library by its plain folder URL; they are
 * served with its hashed folder instead, so that a new version of the library
 * also gives them new URLs.
 */
export function readAssets(options: { compress: boolean; sources?: AssetSources }): Asset[] {
  const files = sourceFiles(options.sources ?? DEFAULT_SOURCES).map((source) => ({ ...source, body: readFileSync(source.file) }));
  const vendorHash = hashOf(
    Buffer.concat(files.filter((f) => f.vendor).flatMap((f) => [Buffer.from(`${f.url}\0`), f.body, Buffer.from('\0')])),
  );
  const vendorFolder = `${WEBAUTHN_BROWSER_URL}.${vendorHash}`;
  return files.map(({ url, body: source, vendor }) => {
    const type = TYPES[path.posix.extname(url)] ?? 'application/octet-stream';
    const body = vendor || !url.endsWith('.js') ? source : Buffer.from(source.toString('utf8').replaceAll(`${WEBAUTHN_BROWSER_URL}/`, `${vendorFolder}/`));
    const hash = hashOf(body);
    const hashedUrl = vendor ? `${vendorFolder}${url.slice(WEBAUTHN_BROWSER_URL.length)}` : withHash(url, hash);
    return { url, hashedUrl, type, hash, body, ...(options.compress ? compressed(body, type) : {}) };
  });
}

/** Writes the assets, their precompressed forms and the manifest into dir (npm run build). */
export function writeAssets(assets: Asset[], dir: string, write: (file: string, data: Buffer | string) => void): void {
  const manifest: Manifest = {};
  for (const asset of assets) {
    const file = asset.hashedUrl.slice(1);
    write(path.join(dir, file), asset.body);
    if (asset.br) write(path.join(dir, `${file}.br`), asset.br);
    if (asset.gzip) write(path.join(dir, `${file}.gz`), asset.gzip);
    const encodings = (['br', 'gzip'] as const).filter((encoding) => asset[encoding]);
    manifest[asset.url] = { hashedUrl: asset.hashedUrl, type: asset.type, hash: asset.hash, file, encodings };
  }
  write(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The assets `npm run build` wrote, or undefined without a build. */
function builtAssets(dir: string): Asset[] | undefined {
  const manifestFile = path.join(dir, MANIFEST);
  if (!existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  return Object.entries(manifest).map(([url, entry]) => {
    const file = path.join(dir, entry.file);
    return {
      url,
      hashedUrl: entry.hashedUrl,
      type: entry.type,
      hash: entry.hash,
      body: readFileSync(file),
      ...(entry.encodings.includes('br') ? { br: readFileSync(`${file}.br`) } : {}),
      ...(entry.encodings.includes('gzip') ? { gzip: readFileSync(`${file}.gz`) } : {}),
    };
  });
}

interface Table {
  /** plain and hashed URLs → the asset, and whether the URL is the hashed one */
  byUrl: Map<string, { asset: Asset; immutable: boolean }>;
}

function tableOf(assets: Asset[]): Table {
  const byUrl = new Map<string, { asset: Asset; immutable: boolean }>();
  for (const asset of assets) {
    byUrl.set(asset.url, { asset, immutable: false });
    byUrl.set(asset.hashedUrl, { asset, immutable: true });
  }
  return { byUrl };
}

/** In development: the table, read again whenever a source file was added, removed or changed. */
function liveTable(sources: AssetSources): () => Table {
  let signature = '';
  let table: Table = { byUrl: new Map() };
  return () => {
    const now = sourceFiles(sources)
      .map(({ file }) => {
        const stat = statSync(file, { throwIfNoEntry: false });
        return `${file}:${stat?.mtimeMs}:${stat?.size}`;
      })
      .join('\n');
    if (now !== signature) {
      table = tableOf(readAssets({ compress: false, sources }));
      signature = now;
    }
    return table;
  };
}

/**
 * The encoding to answer with: br or gzip where the client accepts it
 * (Accept-Encoding, with its q-values and "*") and the asset has it; br when
 * both are equally welcome. Otherwise identity.
 */
export function chooseEncoding(acceptEncoding: string | undefined, asset: Pick<Asset, 'br' | 'gzip'>): 'br' | 'gzip' | 'identity' {
  if (!acceptEncoding || (!asset.br && !asset.gzip)) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name.trim().toLowerCase(), Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  const br = asset.br ? weight('br') : 0;
  const gzip = asset.gzip ? Math.max(weight('gzip'), q.get('x-gzip') ?? 0) : 0;
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return 'identity';
}

const ETAG_SUFFIX = { identity: '', br: '.br', gzip: '.gz' } as const;

function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

export type StaticAssets = RequestHandler & {
  /** The URL a page links for an asset: asset('/css/site.css') → '/css/site.3f2a1b9c0d.css' */
  asset: (url: string) => string;
};

// production without a build: compressed once per process (half a second),
// however many apps it builds (tests)
const preparedAtStartup = new Map<string, Asset[]>();

function preparedOnce(sources: AssetSources): Asset[] {
  const key = JSON.stringify(sources);
  const assets = preparedAtStartup.get(key) ?? readAssets({ compress: true, sources });
  preparedAtStartup.set(key, assets);
  return assets;
}

export function staticAssets(options: { isProduction: boolean; sources?: AssetSources; builtDir?: string }): StaticAssets {
  const sources = options.sources ?? DEFAULT_SOURCES;
  let table: () => Table;
  if (options.isProduction) {
    // the build's files where there is a build (the server runs from dist/),
    // or the same made once now (tests, and tsx)
    const fixed = tableOf(builtAssets(options.builtDir ?? BUILT_ASSETS_DIR) ?? preparedOnce(sources));
    table = () => fixed;
  } else {
    table = liveTable(sources);
  }
  // plain URLs: revalidated with the ETag after an hour in production; always in development
  const plainCaching = options.isProduction ? 'public, max-age=3600' : 'public, max-age=0';

  const handler: RequestHandler = (req, res, next) => {
    // pages pass straight through (in development, without the table's
    // look at the files)
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !ASSET_PREFIXES.some((prefix) => req.path.startsWith(prefix))) {
      next();
      return;
    }
    const found = table().byUrl.get(req.path);
    if (!found) {
      next();
      return;
    }
    const { asset, immutable } = found;
    const encoding = chooseEncoding(req.headers['accept-encoding'], asset);
    const body = encoding === 'identity' ? asset.body : (asset[encoding] ?? asset.body);
    // each form is a representation of its own, with an ETag of its own.
    // Not "-gzip": Caddy's encode strips that suffix from If-None-Match (it
    // marks its own compressed responses so), and the 304 would be lost
    const etag = `"${asset.hash}${ETAG_SUFFIX[encoding]}"`;
    res.setHeader('Cache-Control', immutable ? IMMUTABLE : plainCaching);
    res.setHeader('Content-Type', asset.type);
    res.setHeader('ETag', etag);
    if (asset.br || asset.gzip) res.setHeader('Vary', 'Accept-Encoding');
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return Object.assign(handler, {
    asset: (url: string): string => {
      const found = table().byUrl.get(url);
      if (!found) throw new Error(`asset(${JSON.stringify(url)}): no such file under public/css, public/js or the passkey library`);
      return found.asset.hashedUrl;
    },
  });
}
