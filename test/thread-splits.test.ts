// How the wasm backend splits work between threads (issue #15, two threads at batch 1): the
// planned splits cover every item once, tiny jobs stay on the calling thread, each kernel whose
// split changed gives on two threads exactly what it gives on one (its sum order is the same)
// and what the float64 reference gives, at batch 1 and several, odd sizes; and every
// convolution of each zoo model's batch-1 predict runs on both threads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { backend, noGrad } from '../src/core/engine.ts';
import { convInfo, poolInfo, type ConvGeometry } from '../src/ops/conv.ts';
import type { ConvInfo, PoolInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { recordSplits, splitOf, threadsUsed } from '../src/backends/wasm/split-recorder.ts';
import { elementChunk, MIN_CHUNK_FLOATS } from '../src/backends/wasm/split-policy.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from '../bench/zoo-data.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(2111);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Largest |a - b| over the largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

describe('planned splits', () => {
  it('cover [0, total) once, home ranges in order, on 1-4 threads', () => {
    for (const threads of [1, 2, 3, 4]) {
      for (const [total, chunk] of [[1, 1], [7, 2], [8, 1], [13, 4], [1000, 128], [5, 8], [255, 1]]) {
        const s = splitOf('k', total, chunk, threads);
        assert.equal(s.perThread.reduce((a, b) => a + b, 0), total, `${total}/${chunk} on ${threads}`);
        if (chunk >= total || threads === 1) assert.deepEqual(s.perThread.slice(1), new Array(threads - 1).fill(0));
        else assert.equal(s.chunks, Math.ceil(total / chunk));
      }
    }
    assert.deepEqual(splitOf('k', 11, 2, 2).perThread, [6, 5]);
    assert.deepEqual(splitOf('k', 8, 1, 2).perThread, [4, 4]);
  });

  it('memory-bound jobs: the calling thread below two minimum chunks, even chunks of at least the minimum above', () => {
    const pool2 = (total: number, align: number): number => Math.max(align, Math.ceil(total / 8 / align) * align); // threads.ts's chunk() on 2 threads
    assert.equal(elementChunk(pool2, 2 * MIN_CHUNK_FLOATS - 1), 2 * MIN_CHUNK_FLOATS - 1);
    assert.equal(elementChunk((t) => t, 1 << 20), 1 << 20, 'one thread: one chunk');
    for (const [n, cost, align] of [[2 * MIN_CHUNK_FLOATS, 1, 4], [20001, 1, 4], [1 << 20, 1, 4], [1001, 21, 1], [33, 1536, 1]]) {
      const chunk = elementChunk(pool2, n, cost, align), chunks = Math.ceil(n / chunk);
      assert.ok(chunks >= 2, `${n} x ${cost} splits`);
      assert.equal(chunk % align, 0);
      assert.ok(chunk * cost >= MIN_CHUNK_FLOATS * 0.99 || chunks === 2, `${n} x ${cost}: chunk ${chunk} not tiny`);
      assert.ok(n - (chunks - 1) * chunk >= chunk / 2 || chunks > 2, `${n} x ${cost}: last chunk ${n - (chunks - 1) * chunk} of ${chunk} (evened out)`);
    }
  });
});

describe('kernels with new splits: 2 threads = 1 thread bit for bit, = the float64 reference', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2), js = new JsBackend();
  before(async () => { await two.whenReady(); });
  const to64 = (a: Float32Array): Float64Array => Float64Array.from(a);

  /**
   * Runs `call` on both wasm backends (outputs NaN-filled first: a row no chunk wrote stays
   * NaN) and the reference in float64; checks 1 = 2 threads bitwise, both near the reference,
   * and (where `split`) that the two-thread run gave work to both threads.
   */
  function check(what: string, inputs: Float32Array[], outSize: number, call: (be: WasmBackend | JsBackend, ins: (Float32Array | Float64Array)[], out: Float32Array | Float64Array) => void,
    { tol = 1e-5, split = true } = {}): void {
    const o1 = new Float32Array(outSize).fill(NaN), o2 = new Float32Array(outSize).fill(NaN), ref = new Float64Array(outSize);
    call(one, inputs, o1);
    const jobs = recordSplits(two, () => call(two, inputs, o2)).flatMap((c) => c.jobs);
    call(js, inputs.map(to64), ref);
    assert.ok(o1.every((v, i) => Object.is(v, o2[i])), `${what}: 2 threads differ from 1 (first at ${o1.findIndex((v, i) => !Object.is(v, o2[i]))})`);
    const err = relativeError(o1, ref);
    assert.ok(err <= tol, `${what}: error ${err} vs float64`);
    if (split) assert.ok(jobs.some((j) => threadsUsed(j) === 2), `${what}: no job used both threads (${jobs.map((j) => `${j.kernel} ${j.total}/${j.chunk}`).join(', ')})`);
  }

  function checkConv(what: string, xShape: number[], wShape: number[], geometry: ConvGeometry, opts: { act?: 'relu'; algorithm?: 'direct' | 'winograd'; tol?: number } = {}): void {
    for (const batch of [1, 3]) {
      const info = convInfo([batch, ...xShape.slice(1)], wShape, geometry);
      const x = floats(batch * size(xShape.slice(1))), w = floats(size(wShape)), bias = floats(info.outC);
      for (const be of [one, two]) be.convAlgorithm = opts.algorithm ?? 'auto';
      check(`${what} batch ${batch}`, [x, w, bias], batch * info.outH * info.outW * info.outC, (be, [xx, ww, bb], out) => {
        if (opts.act) be.conv2dActivation(xx, ww, bb, out, info, opts.act); else be.conv2d(xx, ww, bb, out, info);
      }, { tol: opts.tol, split: batch === 1 });
    }
    for (const be of [one, two]) be.convAlgorithm = 'auto';
  }

  it('direct convolution at stride 2 (rows of one image between threads)', () => {
    checkConv('3x3/s2 16->24 on 13x11', [1, 13, 11, 16], [3, 3, 16, 24], { strides: 2, padding: 'same' }, { act: 'relu' });
    checkConv('1x1/s2 16->32 on 31x33', [1, 31, 33, 16], [1, 1, 16, 32], { strides: 2, padding: 'valid' });
  });
  it('few input channels (im2col panels) and one output channel', () => {
    checkConv('3x3 3->16 on 33x31', [1, 33, 31, 3], [3, 3, 3, 16], { padding: 'same' }, { act: 'relu' });
    checkConv('3x3 32->1 on 29x27', [1, 29, 27, 32], [3, 3, 32, 1], { padding: 'same' });
  });
  it('depthwise 3x3 rows', () => {
    checkConv('dw 3x3 64 on 17x15', [1, 17, 15, 64], [3, 3, 1, 64], { padding: 'same', groups: 64 }, { act: 'relu' });
    checkConv('dw 3x3/s2 68 on 41x39', [1, 41, 39, 68], [3, 3, 1, 68], { strides: 2, padding: 'same', groups: 68 });
  });
  it('Winograd F(2x2) tiles at batch 1 (a panel held them all)', () => {
    checkConv('F(2x2) 40->36 on 11x9', [1, 11, 9, 40], [3, 3, 40, 36], { padding: 'same' }, { algorithm: 'winograd', tol: 1e-4 });
  });

  it('input gradient at stride 2 by blocks of input channels at batch 1 (by images at 3)', () => {
    for (const [xShape, wShape] of [[[15, 13, 48], [3, 3, 48, 40]], [[14, 14, 64], [3, 3, 64, 64]], [[9, 11, 24], [1, 1, 24, 16]]]) {
      for (const batch of [1, 3]) {
        const info = convInfo([batch, ...xShape], wShape, { strides: 2, padding: 'same' });
        const dy = floats(batch * info.outH * info.outW * info.outC), w = floats(size(wShape));
        check(`input gradient ${xShape} by ${wShape} batch ${batch}`, [dy, w], batch * size(xShape), (be, [d, ww], dx) => { be.conv2dBackpropInput(d, ww, dx, info); },
          { split: batch === 1 && wShape[0] === 3 });
      }
    }
  });

  function checkConvPool(what: string, xShape: number[], wShape: number[]): void {
    for (const batch of [1, 3]) {
      const info = convInfo([batch, ...xShape.slice(1)], wShape, { padding: 'same' });
      const pool = poolInfo([batch, info.outH, info.outW, info.outC], [2, 2], [2, 2], 'valid');
      const x = floats(batch * size(xShape.slice(1))), w = floats(size(wShape)), bias = floats(info.outC);
      const n = batch * pool.outH * pool.outW * pool.channels;
      const arg = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
      let k = 0;
      for (const be of [one, two]) be.convAlgorithm = 'direct';
      check(`${what} batch ${batch}`, [x, w, bias], n, (be, [xx, ww, bb], out) => { be.conv2dMaxPool(xx, ww, bb, out, arg[k++], info, pool); }, { split: batch === 1 });
      // (Not against the float64 reference: a near-tie of two float32 sums may rank the other way there.)
      assert.deepEqual(arg[1], arg[0], `${what}: argmax on 2 threads`);
    }
    for (const be of [one, two]) be.convAlgorithm = 'auto';
  }

  it('convolution + 2x2 max pooling by row pairs (direct, and the one-channel 3x3 kernel)', () => {
    checkConvPool('3x3 16->16 on 14x18 + pool', [1, 14, 18, 16], [3, 3, 16, 16]);
    checkConvPool('3x3 8->12 on 10x30 + pool', [1, 10, 30, 8], [3, 3, 8, 12]);
    checkConvPool('3x3 1->32 on 26x22 + pool', [1, 26, 22, 1], [3, 3, 1, 32]);
  });

  it('max pooling by output rows (2x2 kernel and the general one, odd sizes)', () => {
    const cases: [number[], [number, number], [number, number], 'same' | 'valid'][] = [
      [[1, 64, 48, 16], [2, 2], [2, 2], 'valid'], [[3, 17, 15, 8], [2, 2], [2, 2], 'valid'],
      [[1, 45, 41, 10], [3, 3], [2, 2], 'same'], [[2, 45, 41, 10], [3, 3], [2, 2], 'same'], [[1, 61, 63, 6], [2, 2], [2, 2], 'same']];
    for (const [shape, k, s, padding] of cases) {
      const info: PoolInfo = poolInfo(shape, k, s, padding), n = info.batch * info.outH * info.outW * info.channels;
      const arg = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
      let i = 0;
      check(`maxPool ${shape} ${k}/${s} ${padding}`, [floats(size(shape))], n, (be, [x], out) => { be.maxPool2d(x, out, arg[i++], info); }, { split: shape[0] === 1 });
      assert.deepEqual(arg[1], arg[0]);
      assert.deepEqual(arg[0], arg[2]);
    }
  });

  it('average pooling and resizing (nearest, bilinear) by output rows, odd sizes', () => {
    for (const [shape, k, s, padding] of [[[1, 45, 41, 10], [3, 3], [2, 2], 'same'], [[3, 13, 11, 6], [2, 2], [2, 2], 'valid'], [[1, 64, 48, 16], [2, 2], [2, 2], 'valid']] as const) {
      const info = poolInfo([...shape], [...k] as [number, number], [...s] as [number, number], padding, 'avgPool2d'), n = info.batch * info.outH * info.outW * info.channels;
      check(`avgPool ${shape} ${k}/${s} ${padding}`, [floats(size([...shape]))], n, (be, [x], out) => { be.avgPool2d(x, out, info); }, { split: shape[0] === 1 });
    }
    for (const bilinear of [false, true]) {
      for (const [batch, inH, inW, channels, outH, outW] of [[1, 14, 14, 64, 28, 28], [2, 7, 9, 5, 15, 19], [1, 31, 29, 7, 37, 121]]) {
        const info = { batch, inH, inW, channels, outH, outW, bilinear };
        check(`resize ${bilinear ? 'bilinear' : 'nearest'} [${batch}, ${inH}, ${inW}, ${channels}] -> ${outH}x${outW}`, [floats(batch * inH * inW * channels)], batch * outH * outW * channels,
          (be, [x], out) => { be.resize(x, out, info); }, { split: batch === 1 });
      }
    }
  });

  it('matMul under four rows (Dense at batch 1) by column quads: = gemm\'s own rows, 1 = 2 threads, vs float64', () => {
    for (const [m, k, n, transA, transB] of [[1, 301, 517, false, false], [2, 97, 1029, false, true], [3, 260, 203, true, false], [1, 4, 7, false, false]] as const) {
      const a = floats(m * k), b = floats(k * n);
      check(`matMul ${m}x${k} by ${k}x${n}${transA ? ' A^T' : ''}${transB ? ' B^T' : ''}`, [a, b], m * n, (be, [aa, bb], out) => { be.matMul(aa, bb, out, 1, m, k, n, transA, transB); },
        { split: m * k * n >= 1 << 17 });
      if (transA || transB) continue;
      // The row kernel itself on the same arrays: the column split sums each column as it does.
      const mark = one.mem.mark(), pa = one.mem.reserve(a.byteLength), pb = one.mem.reserve(b.byteLength), pc = one.mem.reserve(m * n * 4);
      one.mem.f32(pa, a.length).set(a); one.mem.f32(pb, b.length).set(b);
      one.par('gemm', [pa, k, 1, pb, pc, m, k, n, 0], m, 4, m);
      const rows = one.mem.f32(pc, m * n).slice(), cols = new Float32Array(m * n);
      one.matMul(a, b, cols, 1, m, k, n, false, false);
      assert.ok(rows.every((v, i) => Object.is(v, cols[i])), `matMul ${m}x${k}x${n}: columns kernel differs from gemm's rows`);
      one.mem.release(mark);
    }
  });

  it('element-wise, same-shape arithmetic and the BN affine pass: two chunks from 2 x MIN_CHUNK_FLOATS on', () => {
    for (const n of [20001, 2 * MIN_CHUNK_FLOATS, 100003]) {
      check(`relu ${n}`, [floats(n)], n, (be, [x], out) => { be.unary('relu', x, out); });
      check(`add ${n}`, [floats(n), floats(n)], n, (be, [a, b], out) => { be.binary('add', a, [1], b, [1], out, [n]); });
    }
    check('relu below the minimum', [floats(2 * MIN_CHUNK_FLOATS - 4)], 2 * MIN_CHUNK_FLOATS - 4, (be, [x], out) => { be.unary('relu', x, out); }, { split: false });
    const small = recordSplits(two, () => two.unary('relu', floats(2 * MIN_CHUNK_FLOATS - 4), new Float32Array(2 * MIN_CHUNK_FLOATS - 4))).flatMap((c) => c.jobs);
    assert.ok(small.every((j) => threadsUsed(j) === 1), 'a tiny job stays on the calling thread');
    for (const [rows, C] of [[1001, 21], [4099, 5]]) {
      check(`channelAffine ${rows}x${C}`, [floats(rows * C), floats(C), floats(C)], rows * C, (be, [x, s, d], out) => { be.channelAffine(x, s, d, out, rows, C); });
    }
  });
});

