// Thread scaling of the training passes on the zoo's shapes: each kernel on one thread and on
// two (two backends side by side, alternating rounds, the fastest round of each: on a shared
// machine the fastest is the one least disturbed). Usage:
//   node --import tsx bench/kernels-train-scaling.ts [--only SUBSTRING] [--rounds 7]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { ZOO_CONVS, zooConvInfo, zooConvLabel } from './kernels-train.ts';

const { values } = parseArgs({ options: { only: { type: 'string', default: '' }, rounds: { type: 'string', default: '7' } } });
const one = new WasmBackend(1), two = new WasmBackend(2);
await two.whenReady();
const arrays = (be: WasmBackend, sizes: number[]): Float32Array[] => sizes.map((n) => {
  const v = be.mem.f32(be.mem.reserve(n * 4), n);
  for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5;
  return v;
});
type Job = (be: WasmBackend, a: Float32Array[]) => void;
const jobs: { kernel: string; shape: string; sizes: number[]; run: Job }[] = [];
for (const s of ZOO_CONVS) {
  const info = zooConvInfo(s), shape = zooConvLabel(s);
  const xs = s.x.reduce((a, b) => a * b), ws = s.w.reduce((a, b) => a * b), ys = info.batch * info.outH * info.outW * info.outC;
  jobs.push({ kernel: 'conv2dBackpropFilter', shape, sizes: [xs, ys, ws], run: (be, [x, dy, dw]) => be.conv2dBackpropFilter(x, dy, dw, info) });
  if (s.x[3] > 3) jobs.push({ kernel: 'conv2dBackpropInput', shape, sizes: [ys, ws, xs], run: (be, [dy, w, dx]) => be.conv2dBackpropInput(dy, w, dx, info) });
}
// BatchNormalization + ReLU (fused) on the zoo's normalized activations: [rows, channels].
for (const [model, rows, C] of [['vgg', 64 * 32 * 32, 32], ['vgg', 64 * 8 * 8, 128], ['resnet20', 64 * 32 * 32, 16], ['mobilenet', 32 * 32 * 32, 32], ['mobilenet', 32 * 8 * 8, 256]] as const) {
  const shape = `${model} [${rows}, ${C}]`, n = rows * C;
  jobs.push({ kernel: 'batchNormActivation', shape, sizes: [n, C, C, n, C, C], run: (be, [x, g, b, y, m, v]) => be.batchNormActivation(x, g, b, y, m, v, rows, C, 1e-3, 'relu') });
  jobs.push({ kernel: 'batchNormActivationGrad', shape, sizes: [n, n, n, C, C, C, n, C, C], run: (be, [x, dy, y, m, v, g, dx, dg, db]) => {
    v.fill(1);
    be.batchNormActivationGrad(x, dy, y, m, v, g, dx, dg, db, rows, C, 1e-3, 'relu');
  } });
}
const rows: string[][] = [['kernel', 'shape', '1 thread ms', '2 threads ms', 'speed-up']];
for (const job of jobs) {
  if (values.only && !`${job.kernel} ${job.shape}`.includes(values.only)) continue;
  const m1 = one.mem.mark(), m2 = two.mem.mark();
  const a1 = arrays(one, job.sizes), a2 = arrays(two, job.sizes);
  job.run(one, a1); job.run(two, a2);
  let t1 = Infinity, t2 = Infinity;
  for (let r = 0; r < Number(values.rounds); r++) {
    let t = performance.now(); job.run(one, a1); t1 = Math.min(t1, performance.now() - t);
    t = performance.now(); job.run(two, a2); t2 = Math.min(t2, performance.now() - t);
  }
  rows.push([job.kernel, job.shape, t1.toFixed(2), t2.toFixed(2), `${(t1 / t2).toFixed(2)}x`]);
  one.mem.release(m1); two.mem.release(m2);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
process.exit(0);
