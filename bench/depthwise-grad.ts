// The zoo MobileNet's 3x3 depthwise filter gradients with a depthwiseTuning knob off (before)
// and on (after), one thread, CPU time, rounds alternating, the fastest round of each
// (--median: medians); the share of the multiply-add limit (fmaPeakGflops) beside. The
// stride-2 input gradients beside them run the same code both ways: their ratio is the noise.
// --cold: each call on another copy of its arrays (all copies over the L3 cache), as in a step.
//   node --import tsx bench/depthwise-grad.ts [--knob filterGradReadAhead] [--batch 32] [--rounds 7] [--reps 5] [--only SUBSTRING] [--median] [--cold]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';
import { MOBILENET_BLOCKS } from '../examples/zoo-models.ts';

const { values } = parseArgs({ options: { knob: { type: 'string', default: 'filterGradReadAhead' }, batch: { type: 'string', default: '32' }, rounds: { type: 'string', default: '7' },
  reps: { type: 'string', default: '5' }, only: { type: 'string', default: '' }, median: { type: 'boolean', default: false }, cold: { type: 'boolean', default: false } } });
const knobs = [values.knob] as (keyof typeof depthwiseTuning)[];
const setKnob = (on: boolean): void => { for (const k of knobs) (depthwiseTuning as Record<string, unknown>)[k] = on; };
const knob = values.knob;
if (knobs.some((k) => typeof depthwiseTuning[k] !== 'boolean' || k === 'inPlace3x3')) {
  throw new Error(`depthwise-grad: --knob must name a boolean gradient knob of depthwiseTuning, got '${values.knob}'`);
}
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
const be = new WasmBackend(1);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
// The fastest round: on a shared machine the least disturbed (--median: the median).
const pick = (v: number[]): number => [...v].sort((a, b) => a - b)[values.median ? Math.floor(v.length / 2) : 0];
const peak = Math.max(...Array.from({ length: 3 }, () => be.fmaPeakGflops(cpuMs)));
console.log(`knob ${knob}, batch ${batch}, 1 thread, CPU time, ${values.median ? 'median' : 'fastest'} of ${rounds} alternating rounds of ${reps} calls; limit ${peak.toFixed(1)} GFLOP/s; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('pass         shape             off ms   on ms  speed-up  %lim off/on');
let size = 32, channels = 32;
const totals = { off: 0, on: 0 };
for (const [filters, s] of MOBILENET_BLOCKS) {
  const hw = size, C = channels;
  size /= s; channels = filters;
  const info = convInfo([batch, hw, hw, C], [3, 3, 1, C], { strides: s, padding: 'same', groups: C });
  const xs = batch * hw * hw * C, ys = batch * info.outH * info.outW * C;
  const mark = be.mem.mark();
  const alloc = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 1000) / 1000 - 0.5; return v; };
  // --cold: copies of x, dy and dx that together exceed the L3 cache, a call on each in turn (as in a step, whose arrays come from memory).
  const copies = values.cold ? Math.max(2, Math.ceil((64 << 20) / (4 * (2 * xs + ys)))) : 1;
  const sets = Array.from({ length: copies }, () => ({ x: alloc(xs), dy: alloc(ys), dx: alloc(xs) }));
  const w = alloc(9 * C), dw = alloc(9 * C);
  let turn = 0;
  const next = () => sets[turn++ % copies];
  const passes: [string, () => void][] = [['filter grad', () => { const q = next(); be.conv2dBackpropFilter(q.x, q.dy, dw, info); }]];
  if (s === 2) passes.push(['input grad', () => { const q = next(); be.conv2dBackpropInput(q.dy, w, q.dx, info); }]);
  const dx = sets[0].dx;
  for (const [pass, run] of passes) {
    const label = `3x3/s${s} ${hw}x${hw}x${C}`;
    if (values.only && !`${pass} ${label}`.includes(values.only)) continue;
    const times = { off: [] as number[], on: [] as number[] };
    const results = { off: new Float32Array(0), on: new Float32Array(0) };
    for (let r = 0; r < rounds + 1; r++) {
      for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        setKnob(mode === 'on');
        const t = cpuMs();
        for (let i = 0; i < reps; i++) run();
        if (r > 0) times[mode].push((cpuMs() - t) / reps);
        if (!values.cold || pass === 'filter grad') results[mode] = (pass === 'filter grad' ? dw : dx).slice();
      }
    }
    setKnob(true);
    let diff = 0, scale = 0;
    for (let i = 0; i < results.on.length; i++) { diff = Math.max(diff, Math.abs(results.on[i] - results.off[i])); scale = Math.max(scale, Math.abs(results.off[i])); }
    const o = pick(times.off), n = pick(times.on), flops = 2 * 9 * ys;
    totals.off += o; totals.on += n;
    const lim = (ms: number): string => `${Math.round(100 * flops / ms / 1e6 / peak)}%`;
    console.log(`${pass.padEnd(12)} ${label.padEnd(17)} ${o.toFixed(3).padStart(6)}  ${n.toFixed(3).padStart(6)}  ${(o / n).toFixed(2).padStart(7)}x  ${(lim(o) + '/' + lim(n)).padStart(11)}${diff / (scale || 1) > 1e-5 ? `  (results differ: ${(diff / scale).toExponential(1)})` : ''}`);
  }
  be.mem.release(mark);
}
console.log(`total ${totals.off.toFixed(2)} ms -> ${totals.on.toFixed(2)} ms (${(totals.off / totals.on).toFixed(2)}x)`);
process.exit(0);
