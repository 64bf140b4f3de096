// Soak benchmark (npm run bench:soak; not in CI): the seed model trains for many epochs with
// validation, a checkpoint and predict calls after every epoch, then predict runs 1,000 times
// on varying batch sizes. It reports RSS after every epoch (drift must stay under 5%) and
// seconds per epoch (no upward trend), then RSS over the predict calls (plans are cached with
// a bound, so memory stays flat), as a table and as out/soak.json.
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from 'deeptype';
import { callbacks, datasets } from 'deeptype';
import { seedModel } from '../examples/seed-model.ts';
import { Random } from '../src/core/random.ts';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '20' }, limit: { type: 'string' }, predicts: { type: 'string', default: '1000' }, out: { type: 'string', default: 'out' },
} });
await dt.ready();
dt.setRandomSeed(1);
let [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
const limit = values.limit ? Number(values.limit) : xTrain.shape[0];
[xTrain, yTrain] = [xTrain.index([0, limit]).div(255), yTrain.index([0, limit])];
xTest = xTest.div(255);
const model = seedModel();
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
const ckpt = mkdtempSync(join(tmpdir(), 'deeptype-soak-'));
const rng = new Random(7);
// With --expose-gc (npm run bench:soak sets it) RSS is read after a full collection, so it shows
// what is retained rather than when the collector last ran.
// V8 frees ArrayBuffers' memory on a background thread after a collection, so RSS is read a
// moment later. (npm run bench:soak also fixes glibc's mmap threshold: by default glibc raises
// it after each large free, so freed arrays come back from its heap, whose top it rarely gives
// back: RSS then wanders by +-15 MB with nothing retained.)
const gc = (globalThis as { gc?: () => void }).gc;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
const mb = async (): Promise<number> => { gc?.(); await settle(); gc?.(); return process.memoryUsage().rss / 2 ** 20; };

const epochs = Number(values.epochs);
const rows: { epoch: number; seconds: number; rssMB: number; valAcc: number }[] = [];
let start = 0;
await model.fit(xTrain, yTrain, {
  epochs, batchSize: 32, verbose: 0, validationData: [xTest.index([0, 2000]), yTest.index([0, 2000])],
  callbacks: [
    new callbacks.ModelCheckpoint({ filepath: join(ckpt, 'last') }),
    {
      onEpochBegin: () => { start = performance.now(); },
      onEpochEnd: async (epoch, logs = {}) => {
        const seconds = (performance.now() - start) / 1000; // training, validation and the checkpoint above
        for (const n of [1, 7, 64, 256]) model.predict(xTest.index([0, n]), { batchSize: n });
        const rssMB = await mb();
        rows.push({ epoch: epoch + 1, seconds, rssMB, valAcc: logs.val_acc });
        console.log(`epoch ${epoch + 1}: ${seconds.toFixed(2)} s, RSS ${rssMB.toFixed(1)} MB, val_acc ${logs.val_acc?.toFixed(4)}`);
      },
    },
  ],
});

const predicts = Number(values.predicts);
const predictRss: { calls: number; rssMB: number; plans: number }[] = [];
let predictSeconds = 0, lastNewPlan = 0;
for (let i = 1; i <= predicts; i++) {
  const n = 1 + rng.int(300), plans = model.planCount, t = performance.now();
  model.predict(xTest.index([0, n]), { batchSize: 1 + rng.int(n) });
  predictSeconds += (performance.now() - t) / 1000;
  if (model.planCount !== plans) lastNewPlan = i;
  if (i % 100 === 0) predictRss.push({ calls: i, rssMB: await mb(), plans: model.planCount });
}

// Drift is measured from epoch 2 (epoch 1 compiles the plans and grows the heap once).
const base = rows[Math.min(1, rows.length - 1)];
const drift = (rows[rows.length - 1].rssMB - base.rssMB) / base.rssMB;
const half = Math.floor(rows.length / 2);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const secondsTrend = mean(rows.slice(half).map((r) => r.seconds)) / mean(rows.slice(1, half).map((r) => r.seconds)) - 1;
// Warm-up of the predict phase: until the last call that compiled a new step. Memory is a high
// water mark of the largest step traced (a trace takes all its buffers at once, and WebAssembly
// memory never shrinks); predict runs steps of power-of-two sizes only (at most 256 rows here),
// so after each size has been compiled once nothing new is needed, and growth means a leak.
const warm = predictRss.find((r) => r.calls > lastNewPlan) ?? predictRss[predictRss.length - 1];
const predictDrift = (predictRss[predictRss.length - 1].rssMB - warm.rssMB) / warm.rssMB;
console.log('\n| epoch | seconds | RSS MB | val acc |\n| ----- | ------- | ------ | ------- |');
for (const r of rows) console.log(`| ${r.epoch} | ${r.seconds.toFixed(2)} | ${r.rssMB.toFixed(1)} | ${r.valAcc?.toFixed(4)} |`);
console.log(`\nRSS drift from epoch 2 to ${rows.length}: ${(100 * drift).toFixed(2)}% (limit 5%); ` +
  `seconds per epoch, second half vs first (from epoch 2): ${(100 * secondsTrend).toFixed(1)}%`);
console.log('\n| predict calls | RSS MB | plans cached |\n| ------------- | ------ | ------------ |');
for (const r of predictRss) console.log(`| ${r.calls} | ${r.rssMB.toFixed(1)} | ${r.plans} |`);
const first = predictRss[0];
console.log(`\n${predicts} predicts (random batches of 1-300 images) in ${predictSeconds.toFixed(1)} s; the last new compiled step at call ` +
  `${lastNewPlan}; RSS drift from call ${warm.calls} on: ${(100 * predictDrift).toFixed(2)}% (limit 5%); from call ${first.calls}: ` +
  `${(100 * (predictRss[predictRss.length - 1].rssMB - first.rssMB) / first.rssMB).toFixed(2)}%`);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'soak.json'), JSON.stringify({ threads: dt.getThreads(), gc: Boolean(gc), trainedSamples: limit, rows, drift, secondsTrend, predictRss, lastNewPlan, warmFrom: warm.calls, predictDrift, predictSeconds }, null, 1));
rmSync(ckpt, { recursive: true, force: true });
const ok = drift < 0.05 && predictDrift < 0.05;
console.log(ok ? 'soak: OK' : 'soak: FAILED (memory drift over 5%)');
process.exit(ok ? 0 : 1);
