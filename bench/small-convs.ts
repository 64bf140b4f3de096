// Batch-1 (and small-map) convolutions of the zoo models, one kernel call at a time, on the wasm
// backend with arrays in wasm memory (as in a predict plan): CPU time per call on one thread
// and % of the measured 128-bit multiply-add limit (fmaPeak), so that the small-spatial and
// pointwise paths can be compared with their batch-64 efficiency.
//   node --import tsx bench/small-convs.ts [--batch 1] [--reps 10] [--only 1x1] [--threads 2] [--compare packing|columns|prepared-packing|argmax|<a stemTuning flag>]
// (prepared-packing: unpacked vs packed once ahead, as an inference plan's prologue does, direct kernels only)
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { convInfo, poolInfo } from '../src/ops/conv.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';

const { values } = parseArgs({ options: { compare: { type: 'string' }, batch: { type: 'string', default: '1' }, reps: { type: 'string', default: '10' }, only: { type: 'string' }, threads: { type: 'string', default: '1' } } });
const backend = new WasmBackend(Number(values.threads));
await backend.whenReady();
const cpu = backend.threads === 1;
const clock = cpu ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : (): number => performance.now();
const mem = backend.mem;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const time = (fn: () => void): number => {
  for (let i = 0; i < 3; i++) fn();
  const reps = Number(values.reps), rounds: number[] = [];
  for (let r = 0; r < 7; r++) { const t = clock(); for (let i = 0; i < reps; i++) fn(); rounds.push((clock() - t) / reps); }
  return rounds.sort((a, b) => a - b)[3];
};
const limit = backend.fmaPeakGflops(clock);
const B = Number(values.batch);
// [label, map, inC, outC, kernel, stride, kind]
type Kind = 'act' | 'pool' | 'res';
const SHAPES: [string, number, number, number, number, number, Kind][] = [
  ['seed/convnet/ae C1', 28, 1, 32, 3, 1, 'pool'], ['autoencoder out', 28, 32, 1, 3, 1, 'act'],
  ['vgg/resnet stem', 32, 3, 32, 3, 1, 'act'], ['mobilenet stem', 64, 3, 32, 3, 2, 'act'], ['vgg', 32, 32, 32, 3, 1, 'pool'], ['vgg', 16, 32, 64, 3, 1, 'act'], ['vgg', 16, 64, 64, 3, 1, 'pool'],
  ['vgg', 8, 64, 128, 3, 1, 'act'], ['vgg', 8, 128, 128, 3, 1, 'pool'], ['vgg', 8, 128, 128, 3, 1, 'act'],
  ['resnet', 32, 16, 16, 3, 1, 'res'], ['resnet', 16, 32, 32, 3, 1, 'res'], ['resnet', 8, 64, 64, 3, 1, 'res'], ['resnet', 8, 64, 64, 3, 1, 'act'],
  ['resnet', 16, 16, 32, 3, 2, 'act'], ['resnet', 8, 32, 64, 3, 2, 'act'], ['resnet', 16, 32, 64, 1, 2, 'act'],
  ['mobilenet', 32, 32, 64, 1, 1, 'act'], ['mobilenet', 16, 64, 128, 1, 1, 'act'], ['mobilenet', 16, 128, 128, 1, 1, 'act'],
  ['mobilenet', 8, 128, 256, 1, 1, 'act'], ['mobilenet', 8, 256, 256, 1, 1, 'act'], ['mobilenet', 4, 256, 512, 1, 1, 'act'],
];
console.log(`batch ${B}, ${backend.threads} thread(s), limit ${limit.toFixed(1)} GFLOP/s (${cpu ? 'CPU time' : 'wall'})`);
for (const [model, hw, inC, outC, k, s, kind] of SHAPES) {
  const label = `${model} ${k}x${k}/s${s} ${inC}->${outC} ${kind} on ${hw}x${hw}`;
  if (values.only && !label.includes(values.only)) continue;
  const info = convInfo([B, hw, hw, inC], [k, k, inC, outC], { strides: s, padding: 'same' });
  const x = f32(B * hw * hw * inC), w = f32(k * k * inC * outC), b = f32(outC), y = f32(B * info.outH * info.outW * outC), r = f32(y.length);
  const pi = poolInfo([B, info.outH, info.outW, outC], 2, 2, 'valid');
  const pooled = f32(y.length / 4), arg = mem.i32(mem.reserve(y.length), y.length / 4);
  let prepared: Float32Array | null = null, form: string | null = null;
  let argmax: Int32Array | null = arg; // --compare argmax: with (off) vs without (on), as an inference plan calls it
  const run = kind === 'pool' ? () => backend.conv2dMaxPool(x, w, b, pooled, argmax, info, pi, prepared, form)
    : kind === 'res' ? () => backend.conv2dResidual(x, w, b, r, y, info, 'relu', prepared, form) : () => backend.conv2dActivation(x, w, b, y, info, 'relu', prepared, form);
  const flops = 2 * B * info.outH * info.outW * outC * k * k * inC;
  const fmt = (ms: number): string => `${ms.toFixed(3)} ms ${(flops / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s ${(100 * flops / ms / 1e6 / limit).toFixed(0).padStart(3)}%`;
  if (!values.compare) { console.log(`  ${label.padEnd(44)} ${fmt(time(run))}`); continue; }
  // --compare packing: weightPacking 'never' vs 'always'; --compare columns: columnSplit 'never'
  // vs 'always' (one image split by rows / images, or by output channels); alternating rounds.
  // --compare <stemTuning flag> (oneFilterQuads): the flag off vs on.
  const stem = values.compare in stemTuning ? values.compare as keyof typeof stemTuning : null;
  const set = (on: boolean): void => {
    if (values.compare === 'argmax') argmax = on ? null : arg;
    else if (stem) stemTuning[stem] = on; else backend[key] = on ? 'always' : 'never';
  };
  const key = values.compare === 'columns' ? 'columnSplit' : 'weightPacking';
  const once = values.compare === 'prepared-packing';
  if (once) {
    backend.convAlgorithm = 'direct';
    backend.weightPacking = 'always';
    const f = backend.preparedConvWeights(kind === 'pool' ? 'conv2dMaxPool' : 'conv2dActivation', info);
    if (f?.form !== 'packed') { console.log(`  ${label.padEnd(44)} (no packed form)`); continue; }
    backend.prepareConvWeights(w, (prepared = f32(f.floats)), info, (form = f.form));
  }
  const a: number[] = [], c: number[] = [];
  for (let round = 0; round < 5; round++) {
    set(false); a.push(time(run));
    set(true); c.push(time(run));
  }
  if (stem) stemTuning[stem] = true; else backend[key] = 'auto';
  [prepared, form] = [null, null];
  const med = (v: number[]): number => v.sort((p, q) => p - q)[2];
  console.log(`  ${label.padEnd(44)} never ${fmt(med(a))} | always ${fmt(med(c))} | speed ${(med(a) / med(c)).toFixed(2)}x`);
}
process.exit(0);
