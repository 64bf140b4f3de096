// The Winograd filter gradients (F(2x2, 3x3), F(4x4, 3x3)) against the packed direct kernel on every 3x3
// stride-1 zoo convolution it fits (bench/kernels-train.ts's list, plus the convnet's second
// layer), timed side by side, alternating: GFLOP/s counting the direct gradient's FLOPs, and
// the speed ratio. One thread: the process's CPU time; more: wall time.
// --edges: instead, shapes at the edges of the choice (few channels, few tiles).
// node --import tsx bench/winograd-filter-grad.ts [--threads N] [--tiles 2,4] [--panels 64,128] [--reps R] [--only SUBSTRING] [--edges]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { trainTuning, winogradFilterGradFits } from '../src/backends/wasm/train-kernels.ts';
import { ZOO_CONVS, zooConvInfo, zooConvLabel, type ZooConv } from './kernels-train.ts';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, tiles: { type: 'string', default: '2,4' }, panels: { type: 'string', default: String(trainTuning.winogradFilterGradPanel) },
  reps: { type: 'string', default: '3' }, only: { type: 'string', default: '' }, edges: { type: 'boolean', default: false } } });
const backend = new WasmBackend(Number(values.threads));
await backend.whenReady();
const mem = backend.mem, cpu = backend.threads === 1;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const now = (): number => { if (!cpu) return performance.now(); const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

const convnet: ZooConv = { name: 'convnet', x: [128, 13, 13, 32], w: [3, 3, 32, 64] };
const edge = (batch: number, hw: number, inC: number, outC: number): ZooConv => ({ name: 'edge', x: [batch, hw, hw, inC], w: [3, 3, inC, outC] });
const EDGES = [edge(64, 16, 8, 8), edge(64, 16, 8, 16), edge(64, 16, 16, 8), edge(64, 16, 4, 32), edge(64, 16, 32, 4), edge(64, 16, 12, 12),
  edge(64, 16, 4, 4), edge(64, 16, 4, 8), edge(8, 8, 16, 16), edge(8, 8, 32, 32), edge(2, 4, 64, 64), edge(1, 6, 32, 32), edge(1, 8, 32, 32), edge(1, 8, 8, 8), edge(1, 8, 64, 64), edge(1, 4, 128, 128), edge(4, 4, 128, 128), edge(1, 2, 256, 256), edge(16, 4, 64, 64), edge(2, 16, 32, 32)];
const shapes = [...(values.edges ? EDGES : ZOO_CONVS), convnet].filter((s) => !s.groups && winogradFilterGradFits(zooConvInfo(s)) && zooConvLabel(s).includes(values.only));
const panels = values.panels.split(',').map(Number);
const modes = ['packed', ...values.tiles.split(',').flatMap((m) => panels.map((p) => `F${m}/${p}`))];
console.log(`wasm backend, ${backend.threads} thread(s), ${cpu ? 'CPU' : 'wall'} time, median of 5 alternating rounds of ${values.reps} calls`);
console.log(['shape'.padEnd(40), ...modes.map((m) => `${m} ms  GFLOP/s`.padStart(24)), ...modes.slice(1).map((m) => `${m} speed-up`)].join('  '));
for (const s of shapes) {
  const info = s.name === 'convnet' ? { ...zooConvInfo(s), padTop: 0, padLeft: 0, outH: 11, outW: 11 } : zooConvInfo(s);
  const x = f32(s.x.reduce((a, b) => a * b)), dy = f32(info.batch * info.outH * info.outW * info.outC), dw = f32(9 * info.inC * info.outC);
  const flops = 2 * info.batch * info.outH * info.outW * info.outC * 9 * info.inC;
  const run = (mode: string): void => {
    trainTuning.winogradFilterGrad = mode === 'packed' ? 'never' : 'always';
    if (mode !== 'packed') {
      trainTuning.winogradFilterGradTile = mode.startsWith('F4') ? 4 : 2;
      trainTuning.winogradFilterGradPanel = Number(mode.split('/')[1]);
    }
    backend.conv2dBackpropFilter(x, dy, dw, info);
  };
  const times = new Map(modes.map((m) => [m, [] as number[]]));
  for (const m of modes) run(m);
  for (let r = 0; r < 5; r++) {
    for (const m of modes) {
      const t = now();
      for (let i = 0; i < Number(values.reps); i++) run(m);
      times.get(m)!.push((now() - t) / Number(values.reps));
    }
  }
  const ms = modes.map((m) => times.get(m)!.sort((a, b) => a - b)[2]);
  const label = s.name === 'convnet' ? `convnet 3x3/1 valid 32->64 [${s.x}]` : zooConvLabel(s);
  console.log([label.padEnd(40), ...ms.map((t) => `${t.toFixed(3)}  ${(flops / t / 1e6).toFixed(1)}`.padStart(24)), ...ms.slice(1).map((t, k) => `${(ms[0] / t).toFixed(2)}x`.padStart(modes[k + 1].length + 9))].join('  '));
}
trainTuning.winogradFilterGrad = 'auto';
process.exit(0);
