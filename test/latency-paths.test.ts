// Batch-1 latency paths (issue #15): F(4x4) on few tiles split by output channels
// (assembly/winograd4-columns.ts) gives on two threads exactly what one thread gives and what
// the tile split gives, and the float64 convolution within Winograd's bound; it is the split
// the zoo's small maps take.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { preparedTuning, winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { backend } from '../src/core/engine.ts';
import { recordSplits, threadsUsed } from '../src/backends/wasm/split-recorder.ts';
import type { ConvActivation } from '../src/backends/backend.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(2201);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

function backendWith(threads: number): WasmBackend {
  const b = new WasmBackend(threads);
  b.convAlgorithm = 'winograd4';
  return b;
}

/** act(conv(x, k) + b (+ r)) in float64 on the reference backend. */
function exactConv(x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, padding: 'same' | 'valid', act: ConvActivation | null, r?: dt.Tensor): dt.Tensor {
  return dt.withBackend('js', () => {
    let y = dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, bias: b.cast('float64') });
    if (r) y = y.add(r.cast('float64').reshape(y.shape));
    return act === 'relu' ? dt.relu(y) : act === 'relu6' ? dt.relu6(y) : y;
  });
}

/** fn() with F(4x4)'s split by output channels allowed up to `tiles` tiles, from `pairs` channel pairs. */
function withColumnSplit<T>(tiles: number, pairs: number, fn: () => T): T {
  const saved = { ...winogradTuning };
  winogradTuning.columnSplitTiles = tiles;
  winogradTuning.columnSplitMinPairs = pairs;
  try { return fn(); } finally { Object.assign(winogradTuning, saved); }
}
// The kernel on every shape below (the defaults take it on the few they measured faster).
const everywhere = <T>(fn: () => T): T => withColumnSplit(16, 0, fn);

// [batch, h, w, C, F, padding]: the zoo's batch-1 maps (8x8, 11x11, 16x16), odd sizes (edge
// tiles), an output-channel count that leaves a short last slice (48: 32 + 16), batch 2.
const SHAPES: [number, number, number, number, number, 'same' | 'valid'][] = [
  [1, 8, 8, 64, 64, 'same'], [1, 8, 8, 64, 128, 'same'], [1, 8, 8, 128, 128, 'same'], [1, 11, 11, 32, 64, 'same'],
  [1, 16, 16, 32, 32, 'same'], [1, 16, 16, 16, 64, 'same'], [1, 7, 9, 16, 48, 'valid'], [1, 9, 6, 32, 32, 'valid'],
  [2, 6, 6, 32, 64, 'same'], [1, 4, 4, 64, 64, 'same'],
];

