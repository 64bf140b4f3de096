// The zoo MobileNet's compiled training step with a depthwiseTuning knob off and on in
// alternate steps of one model (the kernels read the knob per call), one thread, CPU time:
// the step's depthwise filter and input gradients timed call by call (the arrays as a step
// leaves them: in memory, not in cache), their sum per step, medians over the steps.
//   node --import tsx bench/depthwise-grad-step.ts [--knob filterGradReadAhead] [--steps 20] [--threads 1]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import type { ConvInfo } from '../src/backends/backend.ts';

const { values } = parseArgs({ options: { knob: { type: 'string', default: 'filterGradReadAhead' }, steps: { type: 'string', default: '20' }, threads: { type: 'string', default: '1' } } });
const knobs = [values.knob] as (keyof typeof depthwiseTuning)[];
const setKnob = (on: boolean): void => { for (const k of knobs) (depthwiseTuning as Record<string, unknown>)[k] = on; };
const knob = values.knob;
if (knobs.some((k) => typeof depthwiseTuning[k] !== 'boolean' || k === 'inPlace3x3')) {
  throw new Error(`depthwise-grad-step: --knob must name a boolean gradient knob of depthwiseTuning, got '${values.knob}'`);
}
dt.setBackend('wasm');
dt.setThreads(Number(values.threads)); // CPU time sums every thread's
await dt.ready();
dt.setRandomSeed(1);
const entry = ZOO.mobilenet, model = entry.build();
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
for (let i = 0; i < 3; i++) model.trainStep(x, y);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
type Fn = (...a: unknown[]) => unknown;
const b = backend() as unknown as Record<string, Fn>;
const spent = { filter: 0, input: 0 };
for (const [name, pass] of [['conv2dBackpropFilter', 'filter'], ['conv2dBackpropInput', 'input']] as const) {
  const f = b[name];
  b[name] = (...args: unknown[]) => {
    const info = args.find((a): a is ConvInfo => typeof a === 'object' && a !== null && 'groups' in a);
    if (!info || info.groups === 1) return f.apply(b, args);
    const t = cpuMs();
    try { return f.apply(b, args); } finally { spent[pass] += cpuMs() - t; }
  };
}
const median = (v: number[]): number => [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)];
const times = { off: { filter: [] as number[], input: [] as number[], step: [] as number[] }, on: { filter: [] as number[], input: [] as number[], step: [] as number[] } };
for (let i = 0; i < Number(values.steps); i++) {
  for (const mode of i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    setKnob(mode === 'on');
    spent.filter = spent.input = 0;
    const t = cpuMs();
    model.trainStep(x, y);
    times[mode].step.push(cpuMs() - t);
    times[mode].filter.push(spent.filter);
    times[mode].input.push(spent.input);
  }
}
setKnob(true);
const row = (m: 'off' | 'on'): string => `filter grads ${median(times[m].filter).toFixed(2)} ms, input grads ${median(times[m].input).toFixed(2)} ms, step ${median(times[m].step).toFixed(1)} ms`;
console.log(`mobilenet (batch ${entry.batchSize}), ${values.threads} thread(s), CPU time (all threads), medians of ${values.steps} steps each, alternating; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`${knob} off: ${row('off')}`);
console.log(`${knob} on:  ${row('on')}`);
console.log(`depthwise filter gradients ${(median(times.off.filter) / median(times.on.filter)).toFixed(2)}x`);
process.exit(0);
