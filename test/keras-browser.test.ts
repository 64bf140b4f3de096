// Keras files in the browser build (headless Chromium): a .keras and an .h5 written by Node
// load from an ArrayBuffer and predict what Node predicts; a model saved in the page to bytes
// loads back in Node bit for bit. HDF5 arrives as a lazily loaded chunk of the bundle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import * as dt from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { resetNames } from '../src/layers/layer.ts';
import { noChromium, servePage, type TestPage } from './helpers/browser-page.ts';

describe('Keras files in the browser build', { skip: noChromium }, () => {
  let site: TestPage, base: string, browser: Browser, model: dt.models.Sequential;
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
    site = await servePage((url) => files[url]);
    ({ base, browser } = site);
  });
  after(async () => { await site?.close(); });

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
