// One system of the benchmark: deeptype's browser build trains the seed model for one epoch
// in headless Chromium (Debian's, through playwright-core) on a cross-origin isolated page,
// so on Web Workers, then predicts the test set; prints one JSON line as seed-deeptype.ts does.
// Usage: node --import tsx bench/seed-browser.ts [--threads N] [--limit N]
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { datasets } from 'deeptype';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowser } from '../scripts/build-browser.mjs';

const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({ options: { threads: { type: 'string' }, limit: { type: 'string' } } });
if (!existsSync(CHROMIUM)) { console.error('Debian chromium is not installed (apt-get install chromium)'); process.exit(1); }

const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
const limit = values.limit ? Number(values.limit) : xTrain.shape[0];
const files: Record<string, Uint8Array> = {
  '/deeptype.js': readFileSync(await buildBrowser(join(mkdtempSync(join(tmpdir(), 'deeptype-bench-')), 'deeptype.js'))),
  '/x-train': xTrain.data.subarray(0, limit * 784) as Uint8Array, '/y-train': yTrain.data.subarray(0, limit) as Uint8Array,
  '/x-test': xTest.data as Uint8Array, '/y-test': yTest.data as Uint8Array,
};
// The page: the same steps as seed-deeptype.ts (seed 1, Adam, batch 32, inference at batch 256).
const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import * as dt from './deeptype.js';
const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
window.result = (async () => {
  await dt.ready();
  ${values.threads ? `dt.setThreads(${Number(values.threads)}); await dt.ready();` : ''}
  dt.setRandomSeed(1);
  const [xb, yb, xtb, ytb] = await Promise.all(['x-train', 'y-train', 'x-test', 'y-test'].map(bytes));
  const xTrain = dt.tensor(xb, [yb.length, 28, 28]).div(255), yTrain = dt.tensor(yb, [yb.length]);
  const xTest = dt.tensor(xtb, [ytb.length, 28, 28]).div(255), yTest = dt.tensor(ytb, [ytb.length]);
  const { layers, models, losses, optimizers } = dt;
  const model = new models.Sequential([
    new layers.Input({ shape: [28, 28] }), new layers.Reshape({ targetShape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same' }), new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Conv2D({ filters: 16, kernelSize: [3, 3], padding: 'same' }), new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Flatten(), new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
  let start = 0, seconds = 0;
  await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, verbose: 0, callbacks: [{
    onEpochBegin: () => { start = performance.now(); }, onEpochEnd: () => { seconds = (performance.now() - start) / 1000; } }] });
  model.predict(xTest.index([0, 256]), { batchSize: 256 });
  const t = performance.now();
  model.predict(xTest, { batchSize: 256 });
  const inferImagesPerSec = ytb.length / ((performance.now() - t) / 1000);
  const [, testAccuracy] = model.evaluate(xTest, yTest, { batchSize: 256, verbose: 0 });
  return { threads: dt.getThreads(), isolated: crossOriginIsolated, seconds, steps: Math.ceil(yb.length / 32), inferImagesPerSec, testAccuracy };
})().catch((e) => ({ error: String(e.stack || e) }));
</script>`;
const server = createServer((req, res) => {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (req.url === '/') res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(page);
  else if (req.url && files[req.url]) res.writeHead(200, { ...headers, 'Content-Type': req.url.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' }).end(files[req.url]);
  else res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  type PageResult = { error?: string; threads: number; isolated: boolean; seconds: number; steps: number; inferImagesPerSec: number; testAccuracy: number };
  const r = await tab.evaluate(() => (window as unknown as { result: Promise<PageResult> }).result);
  if (r.error) throw new Error(r.error);
  const msPerStep = (r.seconds / r.steps) * 1000;
  console.log(JSON.stringify({
    name: 'deeptype-wasm-chromium', threads: r.threads, secondsPerEpoch: (msPerStep * 1875) / 1000, msPerStep, inferImagesPerSec: r.inferImagesPerSec,
    peakRssMB: null, testAccuracy: values.limit ? null : r.testAccuracy, extrapolated: Boolean(values.limit), trainedSamples: limit,
    browser: `Chromium ${browser.version()}`, crossOriginIsolated: r.isolated,
  }));
} finally {
  await browser.close();
  server.close();
}