describe('F(4x4) split by output channels (few tiles, two threads)', () => {
  const one = backendWith(1), two = backendWith(2);
  before(async () => { await two.whenReady(); });

  it('equals one thread and the tile split bit for bit, and float64 within 1e-4 (bias, relu, relu6, residual)', (t) => {
    let worst = 0;
    for (const [n, h, w, c, f, padding] of SHAPES) {
      const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
      const info = dt.convInfo(x.shape, k.shape, { padding });
      const size = n * info.outH * info.outW * f, r = rand([size]);
      for (const [act, residual] of [[null, false], ['relu', false], ['relu6', false], ['relu', true], [null, true]] as const) {
        const run = (be: WasmBackend): Float32Array => {
          const out = new Float32Array(size);
          if (residual) be.conv2dResidual(x.data, k.data, b.data, r.data, out, info, act);
          else if (act) be.conv2dActivation(x.data, k.data, b.data, out, info, act);
          else be.conv2d(x.data, k.data, b.data, out, info);
          return out;
        };
        const what = `[${n}, ${h}, ${w}, ${c}] -> ${f} ${padding} ${act ?? 'linear'}${residual ? ' + residual' : ''}`;
        // The split the dispatch takes: by output channels, every thread given a slice.
        const jobs = everywhere(() => recordSplits(two, () => run(two))).flatMap((s) => s.jobs).filter((j) => j.kernel.startsWith('winograd4Conv'));
        assert.deepEqual(jobs.map((j) => j.kernel), ['winograd4ConvColumns'], `${what}: ${jobs.map((j) => j.kernel).join(', ')}`);
        assert.equal(threadsUsed(jobs[0]), 2, `${what}: both threads`);
        const columns = everywhere(() => run(two)), single = run(one), tiles = withColumnSplit(0, 0, () => run(two));
        assert.deepEqual(columns, single, `${what}: two threads by columns vs one`);
        assert.deepEqual(columns, tiles, `${what}: by columns vs by tiles`);
        const err = worstError(columns, exactConv(x, k, b, padding, act, residual ? r : undefined).data);
        assert.ok(err < 1e-4, `${what}: ${err} from float64`);
        worst = Math.max(worst, err);
      }
    }
    t.diagnostic(`worst error vs float64, relative to max(1, |y|): ${worst.toExponential(2)} (F(4x4)'s bound is 1e-4, README)`);
  });

  it('with the kernel transformed once (prepared weights, as a predict plan uses them)', () => {
    for (const [n, h, w, c, f, padding] of [[1, 8, 8, 64, 64, 'same'], [1, 11, 11, 32, 64, 'same'], [1, 7, 9, 16, 48, 'valid']] as const) {
      const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
      const info = dt.convInfo(x.shape, k.shape, { padding });
      const size = n * info.outH * info.outW * f;
      const outs = [one, two].map((be) => everywhere(() => {
        const form = be.preparedConvWeights('conv2dActivation', info);
        assert.equal(form?.form, 'winograd4', 'F(4x4) prepares its weights');
        const prepared = new Float32Array(form!.floats);
        be.prepareConvWeights(k.data, prepared, info, form!.form);
        const out = new Float32Array(size);
        be.conv2dActivation(x.data, k.data, b.data, out, info, 'relu', prepared, form!.form);
        return out;
      }));
      assert.deepEqual(outs[1], outs[0], `prepared [${n}, ${h}, ${w}, ${c}] -> ${f}: two threads vs one`);
      assert.ok(worstError(outs[0], exactConv(x, k, b, padding, 'relu').data) < 1e-4);
    }
  });

  it('by default: 4 tiles with 64 x 64 channel pairs or more (ResNet-20\'s and VGG\'s 8x8 maps), the tile split elsewhere', () => {
    const kernelOf = (h: number, c: number, f: number): string => {
      const x = rand([1, h, h, c]), k = rand([3, 3, c, f]);
      const info = dt.convInfo(x.shape, k.shape, { padding: 'same' });
      const jobs = recordSplits(two, () => two.conv2d(x.data, k.data, null, new Float32Array(h * h * f), info)).flatMap((s) => s.jobs);
      return jobs.map((j) => j.kernel).filter((k) => k.startsWith('winograd4Conv')).join();
    };
    for (const [h, c, f] of [[8, 128, 128], [8, 64, 128], [7, 128, 64], [8, 64, 64]]) assert.equal(kernelOf(h, c, f), 'winograd4ConvColumns', `${h}x${h} ${c}->${f}`);
    for (const [h, c, f] of [[8, 32, 64], [16, 64, 128], [32, 32, 32], [16, 16, 16]]) assert.equal(kernelOf(h, c, f), 'winograd4Conv', `${h}x${h} ${c}->${f}`);
  });
});

