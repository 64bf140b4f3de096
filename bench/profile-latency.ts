// Where a batch-1 predict's time goes (issue #15's latency target): model.predict end to end,
// the compiled step alone (predictStep), and every kernel call of the plan, median per call,
// with its multiply-adds as a direct convolution or matMul counts them and the rate on that
// count against the wasm kernels' measured multiply-add limit on these threads (Winograd does
// fewer multiply-adds, so it can read above 100%).
//   node --import tsx bench/profile-latency.ts --model mobilenet [--threads 1] [--runs 50] [--top 8] [--batch 1] [--general-depthwise] [--wide-gemm on|off] [--reuse-columns on|off] [--even-chunks on|off] [--gather-edges on|off] [--stem-gemm on|off] [--set pointwiseTuning.wideEpilogueMinPixels=4096,stemTuning.stemGemm=false]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'seed' }, threads: { type: 'string' }, runs: { type: 'string', default: '50' }, top: { type: 'string', default: '8' }, batch: { type: 'string', default: '1' }, 'general-depthwise': { type: 'boolean', default: false }, 'wide-gemm': { type: 'string', default: 'on' }, 'reuse-columns': { type: 'string', default: 'on' }, 'even-chunks': { type: 'string', default: 'on' }, 'gather-edges': { type: 'string', default: 'on' }, 'stem-gemm': { type: 'string', default: 'on' }, set: { type: 'string', default: '' } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`profile-latency: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
dt.setBackend('wasm');
depthwiseTuning.inPlace3x3 = !values['general-depthwise']; // the general depthwise kernels (before/after comparisons)
if (values['wide-gemm'] !== 'on' && values['wide-gemm'] !== 'off') throw new Error(`profile-latency: --wide-gemm must be on or off, got '${values['wide-gemm']}'`);
winogradTuning.wideGemm = values['wide-gemm'] === 'on'; // F(4x4)'s GEMMs by the 2x16 tile (off: gemm's 4x8, before/after)
if (values['reuse-columns'] !== 'on' && values['reuse-columns'] !== 'off') throw new Error(`profile-latency: --reuse-columns must be on or off, got '${values['reuse-columns']}'`);
winogradTuning.reuseColumns = values['reuse-columns'] === 'on'; // F(4x4)'s input transform reusing a neighbour's columns (off: all six)
for (const [flag, key] of [['even-chunks', 'evenChunks'], ['gather-edges', 'gatherEdges']] as const) {
  if (values[flag] !== 'on' && values[flag] !== 'off') throw new Error(`profile-latency: --${flag} must be on or off, got '${values[flag]}'`);
  winogradTuning[key] = values[flag] === 'on'; // F(4x4): equal chunks of tiles between threads / edge blocks gathered (off: before, for comparisons)
}
if (values['stem-gemm'] !== 'on' && values['stem-gemm'] !== 'off') throw new Error(`profile-latency: --stem-gemm must be on or off, got '${values['stem-gemm']}'`);
stemTuning.stemGemm = values['stem-gemm'] === 'on'; // RGB stems read in place (off: convGemm's im2col panels, before/after)
// Any tuning values (after the flags above): OBJECT.KEY=VALUE, comma-separated (before/after profiles).
const TUNING: Record<string, Record<string, unknown>> = { depthwiseTuning, winogradTuning, stemTuning, pointwiseTuning };
for (const item of values.set ? values.set.split(',') : []) {
  const [name, value] = item.split('='), [objectName, key] = name.split('.');
  const target = TUNING[objectName];
  if (!target || !key || !(key in target) || value === undefined) throw new Error(`profile-latency: --set takes OBJECT.KEY=VALUE of ${Object.keys(TUNING).join(', ')}, got '${item}'`);
  target[key] = value === 'true' ? true : value === 'false' ? false : Number(value);
}
if (values.threads) dt.setThreads(Number(values.threads));
await dt.ready();
dt.setRandomSeed(1);
const model = entry.build();
const batch = Number(values.batch);
const x1 = syntheticBatch(entry, batch).x;
// Warm both paths well: V8 compiles hot functions on background threads, whose CPU time the
// process's clock counts (after 5 calls, predict's CPU time read ~1.5 ms above predictStep's
// at batch 1; after 30 the two agree within noise).
for (let i = 0; i < 30; i++) { model.predict(x1, { batchSize: batch }); model.predictStep(x1); }
const runs = Number(values.runs);
const median = (v: number[]): number => [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)];
const time = (f: () => void): number => { const t = performance.now(); f(); return performance.now() - t; };
// CPU time per call (user + system, all threads): on a loaded machine the wall time of a
// 10 ms call includes other processes' slices; on one thread the CPU time does not.
const cpuMs = (f: () => void): number => { const c = process.cpuUsage(); for (let i = 0; i < runs; i++) f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000 / runs; };
const cpuPredict = cpuMs(() => model.predict(x1, { batchSize: batch })), cpuStep = cpuMs(() => model.predictStep(x1));
const whole: number[] = [], step: number[] = [];
for (let i = 0; i < runs; i++) {
  whole.push(time(() => model.predict(x1, { batchSize: batch })));
  step.push(time(() => model.predictStep(x1)));
}
type Fn = (...a: unknown[]) => unknown;
// Kernel times: CPU time on one thread (other processes' slices left out), else the wall clock.
const now = dt.getThreads() === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : (): number => performance.now();
const b = backend() as unknown as Record<string, Fn>;
const originals = new Map<string, Fn>();
const samples = new Map<string, number[]>();
const macsOf = new Map<string, number>();
let index = 0, depth = 0;
for (let p: object | null = b; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
  for (const k of Object.getOwnPropertyNames(p)) {
    const f = b[k];
    if (typeof f !== 'function' || k === 'constructor' || originals.has(k)) continue;
    originals.set(k, f);
    b[k] = (...args: unknown[]) => {
      if (depth > 0) return f.apply(b, args);
      depth++;
      const t = now();
      try { return f.apply(b, args); } finally {
        depth--;
        const c = args.find((a): a is { kH: number; kW: number; strideH: number; groups: number; inC: number; outC: number; batch: number; outH: number; outW: number } => typeof a === 'object' && a !== null && 'kH' in a);
        const key = `${index++} ${k}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}${c ? ` ${c.kH}x${c.kH}/s${c.strideH}${c.groups > 1 ? ' dw' : ''} ${c.inC}->${c.outC}` : ''}`;
        (samples.get(key) ?? samples.set(key, []).get(key)!).push(now() - t);
        if (c) macsOf.set(key, c.batch * c.outH * c.outW * c.outC * c.kH * c.kW * (c.inC / c.groups));
        else if (k === 'matMul') macsOf.set(key, (args[3] as number) * (args[4] as number) * (args[5] as number) * (args[6] as number));
      }
    };
  }
}
const wrapped: number[] = [];
for (let i = 0; i < runs; i++) { index = 0; wrapped.push(time(() => model.predictStep(x1))); }
const kernels = [...samples].map(([k, v]) => [k, median(v)] as const);
const kernelSum = kernels.reduce((s, [, v]) => s + v, 0);
console.log(`${values.model} batch ${batch}, threads ${dt.getThreads()}: predict ${median(whole).toFixed(3)} ms, predictStep ${median(step).toFixed(3)} ms, ${kernels.length} kernel calls summing to (${dt.getThreads() === 1 ? 'CPU time' : 'wall'}) ${kernelSum.toFixed(3)} ms (timed run ${median(wrapped).toFixed(3)} ms); CPU time per call: predict ${cpuPredict.toFixed(3)} ms, predictStep ${cpuStep.toFixed(3)} ms`);
for (const [k, f] of originals) b[k] = f; // unwrapped: the limit's probe below is not a call of the plan
const limit = (backend() as unknown as { fmaPeakGflops(): number }).fmaPeakGflops() / 2; // G multiply-adds/s
const totalMacs = [...macsOf.values()].reduce((s, m) => s + m, 0);
console.log(`  ${(totalMacs / 1e6).toFixed(2)} M multiply-adds (direct count), ${(totalMacs / limit / 1e6).toFixed(3)} ms at the limit of ${limit.toFixed(1)} G/s on ${dt.getThreads()} thread(s); per call: ms, M multiply-adds, G/s, % of the limit`);
for (const [k, v] of [...kernels].sort((a, c) => c[1] - a[1]).slice(0, Number(values.top))) {
  const m = macsOf.get(k);
  console.log(`  ${k.padEnd(48)} ${v.toFixed(3)} ms${m ? `  ${(m / 1e6).toFixed(2)}  ${(m / v / 1e6).toFixed(1)}  ${Math.round((100 * m) / v / 1e6 / limit)}%` : ''}`);
}
process.exit(0);
