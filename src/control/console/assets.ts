// The console's static files, read once from the package (src/control/console/assets, copied to dist by the
// build) and from the `uqr` package (QR codes drawn in the browser), served gzipped under content-hashed names.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

export interface AssetUrls {
  js: string;
  css: string;
  qr: string;
}

export interface Assets {
  urls: AssetUrls;
  /** By path (`/assets/console.1a2b3c4d.js`). */
  byPath: Map<string, Asset>;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function asset(file: string, name: string, ext: string): [string, Asset] {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return [
    `/assets/${name}.${hash}.${ext}`,
    { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[ext] ?? '' },
  ];
}

let loaded: Assets | undefined;

/** Loads the assets the first time a console page is served. */
export function consoleAssets(): Assets {
  if (loaded) return loaded;
  const here = (f: string) => new URL(`./assets/${f}`, import.meta.url).pathname;
  const uqr = createRequire(import.meta.url)
    .resolve('uqr')
    .replace(/index\.c?js$/, 'index.mjs');
  const js = asset(here('console.js'), 'console', 'js');
  const css = asset(here('console.css'), 'console', 'css');
  const qr = asset(uqr, 'uqr', 'mjs');
  loaded = { urls: { js: js[0], css: css[0], qr: qr[0] }, byPath: new Map([js, css, qr]) };
  return loaded;
}

/** True when the request accepts gzip. */
export const acceptsGzip = (req: Request) => /\bgzip\b/.test(req.headers.get('accept-encoding') ?? '');