describe('F(4x4) with prepared weights from 32 input channels to 16-31 output channels (the seed model\'s 32 -> 16)', () => {
  // A seed-like pooled convolution and an odd one (valid padding, 13x11, 20 filters: not a multiple of 8).
  const models: [string, () => dt.models.Model, number[], string[]][] = [
    ['32 -> 16, 14x14, max-pooled', () => new dt.models.Sequential({ layers: [new dt.layers.Input({ shape: [14, 14, 32] }), new dt.layers.Conv2D({ filters: 16, kernelSize: 3, padding: 'same' }),
      new dt.layers.MaxPooling2D({ poolSize: 2 }), new dt.layers.Flatten(), new dt.layers.Dense({ units: 10 })] }), [1, 14, 14, 32], ['convPoolDirect', 'convPool']],
    ['40 -> 20, 13x11 valid, relu', () => new dt.models.Sequential({ layers: [new dt.layers.Input({ shape: [13, 11, 40] }), new dt.layers.Conv2D({ filters: 20, kernelSize: 3, activation: 'relu' }),
      new dt.layers.Flatten()] }), [1, 13, 11, 40], ['convDirect', 'convGemm']],
  ];
  const kernels = (model: dt.models.Model, x: dt.Tensor): string[] =>
    recordSplits(backend() as WasmBackend, () => model.predict(x)).flatMap((s) => s.jobs.map((j) => j.kernel)).filter((k) => k.startsWith('winograd4') || k.startsWith('conv'));

  it('a predict plan takes it (off: the direct kernel): 1 = 2 threads bit for bit, the reference backend within 1e-4', async () => {
    for (const [what, build, shape, direct] of models) {
      const x = rand(shape);
      dt.setRandomSeed(3);
      const reference = dt.withBackend('js', () => build().predict(x) as dt.Tensor);
      dt.setBackend('wasm');
      const outs: Float32Array[] = [];
      for (const threads of [1, 2]) {
        dt.setThreads(threads);
        await dt.ready();
        dt.setRandomSeed(3);
        const model = build();
        for (let i = 0; i < 2; i++) model.predict(x); // traced, then traced again to verify (the prologue transforms the kernel once)
        const ran = kernels(model, x);
        assert.deepEqual(ran, ['winograd4Conv'], `${what}, ${threads} thread(s): ${ran.join(', ')}`);
        outs.push(Float32Array.from((model.predict(x) as dt.Tensor).data));
      }
      assert.deepEqual(outs[1], outs[0], `${what}: two threads vs one`);
      const err = worstError(outs[0], reference.data);
      assert.ok(err < 1e-4, `${what}: ${err} from the reference backend`);
      const saved = preparedTuning.sixteenOutputChannels;
      preparedTuning.sixteenOutputChannels = false;
      try {
        dt.setRandomSeed(3);
        const model = build();
        for (let i = 0; i < 2; i++) model.predict(x);
        const ran = kernels(model, x);
        assert.ok(ran.length > 0 && ran.every((k) => direct.includes(k)), `${what}, off: ${ran.join(', ')}`);
        assert.ok(worstError((model.predict(x) as dt.Tensor).data, reference.data) < 1e-5, `${what}, off: the direct kernel`);
      } finally { preparedTuning.sixteenOutputChannels = saved; }
    }
    dt.setThreads(1);
  });
});

describe('Dense at batch 1 (gemmColumns): the leftover quads and tail columns side by side', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2);
  before(async () => { await two.whenReady(); });
  const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

  it('= gemm\'s one-row pass bit for bit (with and without bias), 1 = 2 threads, float64 within 3e-5', () => {
    let worst = 0;
    for (const n of [1, 2, 3, 4, 5, 7, 8, 10, 11, 13, 16, 19, 22, 31, 35, 64, 67]) {
      for (const [m, k] of [[1, 1600], [1, 7], [2, 784], [3, 64]]) {
        for (const withBias of [false, true]) {
          const a = floats(m * k), b = floats(k * n), bias = floats(n);
          const run = (be: WasmBackend, kernel: 'gemm' | 'gemmColumns', chunk?: number): Float32Array => {
            const mark = be.mem.mark(), pa = be.mem.reserve(a.byteLength), pb = be.mem.reserve(b.byteLength), pz = be.mem.reserve(bias.byteLength), pc = be.mem.reserve(m * n * 4);
            be.mem.f32(pa, a.length).set(a); be.mem.f32(pb, b.length).set(b); be.mem.f32(pz, n).set(bias);
            const quads = Math.ceil(n / 4);
            if (kernel === 'gemm') be.par('gemm', [pa, k, 1, pb, pc, m, k, n, withBias ? pz : 0], m, 4, m);
            else be.par('gemmColumns', [pa, k, 1, pb, pc, m, k, n, withBias ? pz : 0], quads, 1, chunk ?? quads);
            const out = be.mem.f32(pc, m * n).slice();
            be.mem.release(mark);
            return out;
          };
          const what = `${m}x${k} by ${k}x${n}${withBias ? ' + bias' : ''}`;
          const rows = run(one, 'gemm'), columns = run(one, 'gemmColumns');
          assert.ok(rows.every((v, i) => Object.is(v, columns[i])), `${what}: columns differ from gemm's rows`);
          // Two threads, the quads cut in ranges of 1 and 2 (each range's own leftovers and tail).
          for (const chunk of [1, 2]) {
            const split = run(two, 'gemmColumns', chunk);
            assert.ok(split.every((v, i) => Object.is(v, columns[i])), `${what}: two threads in quads of ${chunk} differ`);
          }
          const exact = Array.from({ length: m * n }, (_, e) => {
            const i = Math.floor(e / n), j = e % n;
            let s = withBias ? bias[j] : 0;
            for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
            return s;
          });
          worst = Math.max(worst, worstError(columns, exact));
        }
      }
    }
    // float32 sums of up to 1600 products in k's order (the order the rows kernel keeps): ~1.5e-5.
    assert.ok(worst < 3e-5, `worst error vs float64 ${worst}`);
  });
});

