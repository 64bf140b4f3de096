// Inference work per image, deeptype against ONNX Runtime (running deeptype's own export), on
// one thread each, timed by the process's CPU time: on a machine shared with other jobs the
// wall clock counts their time slices too, CPU time does not. Alternating rounds, medians.
//   node --import tsx bench/infer-cpu.ts [--models vgg,resnet20] [--rounds 5] [--general-depthwise]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import * as dt from 'deeptype';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { models: { type: 'string' }, rounds: { type: 'string', default: '5' }, 'general-depthwise': { type: 'boolean', default: false } } });
const names = values.models ? values.models.split(',') : Object.keys(ZOO);
dt.setBackend('wasm');
depthwiseTuning.inPlace3x3 = !values['general-depthwise']; // the general depthwise kernels (before/after comparisons)
dt.setThreads(1);
await dt.ready();
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'deeptype-infer-cpu-'));
console.log('model        | b256 CPU ms/img deeptype | ORT   | ORT/deeptype speed | b1 CPU ms deeptype | ORT   | latency ratio (deeptype/ORT)');
for (const name of names) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`infer-cpu: unknown model '${name}', expected some of ${Object.keys(ZOO).join(', ')}`);
  dt.setRandomSeed(1);
  const model = entry.build();
  const file = join(dir, `${name}.onnx`);
  await model.exportOnnx(file);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const x = syntheticBatch(entry, 256).x, x1 = x.index([0, 1]);
  const feed = (t: dt.Tensor): Record<string, ort.Tensor> => ({ input: new ort.Tensor('float32', Float32Array.from(t.data as Float32Array), t.shape) });
  const big = feed(x), one = feed(x1);
  for (let i = 0; i < 2; i++) { model.predict(x, { batchSize: 256 }); await session.run(big); model.predict(x1); await session.run(one); }
  const r = { d256: [] as number[], o256: [] as number[], d1: [] as number[], o1: [] as number[] };
  for (let round = 0; round < Number(values.rounds); round++) {
    let t = cpuMs(); model.predict(x, { batchSize: 256 }); r.d256.push((cpuMs() - t) / 256);
    t = cpuMs(); await session.run(big); r.o256.push((cpuMs() - t) / 256);
    t = cpuMs(); for (let i = 0; i < 20; i++) model.predict(x1); r.d1.push((cpuMs() - t) / 20);
    t = cpuMs(); for (let i = 0; i < 20; i++) await session.run(one); r.o1.push((cpuMs() - t) / 20);
  }
  const [d256, o256, d1, o1] = [median(r.d256), median(r.o256), median(r.d1), median(r.o1)];
  console.log(`${name.padEnd(12)} | ${d256.toFixed(3).padStart(24)} | ${o256.toFixed(3).padStart(5)} | ${(o256 / d256).toFixed(2).padStart(17)}x | ${d1.toFixed(3).padStart(18)} | ${o1.toFixed(3).padStart(5)} | ${(d1 / o1).toFixed(2)}x`);
}
process.exit(0);
