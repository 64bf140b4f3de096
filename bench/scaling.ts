// Two threads against one on a zoo model's predict (issue #15: two threads >= 1.8x one, batch
// 1 and 256, memory-bound kernels included): every kernel call of the compiled predict,
// replayed with the plan's own arguments, on one thread and on two (the same backend, its pool
// switched; rounds alternate, the fastest of `reps` runs per call and round, then the fastest
// round), with how the pool splits it (split-recorder.ts). Wall time: only a quiet machine
// gives two-thread figures that mean anything, so the load average is printed with them.
//   node --import tsx bench/scaling.ts [--models resnet20,vgg|all] [--batch 1] [--rounds 5] [--reps 40] [--top 15]
// --dispatch: what a parallel job itself costs (relu on 64 / 4096 / 65536 floats: one thread,
// then two threads in 8 and in 2 chunks; fastest of 9 rounds of 3000 jobs, in us per job).
//   node --import tsx bench/scaling.ts --dispatch
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend, noGrad } from '../src/core/engine.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { recordSplits, threadsUsed } from '../src/backends/wasm/split-recorder.ts';

const { values } = parseArgs({ options: { models: { type: 'string', default: 'all' }, batch: { type: 'string', default: '1' }, rounds: { type: 'string', default: '5' },
  reps: { type: 'string', default: '40' }, top: { type: 'string', default: '15' }, dispatch: { type: 'boolean', default: false } } });
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
dt.setBackend('wasm');
await dt.ready();
if (values.dispatch) {
  const one = new WasmBackend(1), two = new WasmBackend(2);
  await two.whenReady();
  for (const n of [64, 4096, 65536]) {
    const place = (w: WasmBackend): number => w.mem.reserve(n * 8); // n floats in, n out
    const p1 = place(one), p2 = place(two), jobs = 3000;
    const run = (w: WasmBackend, p: number, chunk?: number): number => {
      const t = performance.now();
      for (let r = 0; r < jobs; r++) w.par('unaryF32', [6, p, p + n * 4], n, 4, chunk);
      return ((performance.now() - t) / jobs) * 1e3;
    };
    let t1 = Infinity, t8 = Infinity, t2 = Infinity;
    for (let r = 0; r < 9; r++) {
      t1 = Math.min(t1, run(one, p1));
      t8 = Math.min(t8, run(two, p2, Math.ceil(n / 32) * 4));
      t2 = Math.min(t2, run(two, p2, Math.ceil(n / 8) * 4));
    }
    console.log(`relu on ${n} floats: 1 thread ${t1.toFixed(2)} us, 2 threads in 8 chunks ${t8.toFixed(2)} us, in 2 chunks ${t2.toFixed(2)} us; load ${load()}`);
  }
  process.exit(0);
}
const be = backend() as WasmBackend;
const b = be as unknown as Record<string, (...a: unknown[]) => unknown>;
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
const names = values.models === 'all' ? Object.keys(ZOO) : values.models!.split(',');
const fastest = (f: () => void, n: number): number => {
  let best = Infinity;
  for (let i = 0; i < n; i++) { const t = performance.now(); f(); best = Math.min(best, performance.now() - t); }
  return best;
};

for (const name of names) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`scaling: unknown model '${name}', expected all or some of ${Object.keys(ZOO).join(', ')}`);
  be.setThreads(2);
  await be.whenReady();
  dt.setRandomSeed(1);
  const model = entry.build(), x = syntheticBatch(entry, batch).x;
  const predict = (): void => { noGrad(() => model.predictStep(x)); };
  for (let i = 0; i < 3; i++) predict(); // traced and compiled
  // The plan's calls with their arguments (views of the plan's buffers: replaying one rewrites its outputs only).
  const calls: { method: string; args: unknown[] }[] = [];
  const originals = Object.getOwnPropertyNames(be).filter((k) => typeof b[k] === 'function' && k !== 'onSplit').map((k) => [k, b[k]] as const);
  for (const [k, f] of originals) b[k] = (...args: unknown[]) => { calls.push({ method: k, args }); return f.apply(be, args); };
  predict();
  for (const [k, f] of originals) b[k] = f;
  const splits = recordSplits(be, predict);
  const reps1 = Math.max(3, Math.round(reps / Math.max(1, batch / 16)));
  const best = [calls.map(() => Infinity), calls.map(() => Infinity)], whole = [Infinity, Infinity];
  const loads: string[] = [load()];
  for (let r = 0; r < rounds; r++) {
    for (const t of [1, 2]) {
      be.setThreads(t);
      await be.whenReady();
      for (let i = 0; i < 5; i++) predict();
      whole[t - 1] = Math.min(whole[t - 1], fastest(predict, reps1));
      calls.forEach((c, i) => { best[t - 1][i] = Math.min(best[t - 1][i], fastest(() => { b[c.method].apply(be, c.args); }, reps1)); });
    }
    loads.push(load());
  }
  const sum = (v: number[]): number => v.reduce((s, a) => s + a, 0);
  console.log(`${name} batch ${batch}: predictStep ${whole[0].toFixed(3)} ms on 1 thread, ${whole[1].toFixed(3)} ms on 2 (${(whole[0] / whole[1]).toFixed(2)}x); ` +
    `${calls.length} calls summing to ${sum(best[0]).toFixed(3)} / ${sum(best[1]).toFixed(3)} ms (${(sum(best[0]) / sum(best[1])).toFixed(2)}x); load ${loads.join(' | ')}`);
  const rows = calls.map((c, i) => ({ i, label: splits[i]?.call ?? c.method, t1: best[0][i], t2: best[1][i], used: Math.max(0, ...(splits[i]?.jobs ?? []).map(threadsUsed)) }));
  // By method: the memory-bound families (channelAffine, unary, binary, pooling) next to the convolutions.
  const byMethod = new Map<string, [number, number, number]>();
  for (const r of rows) {
    const key = r.label.split(' ').slice(0, r.label.startsWith('unary') || r.label.startsWith('binary') ? 2 : 1).join(' ');
    const m = byMethod.get(key) ?? [0, 0, 0];
    byMethod.set(key, [m[0] + r.t1, m[1] + r.t2, m[2] + 1]);
  }
  for (const [k, [t1, t2, n]] of [...byMethod].sort((p, q) => q[1][0] - p[1][0])) console.log(`  ${`${k} (${n})`.padEnd(34)} ${t1.toFixed(3)} / ${t2.toFixed(3)} ms  ${(t1 / t2).toFixed(2)}x`);
  for (const r of [...rows].sort((p, q) => q.t1 - p.t1).slice(0, Number(values.top))) {
    console.log(`    ${String(r.i).padStart(3)} ${r.label.padEnd(46)} ${(r.t1 * 1e3).toFixed(1).padStart(7)} / ${(r.t2 * 1e3).toFixed(1).padStart(7)} us  ${(r.t1 / r.t2).toFixed(2)}x  (${r.used} thread${r.used === 1 ? '' : 's'})`);
  }
}
process.exit(0);
