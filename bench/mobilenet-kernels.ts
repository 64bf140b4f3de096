// MobileNet-style inference's kernel calls (examples/zoo-models.ts after the BN fold: every
// convolution with a bias and relu6) at batch 256, each on this checkout's kernels and on a
// baseline build of them (--base: a kernels .wasm that scripts/build-wasm.mjs wrote into build/
// on older code, the same memory kind: kernels-relaxed.wasm here), side by side on one thread by
// CPU time, rounds alternating, medians; % of the multiply-add limit (fmaPeakGflops) and of the
// measured bandwidth (streamGBs, the minimum traffic: input and output once) beside.
//   node --import tsx bench/mobilenet-kernels.ts --base /tmp/base-relaxed.wasm [--batch 256] [--rounds 5] [--reps 2] [--only SUBSTRING]
// Without --base both columns run this checkout's kernels (their ratio is the noise).
// --base-pointwise-epilogue on|off: whether the base run's 1x1 forwards with an epilogue take
// the pointwise GEMM (pointwiseTuning.epilogue; default off, as before this checkout made it
// the default); this checkout's run keeps the default. --epilogue-min-pixels N: the calls'
// pointwiseTuning.epilogueMinPixels (from how many pixels a forward with an epilogue takes the
// GEMM; default 4096: 0 puts batch 1's calls on it too). --base-knobs old: the base run with
// session 23's kernels off (depthwiseTuning.sliding, pointwiseTuning.wideTile), so that one
// build compares them with what they replaced.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { streamGBs } from '../src/backends/wasm/bandwidth.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { MOBILENET_BLOCKS } from '../examples/zoo-models.ts';

const { values } = parseArgs({ options: { base: { type: 'string' }, batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '5' }, reps: { type: 'string', default: '2' }, only: { type: 'string', default: '' }, 'base-pointwise-epilogue': { type: 'string', default: 'off' }, 'epilogue-min-pixels': { type: 'string', default: String(pointwiseTuning.epilogueMinPixels) }, 'base-knobs': { type: 'string', default: 'new' } } });
pointwiseTuning.epilogueMinPixels = Number(values['epilogue-min-pixels']);
const epilogue = { base: values['base-pointwise-epilogue'] === 'on', cur: pointwiseTuning.epilogue };
if (values['base-knobs'] !== 'old' && values['base-knobs'] !== 'new') throw new Error(`--base-knobs must be old or new, got '${values['base-knobs']}'`);
const knobs = { cur: { sliding: depthwiseTuning.sliding, wideTile: pointwiseTuning.wideTile }, base: values['base-knobs'] === 'old' ? { sliding: false, wideTile: false } : { sliding: depthwiseTuning.sliding, wideTile: pointwiseTuning.wideTile } };
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
const cur = new WasmBackend(1);
const base = values.base ? new WasmBackend(1, new WebAssembly.Module(readFileSync(values.base))) : new WasmBackend(1);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const peak = Math.max(...Array.from({ length: 5 }, () => cur.fmaPeakGflops(cpuMs)));
const dram = streamGBs(cur, { reads: 1, writes: 1, bytes: 64 << 20 }, cpuMs);

// The calls in order: [label, input [h, w, c], kernel [kh, kw, in, out], options].
const calls: [string, number[], number[], { strides: number; groups?: number }][] = [['stem 3x3/s2 3->32', [64, 64, 3], [3, 3, 3, 32], { strides: 2 }]];
let size = 32, channels = 32;
for (const [filters, strides] of MOBILENET_BLOCKS) {
  calls.push([`dw 3x3/s${strides} ${size}x${size}x${channels}`, [size, size, channels], [3, 3, 1, channels], { strides, groups: channels }]);
  size /= strides;
  calls.push([`pw ${size}x${size} ${channels}->${filters}`, [size, size, channels], [1, 1, channels, filters], { strides: 1 }]);
  channels = filters;
}
console.log(`batch ${batch}, 1 thread, CPU time, median of ${rounds} alternating rounds of ${reps} calls; limit ${peak.toFixed(1)} GFLOP/s, bandwidth ${dram.toFixed(1)} GB/s; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`call                      ${values.base ? 'base' : 'same'} ms  this ms  speed-up  %lim base/this  %bw base/this`);
const totals = { base: 0, cur: 0 };
for (const [label, [h, w, c], kernel, opts] of calls) {
  if (values.only && !label.includes(values.only)) continue;
  const info: ConvInfo = convInfo([batch, h, w, c], kernel, { padding: 'same', ...opts });
  const xs = batch * h * w * c, ys = batch * info.outH * info.outW * info.outC, ws = kernel.reduce((a, b) => a * b, 1);
  const arrays = (be: WasmBackend) => {
    const alloc = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 1000) / 1000 - 0.5; return v; };
    return { mark: be.mem.mark(), x: alloc(xs), w: alloc(ws), b: alloc(info.outC), y: alloc(ys) };
  };
  const a = { base: arrays(base), cur: arrays(cur) };
  const times = { base: [] as number[], cur: [] as number[] };
  for (let r = 0; r < rounds + 1; r++) {
    for (const mode of r % 2 === 0 ? (['base', 'cur'] as const) : (['cur', 'base'] as const)) {
      const be = mode === 'base' ? base : cur, { x, w, b, y } = a[mode];
      pointwiseTuning.epilogue = epilogue[mode];
      depthwiseTuning.sliding = knobs[mode].sliding; pointwiseTuning.wideTile = knobs[mode].wideTile;
      const t = cpuMs();
      for (let i = 0; i < reps; i++) be.conv2dActivation(x, w, b, y, info, 'relu6');
      if (r > 0) times[mode].push((cpuMs() - t) / reps);
    }
  }
  const [y0, y1] = [a.base.y, a.cur.y];
  let diff = 0, scale = 0;
  for (let i = 0; i < ys; i++) { diff = Math.max(diff, Math.abs(y0[i] - y1[i])); scale = Math.max(scale, Math.abs(y0[i])); }
  base.mem.release(a.base.mark); cur.mem.release(a.cur.mark);
  const o = median(times.base), n = median(times.cur), flops = 2 * ys * info.kH * info.kW * (info.inC / info.groups), bytes = 4 * (xs + ys);
  totals.base += o; totals.cur += n;
  const lim = (ms: number): string => `${Math.round(100 * flops / ms / 1e6 / peak)}%`, bw = (ms: number): string => `${Math.round(100 * bytes / ms / 1e6 / dram)}%`;
  console.log(`${label.padEnd(25)} ${o.toFixed(2).padStart(7)}  ${n.toFixed(2).padStart(7)}  ${(o / n).toFixed(2).padStart(7)}x  ${(lim(o) + '/' + lim(n)).padStart(13)}  ${(bw(o) + '/' + bw(n)).padStart(13)}${diff / (scale || 1) > 1e-5 ? `  (outputs differ: ${(diff / scale).toExponential(1)})` : ''}`);
}
console.log(`total ${totals.base.toFixed(1)} ms -> ${totals.cur.toFixed(1)} ms (${(totals.base / totals.cur).toFixed(2)}x)`);
process.exit(0);
