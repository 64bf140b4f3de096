// The memory-bound table alone (bench/kernels-membound.ts), or its thread scaling.
//   node --import tsx bench/kernels-membound-run.ts [--cpu-time] [--only SUBSTRING] [--general-depthwise]   (one thread, % of the limit)
//   node --import tsx bench/kernels-membound-run.ts --scaling [--rounds 7] [--only S] (1 vs 2 threads, wall clock)
// Scaling: two backends side by side, rounds alternating, the fastest round of each (on a
// shared machine the fastest is the least disturbed); the load average is printed with it.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { limitRows, memboundJobs, memboundRows } from './kernels-membound.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';

const { values } = parseArgs({ options: { only: { type: 'string', default: '' }, rounds: { type: 'string', default: '7' }, reps: { type: 'string', default: '10' },
  'cpu-time': { type: 'boolean', default: false }, scaling: { type: 'boolean', default: false }, 'general-depthwise': { type: 'boolean', default: false } } });
depthwiseTuning.inPlace3x3 = !values['general-depthwise']; // the general depthwise kernels (before/after comparisons)
const table = (t: string[][]): void => {
  const w = t[0].map((_, i) => Math.max(...t.map((r) => r[i].length)));
  for (const r of t) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
};
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

if (!values.scaling) {
  const be = new WasmBackend(1);
  const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const clock = values['cpu-time'] ? cpuMs : () => performance.now();
  const time = (fn: () => void): number => {
    for (let i = 0; i < 3; i++) fn();
    const reps = Number(values.reps), rounds: number[] = [];
    for (let r = 0; r < 7; r++) { const t = clock(); for (let i = 0; i < reps; i++) fn(); rounds.push((clock() - t) / reps / 1e3); }
    return rounds.sort((a, b) => a - b)[3];
  };
  console.log(`wasm backend, 1 thread, ${values['cpu-time'] ? 'CPU time' : 'wall clock'}, load ${load()}`);
  table(limitRows(be, clock));
  table(memboundRows(be, time, clock, values.only));
} else {
  const one = new WasmBackend(1), two = new WasmBackend(2);
  await two.whenReady();
  console.log(`1 vs 2 threads, wall clock, fastest of ${values.rounds} alternating rounds; load at start ${load()}`);
  const rows: string[][] = [['kernel', 'shape', '1 thread ms', '2 threads ms', 'speed-up']];
  for (const job of memboundJobs()) {
    if (values.only && !`${job.kernel} ${job.shape}`.includes(values.only)) continue;
    const m1 = one.mem.mark(), m2 = two.mem.mark();
    const alloc = (be: WasmBackend): Float32Array[] => job.sizes.map((n) => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; });
    const a1 = alloc(one), a2 = alloc(two);
    job.run(one, a1); job.run(two, a2);
    let t1 = Infinity, t2 = Infinity;
    for (let r = 0; r < Number(values.rounds); r++) {
      let t = performance.now(); job.run(one, a1); t1 = Math.min(t1, performance.now() - t);
      t = performance.now(); job.run(two, a2); t2 = Math.min(t2, performance.now() - t);
    }
    rows.push([job.kernel, job.shape, t1.toFixed(3), t2.toFixed(3), `${(t1 / t2).toFixed(2)}x`]);
    one.mem.release(m1); two.mem.release(m2);
  }
  table(rows);
  console.log(`load at end ${load()}`);
}
process.exit(0);
