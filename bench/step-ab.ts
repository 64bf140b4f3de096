// A/B of a wasm tuning knob inside a zoo model's compiled training step: the steps alternate
// between the knob's settings (A B B A ...), every backend call timed (CPU time on one thread,
// wall clock on two), and per setting the median of each kernel kind (kernel + conv shape,
// summed over its calls) and of the whole step. Plans replay backend calls and the wasm
// backend chooses its kernels at each call, so a knob flipped between steps takes effect.
//   node --import tsx bench/step-ab.ts --model resnet20 --knob train.winogradFilterGradTile=auto,2 [--knob ...] [--steps 12] [--threads 2] [--top 12] [--stat median|min]
// Several --knob: setting j sets every knob to its j-th value (a before/after of several changes).
// Knob tables: train (trainTuning), winograd (winogradTuning), norm (normTrainTuning), conv (convTuning).
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { normTrainTuning } from '../src/backends/wasm/norm-train.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'resnet20' }, knob: { type: 'string', multiple: true }, steps: { type: 'string', default: '12' }, threads: { type: 'string', default: '1' }, top: { type: 'string', default: '12' }, stat: { type: 'string', default: 'median' } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`step-ab: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
const TABLES: Record<string, Record<string, unknown>> = { train: trainTuning, winograd: winogradTuning, norm: normTrainTuning };
const parse = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v);
const knobs = (values.knob ?? []).map((spec) => {
  const [path, list] = spec.split('=');
  const [table, name] = (path ?? '').split('.');
  const tuning = TABLES[table ?? ''];
  if (!tuning || !name || !(name in tuning) || !list) throw new Error(`step-ab: --knob TABLE.NAME=V1,V2 with TABLE one of ${Object.keys(TABLES).join(', ')} and NAME one of its keys, got '${spec}'`);
  return { tuning, name, values: list.split(',').map(parse) };
});
if (knobs.length === 0 || knobs.some((k) => k.values.length !== knobs[0].values.length)) throw new Error('step-ab: one or more --knob, each with the same number of values');
const settings = knobs[0].values.map((_, j) => j);
const apply = (j: number): void => { for (const k of knobs) k.tuning[k.name] = k.values[j]; };
const label = (j: number): string => knobs.map((k) => `${k.name}=${String(k.values[j])}`).join(' ');
const threads = Number(values.threads);
if (threads !== 1 && threads !== 2) throw new Error(`step-ab: --threads must be 1 or 2, got '${values.threads}'`);
dt.setBackend('wasm');
dt.setThreads(threads);
await dt.ready();
dt.setRandomSeed(1);
const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
const clock = threads === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
for (const j of settings) { apply(j); for (let i = 0; i < 2; i++) model.trainStep(x, y); }

const tag = (args: unknown[]): string => {
  const c = args.find((a): a is ConvInfo => typeof a === 'object' && a !== null && 'kH' in a && 'groups' in a);
  return c ? ` ${c.kH}x${c.kW}/s${c.strideH}${c.groups > 1 ? ' dw' : ''} ${c.inC}->${c.outC}` : '';
};
type Fn = (...a: unknown[]) => unknown;
const b = backend() as unknown as Record<string, Fn>;
let depth = 0, current = new Map<string, number>();
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
      depth--;
      const key = `${k}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}${tag(args)}`;
      current.set(key, (current.get(key) ?? 0) + clock() - t);
    }
  };
}
const steps = Number(values.steps);
const per = settings.map(() => ({ step: [] as number[], kernels: new Map<string, number[]>() }));
for (let i = 0; i < steps; i++) {
  for (let j = 0; j < settings.length; j++) {
    const which = i % 2 === 0 ? j : settings.length - 1 - j; // A B, then B A: neither always first
    apply(which);
    current = new Map();
    const t = clock();
    model.trainStep(x, y);
    per[which].step.push(clock() - t);
    for (const [k, ms] of current) { const l = per[which].kernels.get(k) ?? []; l.push(ms); per[which].kernels.set(k, l); }
  }
}
// --stat min: the fastest step / call of each setting (on a loaded machine the least disturbed one).
if (values.stat !== 'median' && values.stat !== 'min') throw new Error(`step-ab: --stat must be median or min, got '${values.stat}'`);
const median = (v: number[]): number => (values.stat === 'min' ? Math.min(...v) : [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)]);
console.log(`${values.model} (batch ${entry.batchSize}), ${threads} thread(s), ${threads === 1 ? 'CPU time' : 'wall'}, ${steps} steps per setting, ${values.stat}s, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`  step: ${settings.map((j) => `${label(j)} ${median(per[j].step).toFixed(1)} ms`).join(', ')}  (B/A ${(median(per[1]?.step ?? [0]) / median(per[0].step)).toFixed(3)})`);
// By kernel name (every shape): the medians' sums.
const families = new Map<string, number[]>();
for (const [k] of per[0].kernels) {
  const f = k.split(' ')[0], row = families.get(f) ?? settings.map(() => 0);
  settings.forEach((j) => { row[j] += median(per[j].kernels.get(k) ?? [0]); });
  families.set(f, row);
}
const top = [...families].sort((a, c) => c[1][0] - a[1][0]).slice(0, 6);
console.log(`  by kernel: ${top.map(([f, row]) => `${f} ${row.map((v) => v.toFixed(1)).join(' / ')}`).join('; ')}`);
const keys = [...per[0].kernels.keys()].map((k) => [k, median(per[0].kernels.get(k)!)] as const).sort((a, c) => c[1] - a[1]);
for (const [k, a] of keys.slice(0, Number(values.top))) {
  const others = per.slice(1).map((p) => median(p.kernels.get(k) ?? [0]));
  console.log(`  ${k.padEnd(42)} ${a.toFixed(2).padStart(7)} ${others.map((o) => `${o.toFixed(2).padStart(7)} (${(o / a).toFixed(2)}x)`).join(' ')}`);
}
process.exit(0);
