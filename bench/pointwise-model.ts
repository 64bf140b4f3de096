// MobileNet-style (examples/zoo-models.ts) with the pointwise GEMM kernels on and off
// (wasm/pointwise-kernels.ts#pointwiseTuning.gemm), alternating in one process on one thread,
// timed by CPU time, medians: predict at batch 256 (ms per image, beside ONNX Runtime on one
// thread running deeptype's export) and a training step at the zoo's batch (32). Without
// --epilogue a predict runs the same kernels both ways (its 1x1 convolutions have the BN fold's
// bias and relu6), so its two columns differ by noise only.
//   node --import tsx bench/pointwise-model.ts [--rounds 7] [--model mobilenet] [--epilogue]
// --epilogue: forwards with bias / activation through the GEMM too (pointwiseTuning.epilogue).
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, model: { type: 'string', default: 'mobilenet' }, epilogue: { type: 'boolean', default: false } } });
pointwiseTuning.epilogue = values.epilogue;
const entry = ZOO[values.model!];
if (!entry) throw new Error(`pointwise-model: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
dt.setBackend('wasm');
dt.setThreads(1);
await dt.ready();
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
dt.setRandomSeed(1);
const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const file = join(mkdtempSync(join(tmpdir(), 'deeptype-pointwise-')), 'model.onnx');
await model.exportOnnx(file);
const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const big = syntheticBatch(entry, 256).x, train = syntheticBatch(entry, entry.batchSize);
const feed = { input: new ort.Tensor('float32', Float32Array.from(big.data as Float32Array), big.shape) };
for (let i = 0; i < 2; i++) { model.predict(big, { batchSize: 256 }); model.trainStep(train.x, train.y); await session.run(feed); }
const t = { predict: { old: [] as number[], new: [] as number[] }, step: { old: [] as number[], new: [] as number[] }, ort: [] as number[] };
for (let r = 0; r < Number(values.rounds); r++) {
  // Rounds alternate which mode goes first, so neither always runs after the other's work.
  for (const mode of r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
    pointwiseTuning.gemm = mode === 'new';
    let s = cpuMs(); model.predict(big, { batchSize: 256 }); t.predict[mode].push((cpuMs() - s) / 256);
    s = cpuMs(); for (let i = 0; i < 3; i++) model.trainStep(train.x, train.y); t.step[mode].push((cpuMs() - s) / 3);
  }
  const s = cpuMs(); await session.run(feed); t.ort.push((cpuMs() - s) / 256);
}
const [po, pn, so, sn, o] = [median(t.predict.old), median(t.predict.new), median(t.step.old), median(t.step.new), median(t.ort)];
console.log(`${values.model}, 1 thread, CPU time, median of ${values.rounds} alternating rounds; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`predict b256 ms/image: direct ${po.toFixed(3)}, pointwise GEMM ${pn.toFixed(3)} (${(po / pn).toFixed(2)}x); ORT ${o.toFixed(3)}: ORT/deeptype ${(o / po).toFixed(2)}x -> ${(o / pn).toFixed(2)}x`);
console.log(`training step b${entry.batchSize} ms: direct ${so.toFixed(1)}, pointwise GEMM ${sn.toFixed(1)} (${(so / sn).toFixed(2)}x)`);
process.exit(0);
