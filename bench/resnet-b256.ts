// ResNet-20's convolutions at batch 256 (inference: bias + relu, the residual ones with their
// residual), each timed by CPU time on one thread (--threads 2: by the wall clock) with its
// variants alternating within every round (a shared machine: only side-by-side ratios mean
// much). GFLOP/s count the direct convolution's multiply-adds; "of limit" is against the
// measured multiply-add limit (one thread's, on one thread).
//   node --import tsx bench/resnet-b256.ts [--batch 256] [--rounds 5] [--threads 1|2] [--only NAME] [--variants default|gather|reuse|chunks]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '5' }, only: { type: 'string' }, variants: { type: 'string', default: 'default' }, threads: { type: 'string', default: '1' } } });
const backend = new WasmBackend(Number(values.threads));
await backend.whenReady();
const mem = backend.mem;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const clock = backend.threads === 1 ? cpuMs : (): number => performance.now();
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const batch = Number(values.batch), rounds = Number(values.rounds);
const peak = backend.fmaPeakGflops(clock);
interface Shape { name: string; hw: number; c: number; f: number; k: number; stride: number; residual: boolean }
const shapes: Shape[] = [
  { name: 'stem 3->16 @32', hw: 32, c: 3, f: 16, k: 3, stride: 1, residual: false },
  { name: '16->16 @32', hw: 32, c: 16, f: 16, k: 3, stride: 1, residual: false },
  { name: '16->16 @32 res', hw: 32, c: 16, f: 16, k: 3, stride: 1, residual: true },
  { name: 's2 16->32 @32', hw: 32, c: 16, f: 32, k: 3, stride: 2, residual: false },
  { name: '1x1 s2 16->32', hw: 32, c: 16, f: 32, k: 1, stride: 2, residual: false },
  { name: '32->32 @16 res', hw: 16, c: 32, f: 32, k: 3, stride: 1, residual: true },
  { name: 's2 32->64 @16', hw: 16, c: 32, f: 64, k: 3, stride: 2, residual: false },
  { name: '1x1 s2 32->64', hw: 16, c: 32, f: 64, k: 1, stride: 2, residual: false },
  { name: '64->64 @8 res', hw: 8, c: 64, f: 64, k: 3, stride: 1, residual: true },
];
// Variants, each timed against the first (a setup before the call, a restore after).
type Variant = [string, () => void, () => void];
const toggle = (name: string, key: 'wideGemm' | 'reuseColumns' | 'gatherEdges' | 'evenChunks'): Variant => [name, () => { winogradTuning[key] = false; }, () => { winogradTuning[key] = true; }];
const variantSets: Record<string, Variant[]> = {
  default: [['as is', () => {}, () => {}]],
  gather: [['as is', () => {}, () => {}], toggle('edges by pixel', 'gatherEdges')],
  reuse: [['as is', () => {}, () => {}], toggle('six columns', 'reuseColumns')],
  chunks: [['as is', () => {}, () => {}], toggle('whole panels', 'evenChunks')],
};
const variants = variantSets[values.variants!];
if (!variants) throw new Error(`resnet-b256: unknown --variants '${values.variants}', expected one of ${Object.keys(variantSets).join(', ')}`);
for (const s of shapes) {
  if (values.only && !s.name.includes(values.only)) continue;
  const info: ConvInfo = convInfo([batch, s.hw, s.hw, s.c], [s.k, s.k, s.c, s.f], { padding: 'same', strides: s.stride });
  const x = f32(batch * s.hw * s.hw * s.c), w = f32(s.k * s.k * s.c * s.f), b = f32(s.f);
  const n = batch * info.outH * info.outW * s.f, y = f32(n), r = f32(n);
  const call = (): void => { if (s.residual) backend.conv2dResidual(x, w, b, r, y, info, 'relu'); else backend.conv2dActivation(x, w, b, y, info, 'relu'); };
  const times = variants.map(() => [] as number[]);
  for (const [, on, off] of variants) { on(); call(); off(); }
  for (let round = 0; round < rounds; round++) {
    variants.forEach(([, on, off], v) => { on(); const t = clock(); call(); call(); times[v].push((clock() - t) / 2); off(); });
  }
  const median = (v: number[]): number => [...v].sort((a, c) => a - c)[v.length >> 1];
  const flops = 2 * n * s.k * s.k * s.c;
  const base = median(times[0]);
  console.log(`${s.name.padEnd(16)} ` + variants.map(([name], v) => {
    const ms = median(times[v]);
    return `${name} ${ms.toFixed(2)} ms (${(flops / ms / 1e6).toFixed(1)} GFLOP/s, ${(100 * flops / ms / 1e6 / peak).toFixed(0)}%${v ? `, ${(base / ms).toFixed(2)}x` : ''})`;
  }).join(' | '));
}
console.log(`limit ${peak.toFixed(1)} GFLOP/s (${backend.threads} thread(s), ${backend.threads === 1 ? 'CPU time' : 'wall clock'})`);
process.exit(0);
