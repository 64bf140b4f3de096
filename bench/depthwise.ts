// The depthwise convolutions of the zoo's MobileNet, each pass (forward, input gradient, filter
// gradient) with the fast kernels (wasm/depthwise-kernels.ts) and with the general ones they
// replace, side by side on one thread by CPU time, rounds alternating, medians; GFLOP/s and the
// share of the 128-bit multiply-add limit (bench/kernels.ts's fmaPeak) beside.
// --baseline grouped: the fast kernels against themselves without the sliding interior
// (depthwiseTuning.sliding off: groups of four outputs swept over all channels) instead.
//   node --import tsx bench/depthwise.ts [--batch 32] [--rounds 7] [--only SUBSTRING] [--baseline general|grouped] [--passes forward] [--slide-chunk N]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';
import { streamGBs } from '../src/backends/wasm/bandwidth.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '32' }, rounds: { type: 'string', default: '7' }, only: { type: 'string', default: '' }, reps: { type: 'string', default: '5' }, baseline: { type: 'string', default: 'general' }, passes: { type: 'string', default: '' }, 'slide-chunk': { type: 'string', default: String(depthwiseTuning.slideChunk) } } });
depthwiseTuning.slideChunk = Number(values['slide-chunk']);
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
const be = new WasmBackend(1);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
// MobileNet's depthwise layers: [input size, channels, stride].
const SHAPES: [number, number, number][] = [[32, 32, 1], [32, 64, 2], [16, 128, 1], [16, 128, 2], [8, 256, 1], [8, 256, 2]];
console.log(`batch ${batch}, 1 thread, CPU time, median of ${rounds} alternating rounds of ${reps} calls; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const grouped = values.baseline === 'grouped';
if (!grouped && values.baseline !== 'general') throw new Error(`--baseline must be general or grouped, not ${values.baseline}`);
const setMode = (fast: boolean): void => { if (grouped) depthwiseTuning.sliding = fast; else depthwiseTuning.inPlace3x3 = fast; };
console.log(`pass           shape                 ${grouped ? 'grouped' : 'general'} ms  fast ms  speed-up  fast GFLOP/s  fast %bw (x + y once)`);
const dram = streamGBs(be, { reads: 1, writes: 1, bytes: 64 << 20 }, cpuMs);
for (const [hw, C, s] of SHAPES) {
  const info = convInfo([batch, hw, hw, C], [3, 3, 1, C], { strides: s, padding: 'same', groups: C });
  const xs = batch * hw * hw * C, ys = batch * info.outH * info.outW * C;
  const mark = be.mem.mark();
  const alloc = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
  const x = alloc(xs), w = alloc(9 * C), b = alloc(C), y = alloc(ys), dy = alloc(ys), dx = alloc(xs), dw = alloc(9 * C);
  const passes: [string, () => void][] = [
    ['forward+relu6', () => be.conv2dActivation(x, w, b, y, info, 'relu6')],
    ['input grad', () => be.conv2dBackpropInput(dy, w, dx, info)],
    ['filter grad', () => be.conv2dBackpropFilter(x, dy, dw, info)],
  ];
  for (const [pass, run] of passes) {
    const label = `3x3/s${s} ${hw}x${hw}x${C}`;
    if (values.only && !`${pass} ${label}`.includes(values.only)) continue;
    if (values.passes && !values.passes.split(',').some((p) => pass.startsWith(p))) continue;
    const times = { general: [] as number[], fast: [] as number[] };
    for (let r = 0; r < rounds + 1; r++) {
      for (const mode of ['general', 'fast'] as const) {
        setMode(mode === 'fast');
        const t = cpuMs();
        for (let i = 0; i < reps; i++) run();
        if (r > 0) times[mode].push((cpuMs() - t) / reps);
      }
    }
    setMode(true);
    const g = median(times.general), f = median(times.fast), flops = 2 * 9 * ys, bytes = 4 * (xs + ys);
    console.log(`${pass.padEnd(14)} ${label.padEnd(21)} ${g.toFixed(3).padStart(10)}  ${f.toFixed(3).padStart(7)}  ${(g / f).toFixed(2).padStart(7)}x  ${(flops / f / 1e6).toFixed(1).padStart(11)}  ${Math.round(100 * bytes / f / 1e6 / dram).toString().padStart(7)}%`);
  }
  be.mem.release(mark);
}
process.exit(0);