describe('predict after what its remembered step depends on changed', () => {
  // Dense layers' answer in float64 from their weights: the reference a stale plan would miss.
  function expected(model: dt.models.Model, x: dt.Tensor): number[] {
    let rows = Array.from({ length: x.shape[0] }, (_, i) => Array.from(x.data.subarray(i * x.shape[1], (i + 1) * x.shape[1]), Number));
    for (const layer of model.layers.filter((l) => l.className === 'Dense')) {
      const [w, b] = layer.getWeights(), [k, n] = w.shape;
      rows = rows.map((r) => Array.from({ length: n }, (_, j) => { let s = b.data[j]; for (let p = 0; p < k; p++) s += r[p] * w.data[p * n + j]; return s; }));
    }
    return rows.flat();
  }
  const close = (got: dt.Tensor, want: number[], what: string): void => {
    assert.equal(got.size, want.length, `${what}: ${got.size} values, expected ${want.length}`);
    assert.ok(worstError(got.data, want) < 1e-5, `${what}: ${worstError(got.data, want)} from the float64 answer`);
  };

  it('input shape, dtype, backend, weights and the layers themselves', () => {
    dt.setBackend('wasm');
    dt.setRandomSeed(7);
    const model = new dt.models.Sequential({ layers: [new dt.layers.Input({ shape: [5] }), new dt.layers.Dense({ units: 3 })] });
    const x1 = rand([1, 5]), x3 = rand([3, 5]), y1 = rand([1, 5]);
    for (let i = 0; i < 3; i++) close(model.predict(x1) as dt.Tensor, expected(model, x1), 'batch 1');
    close(model.predict(x3) as dt.Tensor, expected(model, x3), 'batch 3 after batch 1');
    close(model.predict(y1) as dt.Tensor, expected(model, y1), 'batch 1 again, other values');
    // A shape the model rejects is rejected after accepted ones too (checkInputShapes remembers the last).
    assert.ok(model.isFunctional, 'the shape check under test is the graph models\' one');
    // (The up-front check's words, [null, 6]; past it, the trace would refuse it as [1, 6].)
    assert.throws(() => model.predict(rand([1, 6])), /expected shape=\[null, 5\], found shape=\[null, 6\]/, 'a wrong feature count after accepted shapes');
    close(model.predict(y1) as dt.Tensor, expected(model, y1), 'after a rejected shape');
    close(model.predict(y1.cast('float64')) as dt.Tensor, expected(model, y1), 'float64 input');
    dt.withBackend('js', () => close(model.predict(x1) as dt.Tensor, expected(model, x1), 'on the js backend'));
    close(model.predict(x1) as dt.Tensor, expected(model, x1), 'back on wasm');
    model.layers[model.layers.length - 1].setWeights([rand([5, 3]), rand([3])]);
    close(model.predict(x1) as dt.Tensor, expected(model, x1), 'after setWeights');
    model.add(new dt.layers.Dense({ units: 2 }));
    close(model.predict(x1) as dt.Tensor, expected(model, x1), 'after a layer was added');
    model.pop();
    close(model.predict(x1) as dt.Tensor, expected(model, x1), 'after it was removed');
  });
});

describe('global average pooling\'s sum at batch 1 (columnSums)', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2);
  before(async () => { await two.whenReady(); });

  it('stays on the calling thread below two minimum chunks (1 = 2 threads bitwise), splits above; float64 within 1e-5', () => {
    for (const [rows, C, split] of [[64, 64, false], [16, 512, false], [1024, 64, true], [33, 1000, true]] as const) {
      const x = rand([rows, C]);
      const run = (be: WasmBackend): Float32Array => { const out = new Float32Array(C); be.reduce('sum', x.data, out, 1, rows, C); return out; };
      const jobs = recordSplits(two, () => run(two)).flatMap((s) => s.jobs).filter((j) => j.kernel === 'columnSums');
      assert.equal(jobs.length, 1);
      assert.equal(threadsUsed(jobs[0]), split ? 2 : 1, `${rows} x ${C}`);
      const a = run(one), b = run(two);
      // Split, its per-chunk float64 partials are grouped by the thread count (as before).
      if (!split) assert.deepEqual(b, a, `${rows} x ${C}: two threads vs one`);
      assert.ok(worstError(b, a) < 1e-6, `${rows} x ${C}: two threads vs one`);
      const exact = Array.from({ length: C }, (_, c) => { let s = 0; for (let r = 0; r < rows; r++) s += x.data[r * C + c]; return s; });
      assert.ok(worstError(a, exact) < 1e-5, `${rows} x ${C}: ${worstError(a, exact)}`);
    }
  });
});
