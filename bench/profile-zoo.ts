// Where a zoo model's compiled training step spends its time: every kernel of the plan timed
// (median per call over the steps), summed by kernel, with the share of the step and whether
// it ran in wasm or in the JS reference backend: [js] = a kernel the wasm backend inherits
// from the reference (no wasm version); [js fallback] = a wasm kernel whose call meets one of
// its documented reasons to run the reference instead (an element-wise op without a SIMD code,
// a reduction other than a column sum, an array outside wasm memory or not float32 where
// labels are not expected). Other, shape-based choices inside wasm kernels are not seen.
//   node --import tsx bench/profile-zoo.ts --model vgg [--threads 2] [--steps 10] [--top 10] [--cpu-time] [--winograd-filter-grad auto|always|never] [--winograd4-min-channels 16] [--winograd4-16-inputs on|off] [--wide-gemm on|off] [--input-grad-add on|off] [--reuse-columns on|off] [--general-depthwise]
// --cpu-time (one thread only): timed by the process's CPU time, so that on a loaded machine
// other processes' time slices do not count.
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { BINARY_OPS, UNARY_OPS } from '../src/backends/wasm/index.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { gradFusionTuning } from '../src/compile/fusions-grad.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'seed' }, threads: { type: 'string' }, steps: { type: 'string', default: '10' }, top: { type: 'string', default: '10' },
  'cpu-time': { type: 'boolean', default: false }, 'winograd-filter-grad': { type: 'string', default: 'auto' }, 'winograd4-min-channels': { type: 'string' },
  'winograd4-16-inputs': { type: 'string', default: 'on' }, 'wide-gemm': { type: 'string', default: 'on' }, 'input-grad-add': { type: 'string', default: 'on' }, 'reuse-columns': { type: 'string', default: 'on' }, 'general-depthwise': { type: 'boolean', default: false } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`profile-zoo: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
const wfg = values['winograd-filter-grad'];
if (wfg !== 'auto' && wfg !== 'always' && wfg !== 'never') throw new Error(`profile-zoo: --winograd-filter-grad must be auto, always or never, got '${wfg}'`);
trainTuning.winogradFilterGrad = wfg; // 'never': the packed filter gradient everywhere (before/after comparisons)
depthwiseTuning.inPlace3x3 = !values['general-depthwise']; // the general depthwise kernels (before/after comparisons)
// --winograd4-min-channels 16: F(4x4) forward / input gradients from 16 channels (winogradTuning in wasm/winograd-kernels.ts).
if (values['winograd4-min-channels']) winogradTuning.minChannels4 = Number(values['winograd4-min-channels']);
const w16 = values['winograd4-16-inputs'];
if (w16 !== 'on' && w16 !== 'off') throw new Error(`profile-zoo: --winograd4-16-inputs must be on or off, got '${w16}'`);
winogradTuning.sixteenInputChannels = w16 === 'on'; // F(4x4) where 16 input channels meet 16+ output channels (off: the direct kernel, before/after)
const wide = values['wide-gemm'];
if (wide !== 'on' && wide !== 'off') throw new Error(`profile-zoo: --wide-gemm must be on or off, got '${wide}'`);
winogradTuning.wideGemm = wide === 'on'; // F(4x4)'s GEMMs by the 2x16 tile (off: gemm's 4x8, before/after)
const reuse = values['reuse-columns'];
if (reuse !== 'on' && reuse !== 'off') throw new Error(`profile-zoo: --reuse-columns must be on or off, got '${reuse}'`);
winogradTuning.reuseColumns = reuse === 'on'; // F(4x4)'s input transform reusing a neighbour's columns (off: all six, before/after)
const iga = values['input-grad-add'];
if (iga !== 'on' && iga !== 'off') throw new Error(`profile-zoo: --input-grad-add must be on or off, got '${iga}'`);
gradFusionTuning.inputGradAdd = iga === 'on'; // the gradient sums fused into the input gradients (off: separate adds, before/after)
dt.setBackend('wasm');
if (values.threads) dt.setThreads(Number(values.threads));
if (values['cpu-time'] && values.threads !== '1') throw new Error(`profile-zoo: --cpu-time needs --threads 1 (CPU time sums every thread's), got ${values.threads ?? 'the default'}`);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const clock = values['cpu-time'] ? cpuMs : () => performance.now();
await dt.ready();
dt.setRandomSeed(1);
const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
for (let i = 0; i < 3; i++) model.trainStep(x, y);

type Fn = (...a: unknown[]) => unknown;
const b = backend() as unknown as Record<string, Fn>;
// The kernels are instance fields (arrow functions): a wasm one has other source than the reference's.
const reference = new JsBackend() as unknown as Record<string, Fn>;
const own = (k: string): boolean => typeof reference[k] !== 'function' || String(reference[k]) !== String(b[k]);
const mem = (b as unknown as { mem: { owns: (a: unknown) => boolean } }).mem;
const SIMD_OPS = new Set<string>([...UNARY_OPS, ...BINARY_OPS]);
const LABEL_KERNELS = new Set(['sparseSoftmaxCrossEntropy', 'sparseSoftmaxCrossEntropyGrad', 'maxPool2d', 'maxPool2dBackward', 'conv2dMaxPool', 'conv2dBackpropFilterPooled']);
function fallsBack(k: string, args: unknown[]): boolean {
  if ((k === 'unary' || k === 'binary') && !SIMD_OPS.has(String(args[0]))) return true;
  if (k === 'reduce' && (args[0] !== 'sum' || args[3] !== 1 || (args[5] as number) < 4)) return true;
  if (k === 'random') return !(args[2] instanceof Float32Array); // its generator state is a small Int32Array, read in JS
  const arrays = args.filter((a) => ArrayBuffer.isView(a));
  if (!LABEL_KERNELS.has(k) && arrays.some((a) => !(a instanceof Float32Array))) return true;
  return arrays.some((a) => !mem.owns(a));
}
/** A convolution's kind: kernel size, stride, depthwise, channels in -> out (the first ConvInfo among the arguments). */
function convTag(args: unknown[]): string {
  const c = args.find((a): a is ConvInfo => typeof a === 'object' && a !== null && 'kH' in a && 'groups' in a);
  if (!c) return '';
  return ` ${c.kH}x${c.kW}/s${c.strideH}${c.groups > 1 ? ' dw' : ''} ${c.inC}->${c.outC}`;
}
let depth = 0, callIndex = 0;
const samples = new Map<string, { kernel: string; times: number[]; fallback: boolean }>();
const names = new Set<string>();
for (let p: object | null = b; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) for (const k of Object.getOwnPropertyNames(p)) names.add(k);
for (const k of names) {
  const f = b[k];
  if (typeof f !== 'function' || k === 'constructor') continue;
  b[k] = (...args: unknown[]) => {
    if (depth > 0) return f.apply(b, args);
    depth++;
    const t = clock();
    try { return f.apply(b, args); } finally {
      const ms = clock() - t;
      depth--;
      const kernel = `${k}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}${convTag(args)}`;
      const key = `${callIndex++} ${kernel}`;
      const s = samples.get(key) ?? samples.set(key, { kernel, times: [], fallback: false }).get(key)!;
      s.times.push(ms);
      if (own(k) && fallsBack(k, args)) s.fallback = true;
    }
  };
}
const steps = Number(values.steps), stepTimes: number[] = [], cpuTimes: number[] = [];
for (let i = 0; i < steps; i++) {
  callIndex = 0;
  const t = clock(), c = process.cpuUsage();
  model.trainStep(x, y);
  stepTimes.push(clock() - t);
  const used = process.cpuUsage(c);
  cpuTimes.push((used.user + used.system) / 1000);
}
const median = (v: number[]): number => [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)];
const byKernel = new Map<string, { ms: number; calls: number; where: string }>();
for (const s of samples.values()) {
  const name = s.kernel.split(' ')[0];
  const where = !own(name) ? '[js]' : s.fallback ? '[js fallback]' : 'wasm';
  const key = `${s.kernel} ${where}`;
  const k = byKernel.get(key) ?? byKernel.set(key, { ms: 0, calls: 0, where }).get(key)!;
  k.ms += median(s.times);
  k.calls += 1;
}
const step = median(stepTimes);
const sorted = [...byKernel.entries()].sort((a, c) => c[1].ms - a[1].ms);
const jsTotal = sorted.filter(([, v]) => v.where !== 'wasm').reduce((s, [, v]) => s + v.ms, 0);
console.log(`${values.model} (batch ${entry.batchSize}), threads ${dt.getThreads()}: median step ${step.toFixed(1)} ms (timers included), CPU ${median(cpuTimes).toFixed(1)} ms (the process, all threads); kernels in the JS reference: ${jsTotal.toFixed(1)} ms (${(100 * jsTotal / step).toFixed(0)}%)`);
const families = new Map<string, number>();
for (const [k, v] of sorted) { const f = k.split(' ')[0]; families.set(f, (families.get(f) ?? 0) + v.ms); }
console.log(`  by kernel: ${[...families].sort((a, c) => c[1] - a[1]).slice(0, 6).map(([f, ms]) => `${f} ${(100 * ms / step).toFixed(0)}%`).join(', ')}`);
for (const [k, v] of sorted.slice(0, Number(values.top))) console.log(`  ${k.padEnd(44)} ${String(v.calls).padStart(3)} calls ${v.ms.toFixed(2).padStart(8)} ms ${(100 * v.ms / step).toFixed(1).padStart(5)}%`);
const jsKernels = sorted.filter(([, v]) => v.where !== 'wasm').map(([k, v]) => `${k} ${v.ms.toFixed(2)} ms`);
console.log(`  all JS-reference kernels: ${jsKernels.join('; ') || 'none'}`);
process.exit(0);
