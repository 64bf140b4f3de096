// The zoo's RGB stems (3x3, 3 -> 16 / 32, stride 1 and 2, relu6 with bias as after the BN fold)
// two ways on one thread, by CPU time, the fastest of rounds, the two alternating: convGemm
// (im2col panels, gemmWide, an activation pass) and convStemGemm (assembly/conv-stem-gemm.ts:
// the zero-bordered image read in place, the activation in the stores); beside them gemmWide
// alone on the same [pixels, 27] x [27, F] product (im2col's rows already written) and the time
// at the measured multiply-add limit. The outputs must agree bit for bit.
//   node --import tsx bench/stem-gemm.ts [--rounds 9] [--reps 300]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { convInfo } from '../src/ops/conv.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '300' } } });
const rounds = Number(values.rounds), reps = Number(values.reps);
for (const [name, v] of [['rounds', rounds], ['reps', reps]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`stem-gemm: --${name} must be a positive integer, got '${values[name]}'`);
}
const be = new WasmBackend(1);
await be.whenReady();
const mem = be.mem, ex = mem.exports as Record<string, (...a: number[]) => void>;
const f32 = (n: number): number => { const p = mem.reserve(n * 4); const v = mem.f32(p, n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return p; };
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const limit = be.fmaPeakGflops(cpuMs) / 2; // G multiply-adds/s
console.log(`1 thread, CPU time, fastest of ${rounds} rounds of ${reps} calls (us); limit ${limit.toFixed(1)} G multiply-adds/s; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const RELU6 = 2;
for (const [label, H, s, F] of [['MobileNet 64x64/s2 3->32', 64, 2, 32], ['ResNet-20 32x32 3->16', 32, 1, 16], ['VGG 32x32 3->32', 32, 1, 32]] as const) {
  const info = convInfo([1, H, H, 3], [3, 3, 3, F], { padding: 'same', strides: s });
  const P = info.outH * info.outW, K = 27, PANEL = 256;
  const x = f32(H * H * 3), w = f32(K * F), b = f32(F), o1 = f32(P * F), o2 = f32(P * F), panel = f32(PANEL * K), pads = f32((H + 2) * (H + 2) * 3);
  const g = [info.inH, info.inW, info.inC, info.outH, info.outW, info.outC, info.kH, info.kW, info.strideH, info.strideW, info.padTop, info.padLeft, 1, 1];
  const runs: [string, () => void][] = [
    ['convGemm', () => ex.convGemm(x, w, b, o1, panel, ...g, RELU6, 1, P, 0, P)],
    ['convStemGemm', () => ex.convStemGemm(x, w, b, o2, pads, ...g, RELU6, info.outH, 0, info.outH)],
    ['gemmWide alone', () => { for (let r = 0; r < P; r += PANEL) ex.gemmWide(panel, K, w, o1 + r * F * 4, K, F, b, 0, Math.min(PANEL, P - r)); }],
  ];
  const best = runs.map(() => Infinity);
  for (const [, f] of runs) for (let i = 0; i < 50; i++) f();
  for (let r = 0; r < rounds; r++) {
    runs.forEach(([, f], i) => { const t = cpuMs(); for (let k = 0; k < reps; k++) f(); best[i] = Math.min(best[i], ((cpuMs() - t) / reps) * 1000); });
  }
  runs[0][1](); runs[1][1]();
  const a = mem.f32(o1, P * F), c = mem.f32(o2, P * F);
  const differs = a.findIndex((v, i) => !Object.is(v, c[i]));
  console.log(`${label.padEnd(26)} ${runs.map(([n], i) => `${n} ${best[i].toFixed(1)}`).join(', ')}; at the limit ${((P * K * F) / limit / 1e3).toFixed(1)}; convGemm / convStemGemm ${(best[0] / best[1]).toFixed(2)}x${differs >= 0 ? `; OUTPUTS DIFFER at ${differs}` : ''}`);
}
process.exit(0);
