// profile-latency.ts's per-call table for two settings of tuning knobs, paired in one process
// (issue #15: on a loaded machine separate runs differ by more than the change): one model per
// setting, each traced and compiled under its setting, then rounds alternating between them,
// every kernel call of a predictStep timed by CPU time on one thread (other processes' slices
// left out). Per call: its fastest round (the mean over the round's predictSteps) for old and
// new, and new / old (on a loaded machine the fastest round is the one least taken by others);
// the calls' sum alike, and the predictSteps' CPU time: median and fastest round.
//   node --import tsx bench/latency-profile-ab.ts --knob stemTuning.stemGemm --values false,true [--models mobilenet] [--rounds 12] [--reps 20] [--top 12]
// Several knobs flip together as in latency-ab.ts: --knob A.x+B.y --values 1+false,2+true.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import { preparedTuning, winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { preparedPacking, stemTuning } from '../src/backends/wasm/conv-kernels.ts';

const TUNING: Record<string, Record<string, unknown>> = { preparedTuning, winogradTuning, pointwiseTuning, depthwiseTuning, preparedPacking, stemTuning };
const { values } = parseArgs({ options: {
  knob: { type: 'string' }, values: { type: 'string', default: 'false,true' }, models: { type: 'string', default: 'mobilenet' },
  rounds: { type: 'string', default: '12' }, reps: { type: 'string', default: '20' }, top: { type: 'string', default: '12' },
} });
const knobs = (values.knob ?? '').split('+').map((name) => {
  const [objectName, key] = name.split('.');
  const target = TUNING[objectName];
  if (!target || !key || !(key in target)) throw new Error(`latency-profile-ab: --knob must be OBJECT.KEY (several joined by +) of ${Object.keys(TUNING).join(', ')}, got '${name}'`);
  return { target, key };
});
const parse = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v);
const settings = values.values!.split(',').map((v) => v.split('+').map(parse));
if (settings.length !== 2 || settings.some((v) => v.length !== knobs.length)) throw new Error(`latency-profile-ab: --values must be two settings (old,new) of ${knobs.length} value(s) each (joined by +), got '${values.values}'`);
const rounds = Number(values.rounds), reps = Number(values.reps), top = Number(values.top);
for (const [name, v] of [['rounds', rounds], ['reps', reps], ['top', top]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`latency-profile-ab: --${name} must be a positive integer, got '${values[name]}'`);
}
const apply = (setting: unknown[]): void => knobs.forEach(({ target, key }, i) => { target[key] = setting[i]; });
dt.setBackend('wasm');
dt.setThreads(1);
await dt.ready();
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const cpuUs = (): number => { const u = process.cpuUsage(); return u.user + u.system; };
const saved = knobs.map(({ target, key }) => target[key]);

// Every backend method wrapped once: outermost calls add their CPU time under the current label.
type Fn = (...a: unknown[]) => unknown;
const b = backend() as unknown as Record<string, Fn>;
let sink: Map<string, number> | null = null, index = 0, depth = 0;
const seen = new Set<string>();
for (let p: object | null = b; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
  for (const k of Object.getOwnPropertyNames(p)) {
    const f = b[k];
    if (typeof f !== 'function' || k === 'constructor' || seen.has(k)) continue;
    seen.add(k);
    b[k] = (...args: unknown[]) => {
      if (depth > 0 || !sink) return f.apply(b, args);
      depth++;
      const t = cpuUs();
      try { return f.apply(b, args); } finally {
        depth--;
        const c = args.find((a): a is { kH: number; strideH: number; groups: number; inC: number; outC: number } => typeof a === 'object' && a !== null && 'kH' in a);
        const key = `${index++} ${k}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}${c ? ` ${c.kH}x${c.kH}/s${c.strideH}${c.groups > 1 ? ' dw' : ''} ${c.inC}->${c.outC}` : ''}`;
        sink.set(key, (sink.get(key) ?? 0) + cpuUs() - t);
      }
    };
  }
}

console.log(`${values.knob} ${settings.map((v) => v.join('+')).join(' -> ')}, batch 1, 1 thread, CPU time per call (us), fastest of ${rounds} alternating rounds of ${reps} predictSteps; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`latency-profile-ab: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  const x = syntheticBatch(entry, 1).x;
  const models = settings.map((setting) => {
    apply(setting);
    dt.setRandomSeed(1);
    const model = entry.build();
    for (let i = 0; i < 150; i++) model.predictStep(x); // traced, verified, past V8's warm-up (bench/latency-warmup.ts)
    return model;
  });
  const perCall = [new Map<string, number[]>(), new Map<string, number[]>()], steps: number[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      apply(settings[i]);
      const c0 = cpuUs();
      for (let k = 0; k < reps; k++) models[i].predictStep(x);
      steps[i].push((cpuUs() - c0) / reps);
      sink = new Map();
      for (let k = 0; k < reps; k++) { index = 0; models[i].predictStep(x); }
      for (const [key, us] of sink) (perCall[i].get(key) ?? perCall[i].set(key, []).get(key)!).push(us / reps);
      sink = null;
    }
  }
  apply(saved);
  const fastest = (v: number[] | undefined): number => (v ? Math.min(...v) : NaN);
  const rows = [...perCall[0].keys()].map((key) => [key, fastest(perCall[0].get(key)), fastest(perCall[1].get(key))] as const);
  const sum = (i: 1 | 2): number => rows.reduce((s, row) => s + row[i], 0);
  console.log(`${name}: predictStep median ${median(steps[0]).toFixed(1)} -> ${median(steps[1]).toFixed(1)} us (${(median(steps[1]) / median(steps[0])).toFixed(3)}x), fastest ${fastest(steps[0]).toFixed(1)} -> ${fastest(steps[1]).toFixed(1)} us (${(fastest(steps[1]) / fastest(steps[0])).toFixed(3)}x); calls sum ${sum(1).toFixed(1)} -> ${sum(2).toFixed(1)} us; load ${loadavg()[0].toFixed(2)}`);
  for (const [key, o, n] of [...rows].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`  ${key.padEnd(44)} ${o.toFixed(1).padStart(7)} -> ${n.toFixed(1).padStart(7)}  ${(n / o).toFixed(2)}x`);
}
process.exit(0);
