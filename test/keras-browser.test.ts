// Keras files in the browser build (headless Chromium): a .keras and an .h5 written by Node
// load from an ArrayBuffer and predict what Node predicts; a model saved in the page to bytes
// loads back in Node bit for bit. HDF5 arrives as a lazily loaded chunk of the bundle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import * as dt from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { resetNames } from '../src/layers/layer.ts';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowser } from '../scripts/build-browser.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)';

describe('Keras files in the browser build', { skip }, () => {
  let server: Server, base: string, browser: Browser, model: dt.models.Sequential;
  const files: Record<string, Uint8Array> = {};
  const x = dt.tensor(Float32Array.from({ length: 4 * 784 }, (_, i) => ((i * 7919) % 1000) / 1000), [4, 28, 28]);
  before(async () => {
    resetNames();
    dt.setRandomSeed(5);
    model = seedModel();
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    await model.fit(x, dt.tensor(Int32Array.of(1, 2, 3, 4), [4]), { epochs: 1, batchSize: 2, verbose: 0 });
    files['/m.keras'] = await dt.io.saveKerasModel(model, 'keras');
    files['/m.h5'] = await dt.io.saveKerasModel(model, 'h5');
    const dist = dirname(await buildBrowser(join(mkdtempSync(join(tmpdir(), 'deeptype-kbrowser-')), 'deeptype.js')));
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (files[url]) return void res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(files[url]);
      if (url === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">');
      const path = normalize(join(dist, url));
      if (path.startsWith(dist) && existsSync(path) && url.endsWith('.js')) return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(path));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  after(async () => { await browser?.close(); server?.close(); });

  it('loads .keras and .h5 from an ArrayBuffer, predicts as Node does, and saves to bytes', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + '/');
    const r = await page.evaluate(async ([xs]) => {
      const lib = await import('/deeptype.js' as string);
      await lib.ready();
      const out: Record<string, unknown> = {};
      for (const f of ['m.keras', 'm.h5']) {
        const m = await lib.io.loadKerasModel(await (await fetch('/' + f)).arrayBuffer(), f);
        out[f] = { pred: Array.from(m.predict(lib.tensor(Float32Array.from(xs as number[]), [4, 28, 28])).data), iterations: m.optimizer.iterations };
        if (f === 'm.keras') out.saved = Array.from(await lib.io.saveKerasModel(m, 'keras'));
      }
      return out;
    }, [Array.from(x.data)]);
    await page.close();
    assert.deepEqual(errors, []);
    const expected = Array.from(model.predict(x).data);
    for (const f of ['m.keras', 'm.h5']) {
      const got = r[f] as { pred: number[]; iterations: number };
      assert.equal(got.iterations, 2);
      got.pred.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-6, `${f}[${i}]: ${v} vs ${expected[i]}`));
    }
    const back = await dt.io.loadKerasModel(Uint8Array.from(r.saved as number[]), 'from-browser.keras');
    assert.deepEqual(back.getWeights().map((w) => Array.from(w.data)), model.getWeights().map((w) => Array.from(w.data)));
  });
});
