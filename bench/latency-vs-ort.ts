// Batch-1 predict, deeptype vs ONNX Runtime on deeptype's own ONNX export, in one process,
// alternating in rounds: CPU time per call on one thread (a loaded machine's other processes
// left out; on a quiet one a single-thread call's wall time is about its CPU time), and wall
// time beside it. Medians over rounds, and the median of per-round ratios deeptype / ORT.
// Beside them, the predict's multiply-adds counted as direct convolutions and matMuls do them
// (Winograd does fewer), the rate each system reaches on that count, and the time a predict
// would take at the wasm kernels' measured one-thread multiply-add limit (128-bit SIMD): where
// ORT's rate is above that limit, its lead is its wider vectors (or fewer multiply-adds), not glue.
//   node --import tsx bench/latency-vs-ort.ts [--models vgg,resnet20] [--rounds 9] [--reps 30]
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';

const { values } = parseArgs({ options: { models: { type: 'string', default: Object.keys(ZOO).join(',') }, rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '30' } } });
dt.setBackend('wasm');
dt.setThreads(1);
await dt.ready();
const rounds = Number(values.rounds), reps = Number(values.reps);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
/** Multiply-adds of one predictStep's kernel calls: convolutions (any call with a ConvInfo) as the direct kernel counts them, matMuls m k n. */
function countMacs(run: () => void): number {
  const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = new Set<string>();
  for (let p: object | null = b; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) for (const k of Object.getOwnPropertyNames(p)) if (typeof b[k] === 'function' && k !== 'constructor') names.add(k);
  const saved = new Map([...names].map((k) => [k, b[k]] as const));
  let macs = 0, depth = 0;
  for (const [k, f] of saved) {
    b[k] = (...args: unknown[]) => {
      if (depth === 0) {
        const c = args.find((a): a is ConvInfo => typeof a === 'object' && a !== null && 'kH' in a);
        if (c) macs += c.batch * c.outH * c.outW * c.outC * c.kH * c.kW * (c.inC / c.groups);
        else if (k === 'matMul') macs += (args[3] as number) * (args[4] as number) * (args[5] as number) * (args[6] as number);
      }
      depth++;
      try { return f.apply(b, args); } finally { depth--; }
    };
  }
  try { run(); } finally { for (const [k, f] of saved) b[k] = f; }
  return macs;
}
const limitGmacs = (backend() as unknown as WasmBackend).fmaPeakGflops() / 2;
const dir = mkdtempSync(join(tmpdir(), 'deeptype-latency-'));
console.log(`batch 1, one thread: ms per predict, CPU time (wall) | deeptype | ORT | deeptype / ORT (CPU, wall) | M multiply-adds (direct count) | G/s on that count by CPU time, deeptype / ORT | ms at the wasm limit (${limitGmacs.toFixed(1)} G/s)`);
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`latency-vs-ort: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  dt.setRandomSeed(1);
  const model = entry.build();
  const x = syntheticBatch(entry, 1).x;
  const file = join(dir, `${name}.onnx`);
  await model.exportOnnx(file);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feed = { input: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [1, ...entry.inputShape]) };
  // Past V8's warm-up: a fresh process's first ~150 batch-1 predicts cost up to 1.7x the later ones (bench/latency-warmup.ts).
  for (let i = 0; i < 200; i++) { model.predict(x); await session.run(feed); }
  const macs = countMacs(() => model.predictStep(x));
  const ours = { cpu: [] as number[], wall: [] as number[] }, theirs = { cpu: [] as number[], wall: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    let c = cpuMs(), t = performance.now();
    for (let i = 0; i < reps; i++) model.predict(x);
    ours.cpu.push((cpuMs() - c) / reps); ours.wall.push((performance.now() - t) / reps);
    c = cpuMs(); t = performance.now();
    for (let i = 0; i < reps; i++) await session.run(feed);
    theirs.cpu.push((cpuMs() - c) / reps); theirs.wall.push((performance.now() - t) / reps);
  }
  const ratio = (a: number[], b: number[]): number => median(a.map((v, r) => v / b[r]));
  console.log(`${name.padEnd(12)} | ${median(ours.cpu).toFixed(3)} (${median(ours.wall).toFixed(3)}) | ${median(theirs.cpu).toFixed(3)} (${median(theirs.wall).toFixed(3)}) | ${ratio(ours.cpu, theirs.cpu).toFixed(2)}x, ${ratio(ours.wall, theirs.wall).toFixed(2)}x | ${(macs / 1e6).toFixed(2)} | ${(macs / median(ours.cpu) / 1e6).toFixed(1)} / ${(macs / median(theirs.cpu) / 1e6).toFixed(1)} | ${(macs / limitGmacs / 1e6).toFixed(3)}`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
