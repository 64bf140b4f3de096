// One ONNX Runtime system of `npm run bench:zoo`: runs deeptype's ONNX export of a zoo model
// (written by bench/zoo-deeptype.ts --onnx) on --threads intra-op threads, at batch 256 and
// at batch 1 (latency). Prints one JSON line (no training: msPerStep is null).
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ZOO } from '../examples/zoo-models.ts';

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 'seed' }, onnx: { type: 'string' }, threads: { type: 'string', default: '1' },
  'infer-batches': { type: 'string', default: '4' }, 'latency-runs': { type: 'string', default: '50' }, 'latency-warmup': { type: 'string', default: '200' },
} });
const entry = ZOO[values.model!];
if (!entry || !values.onnx) throw new Error('zoo-ort: needs --model (a zoo name) and --onnx (the exported file)');
const threads = Number(values.threads);
const session = await ort.InferenceSession.create(values.onnx, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const feed = (batch: number): Record<string, ort.Tensor> => {
  const size = batch * entry.inputShape.reduce((a, b) => a * b, 1);
  return { input: new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 256) / 256), [batch, ...entry.inputShape]) };
};
const big = feed(256), one = feed(1);
await session.run(big);
const inferBatches = Number(values['infer-batches']);
let t = performance.now();
for (let i = 0; i < inferBatches; i++) await session.run(big);
const inferImagesPerSec = (256 * inferBatches) / ((performance.now() - t) / 1000);
for (let i = 0; i < Number(values['latency-warmup']); i++) await session.run(one); // the same warm-up as deeptype's
const latency: number[] = [];
for (let i = 0; i < Number(values['latency-runs']); i++) {
  t = performance.now();
  await session.run(one);
  latency.push(performance.now() - t);
}
latency.sort((a, b) => a - b);
console.log(JSON.stringify({
  model: values.model, system: 'onnxruntime', threads, msPerStep: null, inferImagesPerSec, latencyMs: latency[Math.floor(latency.length / 2)],
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
process.exit(0);
