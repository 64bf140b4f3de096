// The memory-bound training kernels on the zoo's shapes, against the measured bandwidth limit
// (src/backends/wasm/bandwidth.ts). Bytes counted are the minimum traffic of the algorithm:
// each input read once and each output written once per pass it needs (BatchNormalization's
// forward: a statistics pass reading x, then x read and y written; its gradient: the column
// sums reading x, dy and the relu's output, then the same three read again and dx written).
// A kernel's limit is the time the stream kernels need for the same passes at the same sizes
// (same number of read and write streams, same bytes each, timed by the same clock), so the
// % says how close the kernel is to moving its bytes as fast as this machine can, at that size
// (the zoo's arrays are 0.5-8 MB: they live in L3 here, 32 MB, once warm).
// Called by bench/kernels.ts; bench/kernels-membound-scaling.ts times them on 1 and 2 threads.
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { streamGBs, type StreamShape } from '../src/backends/wasm/bandwidth.ts';
import type { PoolInfo } from '../src/backends/backend.ts';
import { ZOO_CONVS, zooConvInfo, zooConvLabel } from './kernels-train.ts';

type Time = (fn: () => void) => number;
/** One pass of a kernel over memory: `reads` input streams, `writes` outputs, `bytes` each. */
type Pass = StreamShape;
export interface MemJob { kernel: string; shape: string; sizes: number[]; passes: Pass[]; run: (be: WasmBackend, a: Float32Array[]) => void }

const pass = (reads: 1 | 2 | 3, writes: 0 | 1, floats: number): Pass => ({ reads, writes, bytes: 4 * floats });
/** BatchNormalization's normalized activations in the zoo: [model, rows, channels]. */
export const ZOO_BN: [string, number, number][] = [
  ['mobilenet', 32 * 32 * 32, 32], ['mobilenet', 32 * 32 * 32, 64], ['mobilenet', 32 * 16 * 16, 64], ['mobilenet', 32 * 16 * 16, 128],
  ['mobilenet', 32 * 8 * 8, 128], ['mobilenet', 32 * 8 * 8, 256], ['mobilenet', 32 * 4 * 4, 256], ['mobilenet', 32 * 4 * 4, 512],
  ['vgg', 64 * 32 * 32, 32], ['vgg', 64 * 16 * 16, 64], ['vgg', 64 * 8 * 8, 128],
  ['resnet20', 64 * 32 * 32, 16], ['resnet20', 64 * 16 * 16, 32], ['resnet20', 64 * 8 * 8, 64],
];

