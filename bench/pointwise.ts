// MobileNet's 1x1 convolutions (examples/zoo-models.ts) at batch 256 and 32, the forward (with
// bias + relu6 as the inference fold runs it) and the input gradient with the
// pointwise GEMM kernels (wasm/pointwise-kernels.ts) and with the kernels they replace, side by
// side on one thread by CPU time, rounds alternating, medians; GFLOP/s and the share of the
// 128-bit multiply-add limit (bench/kernels.ts's fmaPeak) beside.
//   node --import tsx bench/pointwise.ts [--batch 256,32] [--rounds 5] [--only SUBSTRING] [--epilogue]
// --epilogue: the forward with bias + relu6 through the GEMM too (pointwiseTuning.epilogue; by
// default it keeps the direct kernel, so 'new' = 'old' there); without it the forward is timed plain.
// --filter-grad: the filter gradient too (not a pointwiseGemm pass: 'new' = 'old', for the % of the limit).
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256,32' }, rounds: { type: 'string', default: '5' }, only: { type: 'string', default: '' }, reps: { type: 'string', default: '3' }, epilogue: { type: 'boolean', default: false }, 'filter-grad': { type: 'boolean', default: false } } });
pointwiseTuning.epilogue = values.epilogue;
const rounds = Number(values.rounds), reps = Number(values.reps);
const be = new WasmBackend(1);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
// The limit as the best of five measurements: on a loaded machine single ones read low.
const peak = Math.max(...Array.from({ length: 5 }, () => be.fmaPeakGflops(cpuMs)));
// MobileNet's pointwise layers: [map size, input channels, output channels].
const SHAPES: [number, number, number][] = [[32, 32, 64], [16, 64, 128], [16, 128, 128], [8, 128, 256], [8, 256, 256], [4, 256, 512]];
console.log(`1 thread, CPU time, median of ${rounds} alternating rounds of ${reps} calls; limit ${peak.toFixed(1)} GFLOP/s; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('pass           shape                    old ms   new ms  speed-up  old %lim  new %lim');
const totals = { old: 0, new: 0 };
for (const batch of values.batch.split(',').map(Number)) {
  for (const [hw, C, F] of SHAPES) {
    const info = convInfo([batch, hw, hw, C], [1, 1, C, F], { padding: 'same' });
    const xs = batch * hw * hw * C, ys = batch * hw * hw * F;
    const mark = be.mem.mark();
    const alloc = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
    const x = alloc(xs), w = alloc(C * F), b = alloc(F), y = alloc(ys), dy = alloc(ys), dx = alloc(xs);
    const passes: [string, () => void][] = [
      values.epilogue ? ['forward+relu6', () => be.conv2dActivation(x, w, b, y, info, 'relu6')] : ['forward', () => be.conv2d(x, w, null, y, info)],
      ['input grad', () => be.conv2dBackpropInput(dy, w, dx, info)],
    ];
    if (values['filter-grad']) passes.push(['filter grad', () => be.conv2dBackpropFilter(x, dy, dx.subarray(0, C * F), info)]);
    for (const [pass, run] of passes) {
      const label = `b${batch} ${hw}x${hw} ${C}->${F}`;
      if (values.only && !`${pass} ${label}`.includes(values.only)) continue;
      const times = { old: [] as number[], new: [] as number[] };
      for (let r = 0; r < rounds + 1; r++) {
        for (const mode of ['old', 'new'] as const) {
          pointwiseTuning.gemm = mode === 'new';
          const t = cpuMs();
          for (let i = 0; i < reps; i++) run();
          if (r > 0) times[mode].push((cpuMs() - t) / reps);
        }
      }
      pointwiseTuning.gemm = true;
      const o = median(times.old), n = median(times.new), flops = 2 * C * ys;
      totals.old += o; totals.new += n;
      const pct = (ms: number): string => `${Math.round((100 * flops / ms / 1e6) / peak)}%`;
      console.log(`${pass.padEnd(14)} ${label.padEnd(22)} ${o.toFixed(3).padStart(8)} ${n.toFixed(3).padStart(8)}  ${(o / n).toFixed(2).padStart(7)}x  ${pct(o).padStart(8)}  ${pct(n).padStart(8)}`);
    }
    be.mem.release(mark);
  }
}
console.log(`total ${totals.old.toFixed(1)} ms -> ${totals.new.toFixed(1)} ms (${(totals.old / totals.new).toFixed(2)}x)`);
process.exit(0);
