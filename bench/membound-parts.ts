// BatchNormalization's training kernels pass by pass (statistics, the affine/activation pass,
// the gradient's column sums, the gradient's dx pass) on the zoo's shapes, each against the
// stream kernel of the same reads and writes at the same size (bench/kernels-membound.ts
// counts the whole kernels; this splits them to see which pass is slow). One thread, CPU time.
//   node --import tsx bench/membound-parts.ts [--only SUBSTRING]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { streamGBs } from '../src/backends/wasm/bandwidth.ts';
import { ZOO_BN } from './kernels-membound.ts';

const { values } = parseArgs({ options: { only: { type: 'string', default: '' }, reps: { type: 'string', default: '20' } } });
const be = new WasmBackend(1), ex = be.mem.exports;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const time = (fn: () => void): number => {
  for (let i = 0; i < 3; i++) fn();
  const reps = Number(values.reps), rounds: number[] = [];
  for (let r = 0; r < 7; r++) { const t = cpuMs(); for (let i = 0; i < reps; i++) fn(); rounds.push((cpuMs() - t) / reps); }
  return rounds.sort((a, b) => a - b)[3];
};
const rows: string[][] = [['pass', 'shape', 'ms', 'GB/s', 'stream GB/s', 'of stream']];
const memo = new Map<string, number>();
const limit = (reads: 1 | 2 | 3, writes: 0 | 1, bytes: number): number => {
  const key = `${reads}/${writes}/${bytes}`;
  if (!memo.has(key)) memo.set(key, streamGBs(be, { reads, writes, bytes }, cpuMs));
  return memo.get(key)!;
};
for (const [model, R, C] of ZOO_BN) {
  const shape = `${model} [${R}, ${C}]`;
  if (values.only && !shape.includes(values.only)) continue;
  const n = R * C, mark = be.mem.mark();
  const arr = (k: number): number => { const at = be.mem.reserve(k * 4 + 64); const v = be.mem.f32(at, k); for (let i = 0; i < k; i++) v[i] = Math.random() - 0.5; return at; };
  const x = arr(n), dy = arr(n), r = arr(n), out = arr(n), vec = arr(8 * C), parts = be.mem.reserve(32 * C + 64);
  new Float64Array(be.mem.buffer, vec, 2 * C).fill(0.5); // mean, inv as f64 for the gradient sums
  const passes: [string, 1 | 2 | 3, 0 | 1, () => void][] = [
    ['bnShiftedSums', 1, 0, () => ex.bnShiftedSums(x, x, parts, C, R, 0, R)],
    ['affine + relu', 1, 1, () => ex.affineRowsMasked(0, 0, x, 0, vec, vec, vec, out, C, 1, 0, R)],
    ['bnGradSums masked walk', 3, 0, () => ex.bnGradSumsMasked(x, dy, r, vec, vec + 8 * C, parts, C, R, 1, 1, 0, R)],
    ['bnGradSums masked rows', 3, 0, () => ex.bnGradSumsMasked(x, dy, r, vec, vec + 8 * C, parts, C, R, 1, 0, 0, R)],
    ['dx masked', 3, 1, () => ex.affineRowsMasked(dy, r, x, vec, vec, vec, vec, out, C, 1, 0, R)],
    // The plan's form: the mask rebuilt from x with the forward's scale and shift (r not read).
    ['bnGradSums from x walk', 2, 0, () => ex.bnGradSumsFromInput(x, dy, vec, vec, vec, vec + 8 * C, parts, C, R, 1, 1, 0, R)],
    ['bnGradSums from x rows', 2, 0, () => ex.bnGradSumsFromInput(x, dy, vec, vec, vec, vec + 8 * C, parts, C, R, 1, 0, 0, R)],
    ['dx from x', 2, 1, () => ex.affineRowsFromInput(dy, vec, vec, x, vec, vec, vec, vec, out, C, 1, 0, R)],
  ];
  for (const [name, reads, writes, fn] of passes) {
    const ms = time(fn), bytes = (reads + writes) * n * 4, lim = limit(reads, writes, n * 4);
    rows.push([name, shape, ms.toFixed(3), (bytes / ms / 1e6).toFixed(1), lim.toFixed(1), `${Math.round((100 * bytes / ms / 1e6) / lim)}%`]);
  }
  be.mem.release(mark);
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
process.exit(0);
