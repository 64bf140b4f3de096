// Standalone run of the training-pass rows (bench/kernels-train.ts) with the limit, one thread
// count: node --import tsx bench/kernels-train-run.ts [--threads N] [--only SUBSTRING] [--reps R]
// On one thread the time is the process's CPU time (on a machine shared with other jobs, wall
// time counts the time others hold the core); on more, wall time.
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { trainingConvRows } from './kernels-train.ts';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, only: { type: 'string', default: '' }, reps: { type: 'string', default: '3' } } });
const backend = new WasmBackend(Number(values.threads));
await backend.whenReady();
const mem = backend.mem;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
function time(fn: () => void): number {
  fn();
  const rounds: number[] = [], cpu = backend.threads === 1;
  for (let r = 0; r < 5; r++) {
    const t = performance.now(), u = process.cpuUsage();
    for (let i = 0; i < Number(values.reps); i++) fn();
    const used = process.cpuUsage(u), ms = cpu ? (used.user + used.system) / 1e3 : performance.now() - t;
    rounds.push(ms / Number(values.reps) / 1e3);
  }
  return rounds.sort((a, b) => a - b)[1];
}
const peak = backend.fmaPeakGflops();
const rows = [['kernel', 'shape', 'ms', 'GFLOP/s', 'of limit'], ...trainingConvRows(backend, f32, time, values.only).map((r) => [...r, `${Math.round((100 * Number(r[3])) / peak)}%`])];
console.log(`wasm backend, ${backend.threads} thread(s), limit ${peak.toFixed(1)} GFLOP/s`);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
process.exit(0);
