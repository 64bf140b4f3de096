// The pointwise GEMM's two register tiles (assembly/pointwise.ts: 6x8 and 2x16,
// pointwiseTuning.wideTile, wideColBlockBytes) and column blocks on MobileNet's 1x1 forwards (bias + relu6, as
// after the BN fold), one thread, CPU time, rounds alternating, medians; speed-up over the 6x8
// tile with the default blocks. Every forward takes the 2x16 tile here whatever its depth
// (pointwiseTuning.wideTileMaxK lifted), so the table shows where it pays.
//   node --import tsx bench/pointwise-tiles.ts [--batch 256] [--rounds 12]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '12' } } });
const batch = Number(values.batch), rounds = Number(values.rounds);
for (const [name, v] of [['batch', batch], ['rounds', rounds]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`pointwise-tiles: --${name} must be a positive integer, got '${values[name]}'`);
}
const be = new WasmBackend(1);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const defaults = { ...pointwiseTuning };
// [label, wide tile, column block bytes] (the default row block).
const configs: [string, boolean, number][] = [['6x8', false, defaults.colBlockBytes], ['2x16', true, defaults.wideColBlockBytes], ['2x16 16 KB column blocks', true, 16 << 10]];
pointwiseTuning.wideTileMaxK = 1 << 30;
console.log(`batch ${batch}, 1 thread, CPU time, median of ${rounds} alternating rounds; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [hw, C, F] of [[32, 32, 64], [16, 64, 128], [16, 128, 128], [8, 128, 256], [8, 256, 256], [4, 256, 512]]) {
  const info = convInfo([batch, hw, hw, C], [1, 1, C, F], { padding: 'same' });
  const mark = be.mem.mark();
  const alloc = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 1000) / 1000 - 0.5; return v; };
  const x = alloc(batch * hw * hw * C), w = alloc(C * F), b = alloc(F), y = alloc(batch * hw * hw * F);
  const times: number[][] = configs.map(() => []);
  for (let r = 0; r < rounds + 1; r++) {
    const order = r % 2 === 0 ? configs.map((_, k) => k) : configs.map((_, k) => configs.length - 1 - k);
    for (const k of order) {
      pointwiseTuning.wideTile = configs[k][1]; pointwiseTuning.wideColBlockBytes = configs[k][2];
      const t = cpuMs();
      be.conv2dActivation(x, w, b, y, info, 'relu6');
      if (r > 0) times[k].push(cpuMs() - t);
    }
  }
  const base = median(times[0]);
  console.log(`pw ${hw}x${hw} ${C}->${F}: ${configs.map(([n], k) => `${n} ${(base / median(times[k])).toFixed(2)}x`).join(', ')} (6x8: ${base.toFixed(1)} ms)`);
  be.mem.release(mark);
}
Object.assign(pointwiseTuning, defaults);
process.exit(0);
