// The browser build in headless Chromium (Debian's, driven by playwright-core): the seed model
// trains and predicts on the wasm backend with worker threads on a cross-origin isolated page
// and on one thread elsewhere, and gives what Node gives for the same seeds and data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import * as dt from 'deeptype';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowser } from '../scripts/build-browser.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)';

// The same work in the page and in Node: the seed model from a fixed seed, one epoch on 96
// synthetic images, then predictions for 8 of them. Written once, as source for both.
const WORK = `async function work(dt, threads, verbose = 0) {
  await dt.ready();
  if (threads) dt.setThreads(threads);
  await dt.ready();
  dt.setRandomSeed(3);
  const { layers, models } = dt;
  const model = new models.Sequential([
    new layers.Input({ shape: [28, 28] }), new layers.Reshape({ targetShape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same' }), new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Conv2D({ filters: 16, kernelSize: [3, 3], padding: 'same' }), new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Flatten(), new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const n = 96;
  const x = dt.tensor(Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919 + (i >> 5) * 104729) % 1000) / 1000), [n, 28, 28]);
  const y = dt.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 10), [n]);
  const start = performance.now();
  const history = await model.fit(x, y, { epochs: 2, batchSize: 32, verbose });
  const fitMs = performance.now() - start;
  const p = model.predict(x.index([0, 8]));
  return { backend: dt.getBackend(), threads: dt.getThreads(), loss: history.history.loss, predictions: Array.from(p.data), fitMs };
}`;
type Result = { backend: string; threads: number; loss: number[]; predictions: number[]; fitMs: number; isolated?: boolean; errors?: string[]; logs?: string[] };
// eslint-disable-next-line no-new-func
const work = new Function(`return ${WORK}`)() as (lib: typeof dt, threads?: number) => Promise<Result>;

describe('the browser build', { skip }, () => {
  let server: Server, base: string, browser: Browser, bundle: string;
  before(async () => {
    bundle = readFileSync(await buildBrowser(join(mkdtempSync(join(tmpdir(), 'deeptype-browser-')), 'deeptype.js')), 'utf8');
    const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
      import * as dt from './deeptype.js';
      ${WORK}
      window.result = work(dt, 0, 2).then((r) => ({ ...r, isolated: globalThis.crossOriginIsolated }), (e) => ({ error: String(e.stack || e) }));
    </script>`;
    server = createServer((req, res) => {
      // /isolated/ pages get the two headers that make a page cross-origin isolated.
      const headers: Record<string, string> = req.url?.startsWith('/isolated/')
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      if (req.url?.endsWith('/deeptype.js')) res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(bundle);
      else if (req.url?.endsWith('/')) res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(page);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => { await browser?.close(); server?.close(); });

  async function inPage(path: string): Promise<Result> {
    const page = await browser.newPage();
    const errors: string[] = [], logs: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); else logs.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + path);
    const r = await page.evaluate(() => (window as unknown as { result: Promise<Result & { error?: string }> }).result);
    await page.close();
    assert.equal(r.error, undefined, r.error);
    return { ...r, errors, logs };
  }

  function assertSameRun(a: Result, b: Result, what: string): void {
    assert.equal(a.loss.length, 2);
    a.loss.forEach((l, i) => assert.ok(Math.abs(l - b.loss[i]) < 1e-5, `${what}: loss of epoch ${i + 1}: ${l} vs ${b.loss[i]}`));
    assert.equal(a.predictions.length, 80);
    a.predictions.forEach((p, i) => assert.ok(Math.abs(p - b.predictions[i]) < 1e-5, `${what}: prediction ${i}: ${p} vs ${b.predictions[i]}`));
  }

  it('trains on worker threads on a cross-origin isolated page, as Node does', async () => {
    const page = await inPage('/isolated/');
    assert.deepEqual(page.errors, []);
    assert.equal(page.isolated, true);
    assert.equal(page.backend, 'wasm');
    assert.ok(page.threads >= 2, `threads: ${page.threads}`);
    // fit's verbose 2 output goes to the console, one line per epoch without the bar, as Keras prints it.
    assert.ok(page.logs!.includes('Epoch 2/2'), page.logs!.join('\n'));
    // verbose 2: one line per epoch without the bar, as Keras prints it.
    assert.ok(page.logs!.some((l) => /^3\/3 - \d+s - \d+(?:us|ms|s)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/.test(l)), page.logs!.join('\n'));
    const node = await work(dt, page.threads);
    assert.ok(node.loss[1] < node.loss[0], `the loss falls: ${node.loss}`);
    assertSameRun(page, node, 'isolated page vs Node');
    console.log(`Chromium, ${page.threads} threads: fit ${page.fitMs.toFixed(0)} ms; Node: ${node.fitMs.toFixed(0)} ms`);
  });

  it('browser.fromPixels reads a canvas and toPixels draws one: the same bytes back', async () => {
    const page = await browser.newPage();
    await page.goto(base + '/plain/');
    await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result);
    const r = await page.evaluate(async () => {
      const dt = await import('./deeptype.js' as string) as typeof import('deeptype');
      const c = document.createElement('canvas');
      c.width = 4; c.height = 3;
      const ctx = c.getContext('2d')!;
      const img = ctx.createImageData(4, 3);
      for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (i * 29) % 256;
      ctx.putImageData(img, 0, 0);
      const t = dt.browser.fromPixels(c as never, 4);
      const out = document.createElement('canvas');
      const bytes = await dt.browser.toPixels(t, out);
      const back = out.getContext('2d')!.getImageData(0, 0, 4, 3).data;
      return { shape: t.shape, same: Array.from(bytes).every((v, i) => v === img.data[i] && back[i] === v), fromCanvas: Array.from(t.data).slice(0, 8), want: Array.from(img.data).slice(0, 8) };
    });
    await page.close();
    assert.deepEqual(r.shape, [3, 4, 4]);
    assert.deepEqual(r.fromCanvas, r.want);
    assert.ok(r.same, 'toPixels gave the canvas\'s bytes back, and drew them');
  });

  it('falls back to one thread without cross-origin isolation, with the same results', async () => {
    const page = await inPage('/plain/');
    assert.deepEqual(page.errors, []);
    assert.equal(page.isolated, false);
    assert.equal(page.backend, 'wasm');
    assert.equal(page.threads, 1);
    assertSameRun(page, await work(dt, 1), 'plain page vs Node');
  });
});
