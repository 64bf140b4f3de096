// TF.js's IO handlers in a real page (headless Chromium, the browser build): a model loads over
// a relative URL; indexeddb:// and localstorage:// round trip and are read by TF.js itself on
// the same page (and TF.js's saves by deeptype); listModels/moveModel/removeModel; downloads://
// starts the two downloads, which Node then loads.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { resetNames } from '../src/layers/layer.ts';
import { noChromium, servePage, type TestPage } from './helpers/browser-page.ts';

const TFJS = join(dirname(new URL(import.meta.url).pathname), '..', 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js');

describe('IO handlers in the browser build', { skip: noChromium }, () => {
  let site: TestPage, base: string, browser: Browser, model: models.Sequential, dir: string;
  const x = dt.tensor(Float32Array.from({ length: 2 * 6 * 6 * 1 }, (_, i) => Math.cos(i * 0.41)), [2, 6, 6, 1]);
  before(async () => {
    resetNames();
    dt.setRandomSeed(8);
    model = new models.Sequential([
      new layers.Input({ shape: [6, 6, 1] }),
      layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
      layers.flatten(),
      layers.dense({ units: 4, activation: 'softmax' }),
    ]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await model.fit(x, dt.tensor(Int32Array.of(1, 3), [2]), { epochs: 1, batchSize: 2, verbose: 0 });
    dir = mkdtempSync(join(tmpdir(), 'deeptype-io-browser-'));
    await model.save(join(dir, 'm'));
    site = await servePage((url) => {
      if (url === '/tf.min.js') return readFileSync(TFJS);
      if (url.startsWith('/m/') && readdirSync(join(dir, 'm')).includes(url.slice(3))) return readFileSync(join(dir, 'm', url.slice(3)));
      return undefined;
    });
    ({ base, browser } = site);
  });
  after(async () => { await site?.close(); });

  it('indexeddb:// and localstorage:// round trip, in TF.js\'s layout both ways; downloads:// loads in Node', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const downloads: Promise<string>[] = [];
    page.on('download', (d) => downloads.push((async () => { const to = join(dir, 'dl', d.suggestedFilename()); await d.saveAs(to); return d.suggestedFilename(); })()));
    await page.goto(base + '/');
    await page.addScriptTag({ url: '/tf.min.js' });
    const r = await page.evaluate(async ([xs]) => {
      const lib = await import('/deeptype.js' as string);
      const tf = (globalThis as unknown as { tf: any }).tf; // eslint-disable-line @typescript-eslint/no-explicit-any
      await lib.ready();
      await tf.setBackend('cpu');
      const input = lib.tensor(Float32Array.from(xs as number[]), [2, 6, 6, 1]);
      const tfInput = tf.tensor(xs, [2, 6, 6, 1]);
      const out: Record<string, unknown> = {};
      const m = await lib.loadLayersModel('/m/model.json'); // relative to the page, as TF.js reads it
      out.http = Array.from(m.predict(input).data);
      await m.save('indexeddb://a');
      out.idb = Array.from((await lib.loadLayersModel('indexeddb://a')).predict(input).data);
      out.tfIdb = Array.from((await tf.loadLayersModel('indexeddb://a')).predict(tfInput).dataSync());
      await m.save('localstorage://b');
      out.ls = Array.from((await lib.loadLayersModel('localstorage://b')).predict(input).data);
      out.tfLs = Array.from((await tf.loadLayersModel('localstorage://b')).predict(tfInput).dataSync());
      const theirs = await tf.loadLayersModel('/m/model.json');
      await theirs.save('indexeddb://t');
      out.tfSaved = Array.from(theirs.predict(tfInput).dataSync());
      out.ourOfTf = Array.from((await lib.loadLayersModel('indexeddb://t')).predict(input).data);
      await lib.io.moveModel('indexeddb://t', 'localstorage://t2');
      out.listed = Object.keys(await lib.io.listModels()).sort();
      out.tfListed = Object.keys(await tf.io.listModels()).sort();
      out.removed = (await lib.io.removeModel('indexeddb://a')).weightDataBytes;
      try { await lib.loadLayersModel('indexeddb://a'); } catch (e) { out.missing = (e as Error).message; }
      try { await m.save('plain-name'); } catch (e) { out.plain = (e as Error).message; }
      await m.save('downloads://dm');
      return out;
    }, [Array.from(x.data)]);
    await page.waitForTimeout(500);
    const files = (await Promise.all(downloads)).sort();
    await context.close();
    assert.deepEqual(errors, []);
    const expected = Array.from((model.predict(x) as dt.Tensor).data);
    const near = (got: unknown, what: string, tol = 1e-6) => (got as number[]).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}]: ${v} vs ${expected[i]}`));
    near(r.http, 'over a relative URL');
    near(r.idb, 'indexeddb round trip');
    near(r.ls, 'localstorage round trip');
    near(r.tfIdb, 'TF.js reading deeptype\'s indexeddb', 1e-5);
    near(r.tfLs, 'TF.js reading deeptype\'s localstorage', 1e-5);
    near(r.ourOfTf, 'deeptype reading TF.js\'s indexeddb', 1e-5);
    near(r.tfSaved, 'TF.js itself', 1e-5);
    assert.deepEqual(r.listed, ['indexeddb://a', 'localstorage://b', 'localstorage://t2']);
    assert.deepEqual(r.tfListed, r.listed, 'TF.js lists the same models');
    assert.equal(r.removed, model.weights.reduce((n, w) => n + w.size * 4, 0));
    assert.match(String(r.missing), /indexeddb:\/\/a: no model of that name in IndexedDB/);
    assert.match(String(r.plain), /in a browser: name where it goes: 'indexeddb:\/\/plain-name'/);
    assert.deepEqual(files, ['dm.json', 'dm.weights.bin']);
    const downloaded = await dt.loadLayersModel(join(dir, 'dl', 'dm.json'));
    near(Array.from((downloaded.predict(x) as dt.Tensor).data), 'the downloaded files, loaded in Node', 0);
  });
});
