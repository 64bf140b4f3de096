// Where a batch-1 predict's time goes on one thread (issue #15's latency target), by CPU time
// per predict (medians over rounds of `reps` calls, the parts measured alternately):
//   predict      model.predict(x): argument checks, the batch loop, the output tensor and copy;
//   predictStep  the compiled step alone (plan lookup, then the plan's run);
//   plan.run     the plan's replay alone: the input copied in, every kernel call;
//   calls        the plan's kernel calls replayed by themselves (backend glue + wasm);
//   wasm         inside the wasm kernels (their exports timed; one thread: all chunks run here).
// So: predict - predictStep = predict's own JS, predictStep - plan.run = the lookup, plan.run -
// calls = the input copy and the replay loop, calls - wasm = the per-call glue (argument
// checks, placing arrays, the pool's job setup). Those differences of noisy figures can come
// out negative on a loaded machine; the last column measures the glue by itself instead:
//   stubbed      plan.run with every wasm export replaced by a no-op (the JS side of each call,
//                without the call into wasm), fastest of the rounds.
//   node --import tsx bench/latency-breakdown.ts [--models seed,convnet,resnet20] [--rounds 9] [--reps 200] [--wall]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { wall: { type: 'boolean', default: false }, models: { type: 'string', default: 'seed,convnet,resnet20' }, rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '200' } } });
dt.setBackend('wasm');
dt.setThreads(1);
await dt.ready();
const rounds = Number(values.rounds), reps = Number(values.reps);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const wallOn = process.argv.includes('--wall');
// CPU time counts V8's helper threads too (garbage collection, compiling); --wall: the wall clock instead.
const cpuUs = (f: () => void): number => {
  const c = process.cpuUsage(), t = performance.now();
  for (let i = 0; i < reps; i++) f();
  if (wallOn) return ((performance.now() - t) * 1000) / reps;
  const d = process.cpuUsage(c);
  return (d.user + d.system) / reps;
};
type Fn = (...a: number[]) => unknown;
const b = backend() as unknown as WasmBackend & Record<string, (...a: unknown[]) => void>;
// The instance's exports are frozen: the backend's table of them is swapped for a timed copy.
const memory = b.mem as unknown as { exports: Record<string, unknown> };
const plain = memory.exports;
let inWasm = 0;
const timed = Object.fromEntries(Object.entries(plain).map(([k, f]) => [k, typeof f !== 'function' ? f
  : (...a: number[]) => { const t = performance.now(); try { return (f as Fn)(...a); } finally { inWasm += performance.now() - t; } }]));
const stubs = Object.fromEntries(Object.entries(plain).map(([k, f]) => [k, typeof f === 'function' ? () => 0 : f]));
const timeExports = (on: boolean): void => { memory.exports = on ? timed : plain; };
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; us of ${wallOn ? 'wall' : 'CPU'} time per batch-1 predict, one thread (wasm: wall time inside the kernels)`);
console.log('model        | predict | predictStep | plan.run | calls | wasm | -> own JS, lookup, copy+loop, glue | stubbed (us per call)');
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`latency-breakdown: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  dt.setRandomSeed(1);
  const model = entry.build();
  const x = syntheticBatch(entry, 1).x;
  for (let i = 0; i < 50; i++) model.predict(x);
  const plans = (model as unknown as { planCache: { plans: Map<string, { run(i: unknown[]): unknown; prologue: number; bound?: { calls: { kernel: string; args: unknown[] }[] } }> } }).planCache.plans;
  const plan = [...plans.entries()].find(([k]) => k.includes('|predict|'))![1];
  const calls = plan.bound!.calls.slice(plan.prologue); // the weight work (prologue) is skipped while the weights are unchanged
  const replay = (): void => { for (const c of calls) b[c.kernel](...c.args); };
  const parts: Record<string, number[]> = { predict: [], step: [], run: [], calls: [], wasm: [], stubbed: [] };
  for (let r = 0; r < rounds; r++) {
    parts.predict.push(cpuUs(() => model.predict(x)));
    parts.step.push(cpuUs(() => model.predictStep(x)));
    parts.run.push(cpuUs(() => plan.run([x.data])));
    parts.calls.push(cpuUs(replay));
    timeExports(true);
    inWasm = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) replay();
    void process.cpuUsage(c0);
    parts.wasm.push((inWasm * 1000) / reps);
    timeExports(false);
    memory.exports = stubs; // the glue alone: wall time (no kernel work to be slowed by other processes)
    const t = performance.now();
    for (let i = 0; i < reps; i++) plan.run([x.data]);
    parts.stubbed.push(((performance.now() - t) * 1000) / reps);
    memory.exports = plain;
  }
  const [p, s, run, c, w] = ['predict', 'step', 'run', 'calls', 'wasm'].map((k) => median(parts[k]));
  console.log(`${name.padEnd(12)} | ${p.toFixed(1)} | ${s.toFixed(1)} | ${run.toFixed(1)} | ${c.toFixed(1)} | ${w.toFixed(1)} | -> ${(p - s).toFixed(1)}, ${(s - run).toFixed(1)}, ${(run - c).toFixed(1)}, ${(c - w).toFixed(1)} (${calls.length} calls) | ${Math.min(...parts.stubbed).toFixed(1)} (${(Math.min(...parts.stubbed) / calls.length).toFixed(2)})`);
}
process.exit(0);
