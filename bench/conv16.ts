// ResNet-20's 16 -> 16 3x3 convolutions on 32x32 maps (batch 64 unless --batch): forward and
// input gradient by the direct kernel and by Winograd F(4x4), the filter gradient by its
// default (F(4x4) here) and F(2x2), each variant timed side by side (they alternate within
// every round), by CPU time on one thread; GFLOP/s count the direct convolution's
// multiply-adds, "of limit" against the measured multiply-add limit (fmaPeakGflops); the F(4x4)
// variants (4x8 GEMM tile, no column reuse) are timed against F(4x4) as it runs (< 1x: slower).
//   node --import tsx bench/conv16.ts [--batch 64] [--rounds 7] [--hw 32] [--c 16] [--f 16]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { winogradTuning, type ConvAlgorithm } from '../src/backends/wasm/winograd-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';
import { trainTuning } from '../src/backends/wasm/train-kernels.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '64' }, rounds: { type: 'string', default: '7' }, hw: { type: 'string', default: '32' },
  c: { type: 'string', default: '16' }, f: { type: 'string', default: '16' } } });
const backend = new WasmBackend(1);
await backend.whenReady();
const mem = backend.mem;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const batch = Number(values.batch), hw = Number(values.hw), C = Number(values.c), F = Number(values.f);
const info = convInfo([batch, hw, hw, C], [3, 3, C, F], { padding: 'same' });
const x = f32(batch * hw * hw * C), w = f32(9 * C * F), y = f32(batch * hw * hw * F), dx = f32(x.length), dw = f32(w.length);
const flops = 2 * batch * hw * hw * F * 9 * C;
const peak = backend.fmaPeakGflops(cpuMs);
const set = (alg: ConvAlgorithm, tile: 2 | 4 | 'auto' = 'auto'): void => { backend.convAlgorithm = alg; trainTuning.winogradFilterGradTile = tile; };
// Groups: forward, input gradient, filter gradient; each variant's ratio is to its group's first.
const variants: [string, () => void][] = [
  ['forward direct', () => { set('direct'); backend.conv2d(x, w, null, y, info); }],
  ['forward F(4x4)', () => { set('winograd4'); backend.conv2d(x, w, null, y, info); }],
  ['forward F(4x4) 4x8', () => { set('winograd4'); winogradTuning.wideGemm = false; backend.conv2d(x, w, null, y, info); winogradTuning.wideGemm = true; }],
  ['forward F4 6 columns', () => { set('winograd4'); winogradTuning.reuseColumns = false; backend.conv2d(x, w, null, y, info); winogradTuning.reuseColumns = true; }],
  ['input grad direct', () => { set('direct'); backend.conv2dBackpropInput(y, w, dx, info); }],
  ['input grad F(4x4)', () => { set('winograd4'); backend.conv2dBackpropInput(y, w, dx, info); }],
  ['input grad F4 4x8', () => { set('winograd4'); winogradTuning.wideGemm = false; backend.conv2dBackpropInput(y, w, dx, info); winogradTuning.wideGemm = true; }],
  ['input grad F4 6 col', () => { set('winograd4'); winogradTuning.reuseColumns = false; backend.conv2dBackpropInput(y, w, dx, info); winogradTuning.reuseColumns = true; }],
  ['filter grad auto', () => { set('auto'); backend.conv2dBackpropFilter(x, y, dw, info); }],
  ['filter grad F(2x2)', () => { set('auto', 2); backend.conv2dBackpropFilter(x, y, dw, info); }],
];
const groupOf = [0, 0, 1, 1, 4, 4, 5, 5, 8, 8]; // the F(4x4) variants against F(4x4) as it runs: 4x8 = gemm's 4x8 tile instead of gemmWide's 2x16 (winogradTuning.wideGemm); 6 columns = no column reuse (reuseColumns)
for (const [, fn] of variants) for (let i = 0; i < 5; i++) fn(); // past V8's tier-up to optimized code
let t = cpuMs(); variants[0][1](); const once = Math.max(0.05, cpuMs() - t);
const reps = Math.max(1, Math.round(40 / once));
const times = variants.map(() => [] as number[]);
for (let r = 0; r < Number(values.rounds); r++) {
  variants.forEach(([, fn], k) => { fn(); t = cpuMs(); for (let i = 0; i < reps; i++) fn(); times[k].push((cpuMs() - t) / reps); });
}
const median = (v: number[]): number => { const s = [...v].sort((p, q) => p - q); return s[s.length >> 1]; };
console.log(`${C}->${F} 3x3 on ${hw}x${hw}, batch ${batch}, 1 thread, CPU time, ${mem.relaxed ? 'relaxed SIMD' : 'SIMD'}; limit ${peak.toFixed(1)} GFLOP/s`);
variants.forEach(([name], k) => {
  const ms = median(times[k]), gf = flops / ms / 1e6;
  const vsFirst = median(times[k].map((v, r) => times[groupOf[k]][r] / v));
  console.log(`${name.padEnd(20)} ${ms.toFixed(3).padStart(8)} ms  ${gf.toFixed(1).padStart(5)} GFLOP/s  ${Math.round((100 * gf) / peak)}% of limit  ${vsFirst.toFixed(2)}x the group's first`);
});
process.exit(0);
