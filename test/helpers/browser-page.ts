// A page for browser-build tests: a local server for the bundle (built into a temporary folder),
// a blank page at '/' and the given files, and headless Debian Chromium.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowser } from '../../scripts/build-browser.mjs';

export const CHROMIUM = '/usr/bin/chromium';
/** Why browser tests skip here (undefined: they run; CI installs Chromium, so there they never skip). */
export const noChromium = !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)';

export interface TestPage { base: string; browser: Browser; close(): Promise<void> }

/** Serves the browser bundle's .js files and `files(url)` (bytes, or undefined for 404). */
export async function servePage(files: (url: string) => Uint8Array | undefined): Promise<TestPage> {
  const dist = dirname(await buildBrowser(join(mkdtempSync(join(tmpdir(), 'deeptype-page-')), 'deeptype.js')));
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').replace(/\?.*$/, '');
    if (url === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">');
    const own = files(url);
    if (own) return void res.writeHead(200, { 'Content-Type': url.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' }).end(own);
    const path = normalize(join(dist, url));
    if (path.startsWith(dist) && existsSync(path) && url.endsWith('.js')) return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(path));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  return { base, browser, close: async () => { await browser.close(); server.close(); } };
}
