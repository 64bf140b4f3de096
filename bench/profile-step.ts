// Where a compiled training step spends its time: every kernel call of the plan, timed (median
// over steps). Usage: node --import tsx bench/profile-step.ts [--threads N] [--model seed|convnet]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { seedModel } from '../examples/seed-model.ts';
import { kerasIoConvnet } from '../examples/keras-io-convnet.ts';
import { backend } from '../src/core/engine.ts';

const { values } = parseArgs({ options: { threads: { type: 'string' }, steps: { type: 'string', default: '200' }, model: { type: 'string', default: 'seed' } } });
const convnet = values.model === 'convnet', batch = convnet ? 128 : 32;
if (values.threads) dt.setThreads(Number(values.threads));
await dt.ready();
const model = convnet ? kerasIoConvnet() : seedModel();
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
const x = dt.tensor(Float32Array.from({ length: batch * 784 }, (_, i) => (i * 7919) % 256 / 255), convnet ? [batch, 28, 28, 1] : [batch, 28, 28]);
const y = dt.tensor(Int32Array.from({ length: batch }, (_, i) => i % 10), [batch]);
for (let i = 0; i < 20; i++) model.trainStep(x, y);

// Wrap the backend's kernels (the plan calls them by name on the backend object).
const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
const samples = new Map<string, number[]>();
let callIndex = 0;
for (const k of Object.keys(b)) {
  const f = b[k];
  if (typeof f !== 'function') continue;
  b[k] = (...args: unknown[]) => {
    const t = performance.now();
    const r = f(...args);
    const key = `${String(callIndex++).padStart(2)} ${k}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}`;
    (samples.get(key) ?? samples.set(key, []).get(key)!).push(performance.now() - t);
    return r;
  };
}
const steps = Number(values.steps), stepTimes: number[] = [];
for (let i = 0; i < steps; i++) {
  callIndex = 0;
  const t = performance.now();
  model.trainStep(x, y);
  stepTimes.push(performance.now() - t);
}
const median = (v: number[]): number => [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)];
let sum = 0;
console.log(`threads ${dt.getThreads()}; median step ${median(stepTimes).toFixed(3)} ms (timers included)`);
for (const [k, v] of samples) { const m = median(v); sum += m; console.log(`${k.padEnd(40)} ${m.toFixed(3)} ms`); }
console.log(`sum of kernel medians ${sum.toFixed(3)} ms`);
process.exit(0);
