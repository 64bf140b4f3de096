// One deeptype system of `npm run bench:zoo`: a zoo model (examples/zoo-models.ts) trains on
// synthetic data for --steps compiled steps after --warmup, then predicts at batch 256 and at
// batch 1 (latency). With --onnx PATH it also writes the model's ONNX export there (for
// bench/zoo-ort.ts). Prints one JSON line.
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 'seed' }, threads: { type: 'string' }, steps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' },
  'infer-batches': { type: 'string', default: '4' }, 'latency-runs': { type: 'string', default: '50' }, 'latency-warmup': { type: 'string', default: '200' }, onnx: { type: 'string' }, backend: { type: 'string', default: 'wasm' },
} });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`zoo-deeptype: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
dt.setBackend(values.backend!);
if (values.threads) dt.setThreads(Number(values.threads));
await dt.ready();
dt.setRandomSeed(1);

const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
const warmup = Number(values.warmup);
if (!(warmup >= 2)) throw new Error(`zoo-deeptype: --warmup must be at least 2 (the first step traces the plan, the second verifies it), got ${values.warmup}`);
for (let i = 0; i < warmup; i++) model.trainStep(x, y);
const steps = Number(values.steps);
let t = performance.now();
for (let i = 0; i < steps; i++) model.trainStep(x, y);
const msPerStep = (performance.now() - t) / steps;

// Inference: the first call of each batch shape traces its plan and the second verifies it
// (traces again and compares); neither is timed. Training's warm-up needs the same two.
const xi = syntheticBatch(entry, 256).x, x1 = xi.index([0, 1]);
for (let i = 0; i < 2; i++) model.predict(xi, { batchSize: 256 });
const inferBatches = Number(values['infer-batches']);
t = performance.now();
for (let i = 0; i < inferBatches; i++) model.predict(xi, { batchSize: 256 });
const inferImagesPerSec = (256 * inferBatches) / ((performance.now() - t) / 1000);
// Batch-1 warm-up long enough for V8 to finish optimizing the kernels the b1 plan calls (the
// first ~50 predicts ran at ~2x the steady time: bench/latency-warmup.ts); every system gets it.
for (let i = 0; i < Number(values['latency-warmup']); i++) model.predict(x1);
const latency: number[] = [];
for (let i = 0; i < Number(values['latency-runs']); i++) {
  t = performance.now();
  model.predict(x1);
  latency.push(performance.now() - t);
}
latency.sort((a, b) => a - b);
if (values.onnx) await model.exportOnnx(values.onnx);

console.log(JSON.stringify({
  model: values.model, system: 'deeptype', threads: dt.getThreads(), msPerStep, inferImagesPerSec, latencyMs: latency[Math.floor(latency.length / 2)],
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
process.exit(0);
