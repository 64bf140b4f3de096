// Per-kernel throughput on the seed model's shapes (batch 32), wasm backend, arrays already in
// wasm memory (as in a training plan). Usage: npm run bench:kernels [-- --threads N] [-- --winograd-filter-grad never]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { convFamilyRows } from './kernels-conv.ts';
import { trainingConvRows } from './kernels-train.ts';
import { layerKernelRows } from './kernels-layers.ts';
import { limitRows, memboundRows } from './kernels-membound.ts';

// --cpu-time (one thread only): calls timed by the process's CPU time, not the wall clock, so
// that on a loaded machine other processes' time slices do not count (limit timed the same way).
const { values } = parseArgs({ options: { threads: { type: 'string' }, reps: { type: 'string', default: '10' }, 'cpu-time': { type: 'boolean', default: false },
  'winograd-filter-grad': { type: 'string', default: 'auto' } } });
const wfg = values['winograd-filter-grad'];
if (wfg !== 'auto' && wfg !== 'always' && wfg !== 'never') throw new Error(`bench:kernels: --winograd-filter-grad must be auto, always or never, got '${wfg}'`);
trainTuning.winogradFilterGrad = wfg; // 'never': the packed filter gradient everywhere (before/after comparisons)
const backend = new WasmBackend(values.threads ? Number(values.threads) : undefined);
await backend.whenReady();
if (values['cpu-time'] && backend.threads !== 1) throw new Error(`bench:kernels: --cpu-time needs --threads 1 (CPU time sums every thread's), got ${backend.threads} threads`);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const clock = values['cpu-time'] ? cpuMs : () => performance.now();
const mem = backend.mem;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };

/** Seconds per call: the median of 7 rounds (this machine is shared; single rounds are noisy). */
function time(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const reps = Number(values.reps), rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = clock();
    for (let i = 0; i < reps; i++) fn();
    rounds.push((clock() - t) / reps / 1e3);
  }
  return rounds.sort((a, b) => a - b)[3];
}

const conv = (name: string, batch: number, hw: number, inC: number, outC: number): ConvInfo =>
  ({ batch, inH: hw, inW: hw, inC, outH: hw, outW: hw, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, ...{ name } } as ConvInfo);
const rows: string[][] = [['kernel', 'shape', 'ms', 'GFLOP/s']];
for (const info of [conv('conv1', 32, 28, 1, 32), conv('conv2', 32, 14, 32, 16)]) {
  const x = f32(info.batch * info.inH * info.inW * info.inC), w = f32(9 * info.inC * info.outC);
  const y = f32(info.batch * info.outH * info.outW * info.outC), dx = f32(x.length), dw = f32(w.length);
  const flops = 2 * info.batch * info.outH * info.outW * info.outC * 9 * info.inC;
  const shape = `${(info as unknown as { name: string }).name} [${info.batch},${info.inH},${info.inW},${info.inC}] * [3,3,${info.inC},${info.outC}]`;
  const pi = { batch: info.batch, inH: info.outH, inW: info.outW, channels: info.outC, outH: info.outH / 2, outW: info.outW / 2, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
  const pooled = f32(y.length / 4), arg = mem.i32(mem.reserve(y.length), y.length / 4);
  for (const [kernel, fn] of [
    ['conv2d, then maxPool2d', () => { backend.conv2d(x, w, null, y, info); backend.maxPool2d(y, pooled, arg, pi); }],
    ['conv2dMaxPool (fused)', () => backend.conv2dMaxPool(x, w, null, pooled, arg, info, pi)],
    ['conv2d', () => backend.conv2d(x, w, null, y, info)],
    ['conv2dBackpropInput', () => backend.conv2dBackpropInput(y, w, dx, info)],
    ['conv2dBackpropFilter', () => backend.conv2dBackpropFilter(x, y, dw, info)],
  ] as const) {
    const s = time(fn);
    rows.push([kernel, shape, (s * 1e3).toFixed(3), (flops / s / 1e9).toFixed(1)]);
  }
}
{
  const a = f32(32 * 784), b = f32(784 * 10), c = f32(320);
  const s = time(() => backend.matMul(a, b, c, 1, 32, 784, 10, false, false));
  rows.push(['matMul', '[32,784] @ [784,10]', (s * 1e3).toFixed(3), (2 * 32 * 784 * 10 / s / 1e9).toFixed(1)]);
  const a2 = f32(512 * 512), b2 = f32(512 * 512), c2 = f32(512 * 512);
  const s2 = time(() => backend.matMul(a2, b2, c2, 1, 512, 512, 512, false, false));
  rows.push(['matMul', '[512,512] @ [512,512]', (s2 * 1e3).toFixed(3), (2 * 512 ** 3 / s2 / 1e9).toFixed(1)]);
}
rows.push(...convFamilyRows(backend, f32, time));
// The training passes on every zoo convolution (bench/kernels-train.ts).
rows.push(...trainingConvRows(backend, f32, time));
const peak = backend.fmaPeakGflops(clock);
console.log(`wasm backend, ${backend.threads} thread(s), ${values['cpu-time'] ? 'timed by CPU time, ' : ''}${backend.mem.relaxed ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (multiply, add)'}`);
console.log(`limit: ${peak.toFixed(1)} GFLOP/s (independent 128-bit multiply-adds and nothing else, on all threads)`);
rows[0].push('of limit');
for (const r of rows.slice(1)) r.push(`${Math.round((100 * Number(r[3])) / peak)}%`);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
// Memory-bound kernels (bench/kernels-layers.ts): GB/s next to a copy of the same memory.
const memRows = layerKernelRows(backend, f32, time);
const memWidths = memRows[0].map((_, i) => Math.max(...memRows.map((r) => r[i].length)));
console.log('');
for (const r of memRows) console.log(r.map((c, i) => c.padEnd(memWidths[i])).join('  '));
// The memory-bound training kernels against the measured bandwidth limit (bench/kernels-membound.ts).
const table = (t: string[][]): void => {
  const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
  for (const r of t) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
};
console.log('');
table(limitRows(backend, clock));
console.log('memory-bound training kernels: minimum traffic (each input read, each output written once per pass the algorithm needs) / time, against the streams\' time for the same passes at the same sizes');
table(memboundRows(backend, time, clock));
process.exit(0);
