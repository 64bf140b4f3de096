// Predict's CPU time (one thread: not inflated by other processes' time slices) for 256
// images at several batch sizes: the evidence for PREDICT_STEP_ROWS (src/training/loop.ts).
//   node --import tsx bench/predict-step-rows.ts mobilenet 1
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
dt.setBackend('wasm'); dt.setThreads(Number(process.argv[3] ?? 1)); await dt.ready(); dt.setRandomSeed(1);
const entry = ZOO[process.argv[2]];
const model = entry.build();
const xi = syntheticBatch(entry, 256).x;
const sizes = [256, 128, 64, 32];
for (const b of sizes) { model.predict(xi, { batchSize: b }); model.predict(xi, { batchSize: b }); }
const res: Record<number, number[]> = {};
for (let r = 0; r < 3; r++) for (const b of sizes) {
  const c = process.cpuUsage(); const t = performance.now();
  model.predict(xi, { batchSize: b });
  const d = process.cpuUsage(c);
  (res[b] ??= []).push(process.argv[3] === '1' ? (d.user + d.system) / 1000 : performance.now() - t);
}
console.log(process.argv[2], Object.entries(res).map(([b, v]) => `b${b}: ${Math.min(...v).toFixed(0)} ms`).join(', '));
process.exit(0);
