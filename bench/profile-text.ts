// Where a compiled training step of examples/text-convnet.ts (keras-io's text model, batch 32
// of 500 ids) spends its time: every kernel call of the plan, timed (median over steps).
// Usage: node --import tsx bench/profile-text.ts [--steps 10]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { syntheticReviews, textConvnet } from '../examples/text-convnet.ts';
import { backend } from '../src/core/engine.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '10' } } });
await dt.ready();
dt.setRandomSeed(1);
const model = textConvnet();
model.compile({ loss: 'binary_crossentropy', optimizer: 'adam' });
const [x, y] = syntheticReviews(32, 500, 20000);
for (let i = 0; i < 3; i++) model.trainStep(x, y);

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
const stepTimes: number[] = [];
for (let i = 0; i < Number(values.steps); i++) {
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
