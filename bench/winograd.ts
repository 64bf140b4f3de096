// The 3x3 stride-1 zoo convolutions (forward shapes and the input gradients' flipped ones)
// by each algorithm: direct, Winograd F(2x2, 3x3), F(4x4, 3x3), and what 'auto' picks, timed
// side by side (the algorithms alternate within each round), by CPU time on one thread.
// GFLOP/s count the direct convolution's multiply-adds (effective throughput).
// --pooled: the convolutions that feed a 2x2 max pooling (conv2dMaxPool; 'direct' is the fused
// direct kernel there). --prepared: the weights prepared once, as an inference plan's prologue
// does (compile/prologue.ts: U for Winograd, packed panels for direct), not counted; 'auto' is
// then the choice with prepared weights (winograd-kernels.ts#preparedTuning).
// Usage: node --import tsx bench/winograd.ts [--batch 64] [--rounds 7] [--pooled] [--prepared]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { type ConvAlgorithm, winogradChoice } from '../src/backends/wasm/winograd-kernels.ts';
import { convInfo, poolInfo } from '../src/ops/conv.ts';

const { values } = parseArgs({ options: { batch: { type: 'string' }, rounds: { type: 'string', default: '7' }, only: { type: 'string' }, pooled: { type: 'boolean', default: false }, prepared: { type: 'boolean', default: false } } });
const backend = new WasmBackend(1);
await backend.whenReady();
const mem = backend.mem;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

// [what, hw, inC, outC]
const SHAPES: [string, number, number, number][] = [
  ['ResNet 16->16', 32, 16, 16], ['ResNet 32->32', 16, 32, 32], ['ResNet 64->64', 8, 64, 64],
  ['VGG 32->32', 32, 32, 32], ['VGG 32->64', 16, 32, 64], ['VGG dx 64->32', 16, 64, 32], ['VGG 64->64', 16, 64, 64],
  ['VGG 64->128', 8, 64, 128], ['VGG dx 128->64', 8, 128, 64], ['VGG 128->128', 8, 128, 128],
  ['convnet 32->64', 11, 32, 64], ['AE 32->64', 14, 32, 64], ['128->128 @4', 4, 128, 128], ['64->64 @4', 4, 64, 64], ['32->32 @4', 4, 32, 32], ['64->64 @2', 2, 64, 64], ['AE dx 64->32', 14, 64, 32], ['AE 64->32', 28, 64, 32], ['AE dx 32->64', 28, 32, 64],
  ['seed 32->16', 14, 32, 16], ['32->16', 28, 32, 16], ['64->16', 8, 64, 16], ['128->16', 8, 128, 16],
];
const POOLED: [string, number, number, number][] = [['convnet-like 32->64 pooled', 12, 32, 64], ['VGG 32->32 pooled', 32, 32, 32], ['VGG 64->64 pooled', 16, 64, 64], ['VGG 128->128 pooled', 8, 128, 128], ['AE 32->64 pooled', 14, 32, 64], ['seed 32->16 pooled', 14, 32, 16], ['32->16 pooled', 28, 32, 16]];
const ALGS: ConvAlgorithm[] = ['direct', 'winograd', 'winograd4', 'auto'];
const batches = values.batch ? [Number(values.batch)] : [64, 1];
console.log(`wasm backend, 1 thread, CPU time, ${mem.relaxed ? 'relaxed SIMD' : 'SIMD'}${values.prepared ? ', weights prepared once' : ''}; ms per call (effective GFLOP/s); w2 x, w4 x: the median over rounds of direct time / time`);
console.log(['shape', ...ALGS, 'w2 x', 'w4 x', 'auto picks'].join(' | '));
for (const batch of batches) {
  for (const [what, hw, c, f] of values.pooled ? POOLED : SHAPES) {
    if (values.only && !what.includes(values.only)) continue;
    const info = convInfo([batch, hw, hw, c], [3, 3, c, f], { padding: 'same' });
    const x = f32(batch * hw * hw * c), w = f32(9 * c * f), b = f32(f), y = f32(batch * hw * hw * f);
    const flops = 2 * batch * hw * hw * f * 9 * c;
    const pi = poolInfo([batch, hw, hw, f], 2, 2, 'valid'), at = mem.reserve(y.length), argmax = new Int32Array(mem.buffer, at, y.length / 4);
    // Each algorithm's prepared weights (what a plan's prologue would hand its convolution).
    const prepared = new Map<ConvAlgorithm, [Float32Array, string] | [null, null]>(ALGS.map((alg) => {
      backend.convAlgorithm = alg;
      const form = values.prepared ? backend.preparedConvWeights(values.pooled ? 'conv2dMaxPool' : 'conv2dActivation', info) : null;
      if (!form) return [alg, [null, null]];
      const p = f32(form.floats);
      backend.prepareConvWeights(w, p, info, form.form);
      return [alg, [p, form.form]];
    }));
    const run = (alg: ConvAlgorithm): void => {
      backend.convAlgorithm = alg;
      const [p, form] = prepared.get(alg)!;
      if (values.pooled) backend.conv2dMaxPool(x, w, b, y.subarray(0, y.length / 4), argmax, info, pi, p, form);
      else backend.conv2dActivation(x, w, b, y, info, 'relu', p, form);
    };
    // Repetitions for ~40 ms per timing.
    let t = cpuMs(); run('direct'); const once = Math.max(0.01, cpuMs() - t);
    const reps = Math.max(1, Math.round(40 / once));
    const times = new Map<ConvAlgorithm, number[]>(ALGS.map((a) => [a, []]));
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const alg of ALGS) {
        run(alg);
        t = cpuMs();
        for (let i = 0; i < reps; i++) run(alg);
        times.get(alg)!.push((cpuMs() - t) / reps);
      }
    }
    const median = (v: number[]): number => { const s = [...v].sort((p, q) => p - q); return s[s.length >> 1]; };
    const med = (a: ConvAlgorithm): number => median(times.get(a)!);
    // Ratios within each round (the algorithms ran back to back), then their median: steadier than a ratio of medians.
    const ratio = (a: ConvAlgorithm): number => median(times.get(a)!.map((v, r) => times.get('direct')![r] / v));
    const cell = (a: ConvAlgorithm): string => `${med(a).toFixed(3)} (${(flops / med(a) / 1e6).toFixed(1)})`;
    const picked = { null: 'direct', winograd: 'F(2x2)', winograd4: 'F(4x4)' }[String(winogradChoice(info, 'auto', values.prepared))];
    console.log([`${what} @${hw} b${batch}`, ...ALGS.map(cell), ratio('winograd').toFixed(2), ratio('winograd4').toFixed(2), picked].join(' | '));
  }
}