export function memboundJobs(): MemJob[] {
  const jobs: MemJob[] = [];
  for (const [model, rows, C] of ZOO_BN) {
    const shape = `${model} [${rows}, ${C}]`, n = rows * C;
    jobs.push({ kernel: 'batchNormActivation', shape, sizes: [n, C, C, n, C, C], passes: [pass(1, 0, n), pass(1, 1, n)],
      run: (be, [x, g, b, y, m, v]) => be.batchNormActivation(x, g, b, y, m, v, rows, C, 1e-3, 'relu') });
    jobs.push({ kernel: 'batchNormActivationGrad', shape, sizes: [n, n, n, C, C, C, n, C, C], passes: [pass(3, 0, n), pass(3, 1, n)],
      run: (be, [x, dy, y, m, v, g, dx, dg, db]) => { v.fill(1); be.batchNormActivationGrad(x, dy, y, m, v, g, dx, dg, db, rows, C, 1e-3, 'relu'); } });
    // The plan's form: the forward's coefficients given, the mask rebuilt from x (y not read).
    jobs.push({ kernel: 'batchNormActivationGrad from x', shape, sizes: [n, n, n, C, C, C, n, C, C, 3 * C + 1], passes: [pass(2, 0, n), pass(2, 1, n)],
      run: (be, [x, dy, y, m, v, g, dx, dg, db, co]) => {
        if (co[3 * C] !== 1) be.batchNormActivation(x, g, g, y, m, v, rows, C, 1e-3, 'relu', co); // once per set of arrays
        be.batchNormActivationGrad(x, dy, y, m, v, g, dx, dg, db, rows, C, 1e-3, 'relu', co);
      } });
  }
  // ResNet-20's plain batchNorm / batchNormGrad (before the residual add, no activation fused).
  for (const [model, rows, C] of ZOO_BN.filter(([m]) => m === 'resnet20')) {
    const shape = `${model} [${rows}, ${C}]`, n = rows * C;
    jobs.push({ kernel: 'batchNorm', shape, sizes: [n, C, C, n, C, C], passes: [pass(1, 0, n), pass(1, 1, n)],
      run: (be, [x, g, b, y, m, v]) => be.batchNorm(x, g, b, y, m, v, rows, C, 1e-3) });
    jobs.push({ kernel: 'batchNormGrad', shape, sizes: [n, n, C, C, C, n, C, C], passes: [pass(2, 0, n), pass(2, 1, n)],
      run: (be, [x, dy, m, v, g, dx, dg, db]) => { v.fill(1); be.batchNormGrad(x, dy, m, v, g, dx, dg, db, rows, C, 1e-3); } });
  }
  // ResNet-20's element-wise ops at its three activation sizes: the residual add and the
  // gradients' fan-in sums, relu after the add, its mask (step) and dy times the mask.
  for (const [hw, C] of [[32, 16], [16, 32], [8, 64]]) {
    const n = 64 * hw * hw * C, shape = `resnet20 [64,${hw},${hw},${C}]`, st = [hw * hw * C, hw * C, C, 1], sh = [64, hw, hw, C];
    for (const op of ['relu', 'step'] as const) {
      jobs.push({ kernel: `unary ${op}`, shape, sizes: [n, n], passes: [pass(1, 1, n)], run: (be, [x, y]) => be.unary(op, x, y) });
    }
    for (const op of ['add', 'mul'] as const) {
      jobs.push({ kernel: `binary ${op}`, shape, sizes: [n, n, n], passes: [pass(2, 1, n)], run: (be, [a, b, y]) => be.binary(op, a, st, b, st, y, sh) });
    }
  }
  {
    // The autoencoder's UpSampling2D (nearest, 2x): x read, y written; its gradient: dy read, dx written.
    const info = { batch: 64, inH: 14, inW: 14, channels: 64, outH: 28, outW: 28, bilinear: false }, xs = 64 * 14 * 14 * 64, ys = 4 * xs;
    const shape = 'autoencoder [64,14,14,64] -> 28x28';
    jobs.push({ kernel: 'resize nearest', shape, sizes: [xs, ys], passes: [pass(1, 1, (xs + ys) / 2)], run: (be, [x, y]) => be.resize(x, y, info) });
    jobs.push({ kernel: 'resizeBackward nearest', shape, sizes: [ys, xs], passes: [pass(1, 1, (xs + ys) / 2)], run: (be, [dy, dx]) => be.resizeBackward(dy, dx, info) });
  }
  for (const s of ZOO_CONVS.filter((z) => z.groups)) {
    const info = zooConvInfo(s), shape = zooConvLabel(s);
    const xs = s.x.reduce((a, b) => a * b), ys = info.batch * info.outH * info.outW * info.outC, ws = 9 * s.x[3];
    // x and y differ in size at stride 2: one read and one write stream of their mean size.
    const io = pass(1, 1, (xs + ys) / 2);
    jobs.push({ kernel: 'depthwise conv2d', shape, sizes: [xs, ws, ys], passes: [io], run: (be, [x, w, y]) => be.conv2d(x, w, null, y, info) });
    jobs.push({ kernel: 'depthwise input grad', shape, sizes: [ys, ws, xs], passes: [io], run: (be, [dy, w, dx]) => be.conv2dBackpropInput(dy, w, dx, info) });
    jobs.push({ kernel: 'depthwise filter grad', shape, sizes: [xs, ys, ws], passes: [pass(2, 0, (xs + ys) / 2)], run: (be, [x, dy, dw]) => be.conv2dBackpropFilter(x, dy, dw, info) });
  }
  for (const [model, batch, hw, ch] of [['vgg', 64, 32, 32], ['vgg', 64, 16, 64], ['vgg', 64, 8, 128]] as const) {
    const info: PoolInfo = { batch, inH: hw, inW: hw, channels: ch, outH: hw / 2, outW: hw / 2, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
    const xs = batch * hw * hw * ch, ys = xs / 4, shape = `${model} [${batch},${hw},${hw},${ch}] 2x2`;
    // Forward: x read, y and argmax written; backward: dy and argmax read, dx written (all of it).
    jobs.push({ kernel: 'maxPool2d', shape, sizes: [xs, ys, ys], passes: [pass(1, 1, (xs + 2 * ys) / 2)],
      run: (be, [x, y, arg]) => be.maxPool2d(x, y, new Int32Array(arg.buffer, arg.byteOffset, ys), info) });
    jobs.push({ kernel: 'maxPool2dBackward', shape, sizes: [ys, ys, xs], passes: [pass(1, 1, (2 * ys + xs) / 2)],
      run: (be, [dy, arg, dx]) => { const a = new Int32Array(arg.buffer, arg.byteOffset, ys); a.fill(0); be.maxPool2dBackward(dy, a, dx, info); } });
  }
  for (const [model, rows, C] of [['seed conv1', 32 * 28 * 28, 32], ['autoencoder', 64 * 28 * 28, 32]] as const) {
    jobs.push({ kernel: 'bias gradient (sum rows)', shape: `${model} [${rows}, ${C}]`, sizes: [rows * C, C], passes: [pass(1, 0, rows * C)],
      run: (be, [x, out]) => be.reduce('sum', x, out, 1, rows, C) });
  }
  for (const n of [256 * 512, 128 * 128 * 9]) {
    // w, g, m, v read, w, m, v written: counted as 7 streams; the limit is a 3-read + 1-write
    // stream over the same bytes (the stream kernel has at most 3 inputs).
    jobs.push({ kernel: 'adam', shape: `${n} weights`, sizes: [n, n, n, n], passes: [pass(3, 1, 7 * n / 4)],
      run: (be, [w, g, m, v]) => be.adam(w, g, m, v, 1e-3, 0.9, 0.999, 1e-7, 3) });
  }
  return jobs;
}

export const passBytes = (passes: Pass[]): number => passes.reduce((s, p) => s + (p.reads + p.writes) * p.bytes, 0);

/** Seconds the stream kernels need for these passes (each pass's stream rate measured at its size; memoized). */
export function limitSeconds(be: WasmBackend, passes: Pass[], clock: () => number, memo = new Map<string, number>()): number {
  let s = 0;
  for (const p of passes) {
    const key = `${p.reads}/${p.writes}/${p.bytes}`;
    if (!memo.has(key)) memo.set(key, streamGBs(be, p, clock));
    s += (p.reads + p.writes) * p.bytes / (memo.get(key)! * 1e9);
  }
  return s;
}

/** The reference lines: stream rates at an L2-, an L3- and a DRAM-sized array. */
export function limitRows(be: WasmBackend, clock: () => number): string[][] {
  const rows: string[][] = [['bandwidth limit (streams of 128-bit loads/stores, all threads)', 'per array', 'read 1', 'read 3', 'read 1 + write 1', 'read 3 + write 1']];
  for (const [label, bytes] of [['L2', 128 << 10], ['L3', 4 << 20], ['DRAM', 128 << 20]] as const) {
    const r = [[1, 0], [3, 0], [1, 1], [3, 1]].map(([reads, writes]) => `${streamGBs(be, { reads: reads as 1, writes: writes as 0, bytes }, clock).toFixed(1)} GB/s`);
    rows.push([`  ${label}`, `${bytes >> 10} KiB`, ...r]);
  }
  return rows;
}

/** Rows [kernel, shape, ms, GB/s, limit GB/s, of limit] (arrays allocated per job, released after). */
export function memboundRows(be: WasmBackend, time: Time, clock: () => number, only = ''): string[][] {
  const rows: string[][] = [['kernel', 'shape', 'ms', 'GB/s', 'limit GB/s', 'of limit']];
  for (const job of memboundJobs()) {
    if (only && !`${job.kernel} ${job.shape}`.includes(only)) continue;
    const mark = be.mem.mark();
    const arrays = job.sizes.map((n) => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; });
    // The kernel and its limit alternate, three times, the fastest of each kept: on a shared
    // machine both then see the same state of the caches and memory (a limit measured once,
    // earlier, made the % swing 2x between runs under load).
    let s = Infinity, limit = Infinity;
    for (let k = 0; k < 3; k++) {
      s = Math.min(s, time(() => job.run(be, arrays)));
      limit = Math.min(limit, limitSeconds(be, job.passes, clock));
    }
    be.mem.release(mark);
    const bytes = passBytes(job.passes);
    rows.push([job.kernel, job.shape, (s * 1e3).toFixed(3), (bytes / s / 1e9).toFixed(1), (bytes / limit / 1e9).toFixed(1), `${Math.round((100 * limit) / s)}%`]);
  }
  return rows;
}
