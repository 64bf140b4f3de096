// A convolution with the BatchNormalization behind it, per MobileNet layer (zoo batch 32), with
// the BN's statistics in the convolution's epilogue (conv2dBatchStats + the BN forward given
// them: compile/fusions-bn-stats.ts) against the BN's own pass (conv2d + the BN forward), both
// on arrays in wasm memory, rounds alternating, one thread by CPU time (--threads 2: wall clock).
//   node --import tsx bench/bn-stats.ts [--rounds 9] [--threads 1]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { convInfo } from '../src/ops/conv.ts';
import { MOBILENET_BLOCKS } from '../examples/zoo-models.ts';
import type { ConvInfo } from '../src/backends/backend.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' }, threads: { type: 'string', default: '1' } } });
const threads = Number(values.threads), rounds = Number(values.rounds);
if (threads !== 1 && threads !== 2) throw new Error(`bn-stats: --threads must be 1 or 2, got '${values.threads}'`);
if (!(rounds >= 1)) throw new Error(`bn-stats: --rounds must be a positive number, got '${values.rounds}'`);
const be = new WasmBackend(threads);
await be.whenReady();
const clock = threads === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
const arr = (n: number): Float32Array => { const v = be.mem.f32(be.mem.reserve(n * 4 + 64), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };

const layers: [string, ConvInfo][] = [];
let size = 32, channels = 32;
for (const [filters, stride] of MOBILENET_BLOCKS) {
  layers.push([`dw ${size}x${size}x${channels} /${stride}`, convInfo([32, size, size, channels], [3, 3, 1, channels], { strides: stride, padding: 'same', groups: channels })]);
  size /= stride;
  layers.push([`pw ${size}x${size} ${channels}->${filters}`, convInfo([32, size, size, channels], [1, 1, channels, filters], { padding: 'same' })]);
  channels = filters;
}
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1];
console.log(`conv + BN forward (relu6) per MobileNet layer, batch 32, ${threads} thread(s), ms per call (median of ${rounds} alternating rounds); load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let totalOwn = 0, totalFused = 0;
for (const [name, info] of layers) {
  const mark = be.mem.mark();
  const C = info.outC, rows = info.batch * info.outH * info.outW;
  const x = arr(info.batch * info.inH * info.inW * info.inC), w = arr(info.kH * info.kW * (info.inC / info.groups) * C), out = arr(rows * C), y = arr(rows * C);
  const [gamma, beta, mean, variance, co] = [C, C, C, C, 3 * C + 1].map(arr), statistics = arr(4 * C);
  const own = (): void => { be.conv2d(x, w, null, out, info); be.batchNormActivation(out, gamma, beta, y, mean, variance, rows, C, 1e-3, 'relu6', co); };
  const fused = (): void => { be.conv2dBatchStats(x, w, null, out, info, statistics); be.batchNormActivation(out, gamma, beta, y, mean, variance, rows, C, 1e-3, 'relu6', co, statistics); };
  const reps = Math.max(2, Math.round(4e6 / (rows * C)));
  const times = [[], []] as number[][];
  for (let r = 0; r < rounds + 1; r++) {
    [own, fused].forEach((f, k) => { const t = clock(); for (let i = 0; i < reps; i++) f(); if (r > 0) times[k].push((clock() - t) / reps); });
  }
  const [a, b] = times.map(median);
  totalOwn += a; totalFused += b;
  console.log(`  ${name.padEnd(22)} own pass ${a.toFixed(3)}  in the conv ${b.toFixed(3)}  ratio ${(b / a).toFixed(3)}`);
  be.mem.release(mark);
}
console.log(`  total                  own pass ${totalOwn.toFixed(2)}  in the conv ${totalFused.toFixed(2)}  ratio ${(totalFused / totalOwn).toFixed(3)}`);
process.exit(0);
