// The memory-bound table's kernels (bench/kernels-membound.ts) on two builds in one process,
// rounds alternating: this checkout's wasm backend against another checkout's (an earlier
// commit in a worktree, its wasm built there), one thread, CPU time, the fastest round of each
// side (on a shared machine the fastest is the least disturbed). Ratio = base / new (> 1: new is faster).
//   git worktree add --detach /tmp/base <commit> && (cd /tmp/base && ln -s $PWD/node_modules . && node scripts/build-wasm.mjs)
//   node --import tsx bench/membound-ab.ts --base /tmp/base [--only SUBSTRING] [--rounds 9] [--reps 5]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { memboundJobs } from './kernels-membound.ts';

const { values } = parseArgs({ options: { base: { type: 'string' }, only: { type: 'string', default: '' }, rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '5' } } });
if (!values.base) throw new Error('membound-ab: --base PATH (a checkout with its wasm built) is required');
const baseModule = await import(pathToFileURL(resolve(values.base, 'src/backends/wasm/index.ts')).href);
const fresh = new WasmBackend(1), base = new baseModule.WasmBackend(1) as WasmBackend;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`one thread, CPU time, fastest of ${values.rounds} alternating rounds of ${values.reps} calls; load ${load()}`);
const rows: string[][] = [['kernel', 'shape', 'base ms', 'new ms', 'base / new']];
for (const job of memboundJobs()) {
  if (values.only && !`${job.kernel} ${job.shape}`.includes(values.only)) continue;
  const sides = [base, fresh].map((be) => {
    const mark = be.mem.mark();
    const arrays = job.sizes.map((n) => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; });
    for (let i = 0; i < 3; i++) job.run(be, arrays);
    return { be, mark, arrays, best: Infinity };
  });
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const s of sides) {
      const t = cpuMs();
      for (let i = 0; i < Number(values.reps); i++) job.run(s.be, s.arrays);
      s.best = Math.min(s.best, (cpuMs() - t) / Number(values.reps));
    }
  }
  for (const s of sides) s.be.mem.release(s.mark);
  rows.push([job.kernel, job.shape, sides[0].best.toFixed(3), sides[1].best.toFixed(3), `${(sides[0].best / sides[1].best).toFixed(2)}x`]);
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
console.log(`load at end ${load()}`);
process.exit(0);