describe('zoo batch-1 predicts', () => {
  // Jobs that transform weights (wc's lane: to be cached across predicts) or pool after a
  // convolution are not the convolution's own work.
  const notConvWork = new Set(['packPanels', 'winogradWeights', 'winograd4Weights', 'maxPool']);
  // Known to stay on one thread, each with why (the test fails if one of them starts splitting, so the list stays true).
  const ONE_THREAD: Record<string, string> = {
    'mobilenet conv2dActivation 3x3/s2 dw 128->128 8x8 b1': '74K multiply-adds (~3 us): below CALLING_THREAD_MACS',
    'mobilenet conv2dActivation 3x3/s2 dw 256->256 4x4 b1': '37K multiply-adds: below CALLING_THREAD_MACS',
    // (F(4x4) on an 8x8 map, 4 tiles, one chunk by tiles, now splits by output channels: winograd4-columns.ts.)
  };
  before(async () => {
    dt.setBackend('wasm');
    dt.setThreads(2);
    await dt.ready();
    await (backend() as WasmBackend).whenReady();
  });

  for (const name of Object.keys(ZOO)) {
    it(`${name}: every convolution call runs on both threads`, () => {
      const entry = ZOO[name];
      dt.setRandomSeed(1);
      const model = entry.build(), x = syntheticBatch(entry, 1).x;
      const predict = (): void => { noGrad(() => model.predictStep(x)); };
      for (let i = 0; i < 3; i++) predict();
      const calls = recordSplits(backend() as WasmBackend, predict).filter((c) => c.call.startsWith('conv2d'));
      assert.ok(calls.length > 0, `${name} has convolution calls`);
      for (const c of calls) {
        const work = c.jobs.filter((j) => !notConvWork.has(j.kernel));
        assert.ok(work.length > 0, `${name} ${c.call}: no convolution job (${c.jobs.map((j) => j.kernel).join(', ')})`);
        const both = work.every((j) => threadsUsed(j) === 2);
        const known = ONE_THREAD[`${name} ${c.call}`];
        if (known) assert.ok(!both, `${name} ${c.call} now splits: take it off the list`);
        else assert.ok(both, `${name} ${c.call}: ${work.map((j) => `${j.kernel} ${j.total}/${j.chunk} [${j.perThread}]`).join('; ')}`);
      }
    });
  }
});
