// The same ops on the js (reference) and wasm backends: results within 1e-5 relative.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';

const rng = new Random(5);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');

/** A started wasm backend on `threads` threads (workers up), and the reference to compare with. */
async function startedBackends(threads = 2): Promise<{ wasm: WasmBackend; js: JsBackend }> {
  const wasm = new WasmBackend(threads);
  await wasm.whenReady();
  return { wasm, js: new JsBackend() };
}

function assertSame(a: dt.Tensor, b: dt.Tensor, what: string, tolerance = 1e-5): void {
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < a.size; i++) {
    const err = Math.abs(a.data[i] - b.data[i]) / Math.max(1, Math.abs(a.data[i]));
    assert.ok(err < tolerance, `${what}: element ${i}: js ${a.data[i]} vs wasm ${b.data[i]}`);
  }
}

/** Runs f (value and gradients with respect to xs) on both backends and compares everything. */
function conform(what: string, f: (...xs: dt.Tensor[]) => dt.Tensor, xs: dt.Tensor[]): void {
  const r = rand(f(...xs).shape, 0.5, 1.5);
  const run = () => {
    const { value, grads } = dt.valueAndGrads(() => f(...xs).mul(r).sum(), xs);
    return [f(...xs), value, ...grads];
  };
  const onJs = dt.withBackend('js', run);
  const onWasm = dt.withBackend('wasm', run);
  onJs.forEach((t, i) => assertSame(t, onWasm[i], `${what} [${i === 0 ? 'value' : i === 1 ? 'sum' : `grad ${i - 2}`}]`));
}

describe('wasm backend conforms to the js reference', () => {
  it('conv2d: kernel sizes, strides, paddings, channel counts', () => {
    for (const [x, w, strides, padding] of [
      [[2, 9, 8, 1], [3, 3, 1, 32], 1, 'same'], [[2, 7, 7, 32], [3, 3, 32, 16], 1, 'same'],
      [[1, 9, 9, 3], [2, 2, 3, 5], 2, 'valid'], [[1, 8, 8, 12], [5, 4, 12, 9], 2, 'same'],
      [[3, 5, 6, 8], [1, 1, 8, 20], 1, 'valid'], [[1, 6, 6, 4], [4, 4, 4, 6], 1, 'same'],
      // The direct kernels (inC >= 8): strides, uneven kernels, rows of fewer than four pixels.
      [[2, 9, 10, 8], [3, 3, 8, 16], 2, 'valid'], [[1, 10, 9, 16], [2, 3, 16, 8], 2, 'same'], [[2, 5, 5, 8], [3, 3, 8, 8], 2, 'valid'],
    ] as const) {
      // The first conv of a net also needs dx (its input is watched here).
      conform(`conv2d ${x} * ${w} s${strides} ${padding}`, (a, b) => dt.conv2d(a, b, { strides, padding }), [rand([...x]), rand([...w])]);
      conform(`conv2d+bias ${x} * ${w} s${strides} ${padding}`, (a, b, c) => dt.conv2d(a, b, { strides, padding, bias: c }), [rand([...x]), rand([...w]), rand([w[3]])]);
    }
  });
  it('matMul with every transpose and a batch', () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      conform(`matMul ${tA} ${tB}`, (a, b) => dt.matMul(a, b, { transposeA: tA, transposeB: tB }),
        [rand(tA ? [13, 7] : [7, 13]), rand(tB ? [11, 13] : [13, 11])]);
    }
    conform('matMul batched', (a, b) => dt.matMul(a, b), [rand([3, 5, 9]), rand([3, 9, 6])]);
  });
  it('maxPool2d, bias add and its gradient, softmax cross-entropy', () => {
    conform('maxPool 2', (x) => dt.maxPool2d(x, 2), [rand([2, 8, 8, 12])]);
    conform('maxPool 3 s2 same', (x) => dt.maxPool2d(x, 3, { strides: 2, padding: 'same' }), [rand([2, 7, 7, 6])]);
    conform('bias add', (x, b) => x.add(b), [rand([4, 5, 5, 16]), rand([16])]);
    conform('bias add, odd channels', (x, b) => x.add(b), [rand([6, 7]), rand([7])]);
    const labels = dt.tensor([1, 0, 9, 3], null, 'int32');
    conform('sparse softmax cross-entropy', (z) => dt.sparseSoftmaxCrossEntropy(z, labels), [rand([4, 10], -3, 3)]);
  });
});

describe('fused kernels', () => {
  it('conv2dMaxPool equals conv2d then maxPool2d, on both backends', async () => {
    const { convInfo, poolInfo } = await import('../src/ops/conv.ts');
    const { wasm, js } = await startedBackends();
    for (const [xs, ws, padding] of [[[3, 8, 6, 1], [3, 3, 1, 8], 'same'], [[2, 10, 8, 1], [3, 3, 1, 4], 'valid'], [[2, 6, 6, 12], [3, 3, 12, 16], 'same'], [[1, 7, 7, 2], [2, 2, 2, 4], 'valid'], [[1, 6, 6, 3], [3, 3, 3, 6], 'same']] as const) {
      const x = rand([...xs]), w = rand([...ws]), b = rand([ws[3]]);
      const ci = convInfo(x.shape, w.shape, 1, padding);
      const pi = poolInfo([ci.batch, ci.outH, ci.outW, ci.outC], 2, 2, 'valid');
      const y = new Float32Array(ci.batch * ci.outH * ci.outW * ci.outC);
      const pooled = new Float32Array(pi.batch * pi.outH * pi.outW * pi.channels), arg = new Int32Array(pooled.length);
      js.conv2d(x.data, w.data, b.data, y, ci);
      js.maxPool2d(y, pooled, arg, pi);
      for (const be of [js, wasm]) {
        const p2 = new Float32Array(pooled.length), a2 = new Int32Array(pooled.length);
        be.conv2dMaxPool(x.data, w.data, b.data, p2, a2, ci, pi);
        assertSame(dt.tensor(p2, [p2.length]), dt.tensor(pooled, [pooled.length]), `${be.name} pooled ${xs} ${ws}`);
        assert.deepEqual(Array.from(a2), Array.from(arg), `${be.name} argmax ${xs} ${ws}`);
      }
    }
  });
});

describe('wasm element-wise kernels', () => {
  // Arrays placed in wasm memory (as a plan's are), so the SIMD kernels run whatever the size.
  const setup = async () => {
    const { wasm, js } = await startedBackends();
    const inWasm = (values: ArrayLike<number>): Float32Array => { const a = wasm.mem.f32(wasm.mem.reserve(values.length * 4), values.length); a.set(values); return a; };
    return { wasm, js, inWasm };
  };
  const SPECIAL = [0, -0, 1e-8, -1e-8, 1e-3, 0.29, 0.3, 0.31, -0.3, 1, -1, 5, -5, 20, -20, 88, 88.7, 89, -87, -87.5, -90, -100, -103, -104, 120, -120, NaN, Infinity, -Infinity];
  // Relative error, with values below 1e-30 (float32's subnormals) compared absolutely.
  const close = (a: number, b: number, tol: number): boolean =>
    (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-30);

  it('unary ops, from special values to long arrays (odd lengths for the scalar tail)', async () => {
    const { wasm, js, inWasm } = await setup();
    const values = [...SPECIAL, ...Array.from({ length: 5003 }, () => rng.uniform(-30, 30))];
    for (const op of ['neg', 'abs', 'exp', 'sqrt', 'square', 'reciprocal', 'relu', 'sigmoid', 'tanh', 'step'] as const) {
      const x = inWasm(values), ours = inWasm(new Float32Array(values.length)), ref = new Float32Array(values.length);
      wasm.unary(op, x, ours);
      js.unary(op, Float32Array.from(values), ref);
      for (let i = 0; i < values.length; i++) assert.ok(close(ours[i], ref[i], 2e-6), `${op}(${x[i]}): wasm ${ours[i]} vs js ${ref[i]}`);
    }
  });

  it('binary ops on same-shape operands and with a single value on either side', async () => {
    const { wasm, js, inWasm } = await setup();
    const n = 4099, a = Array.from({ length: n }, () => rng.uniform(-3, 3)), b = Array.from({ length: n }, () => rng.uniform(0.5, 3));
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
      for (const [bv, bStrides] of [[b, [1]], [[1.5], [0]]] as const) {
        for (const swap of [false, true]) {
          const [x, y, xs, ys] = swap ? [bv, a, bStrides, [1]] : [a, bv, [1], bStrides];
          const ours = inWasm(new Float32Array(n)), ref = new Float32Array(n);
          wasm.binary(op, inWasm(x), [...xs], inWasm(y), [...ys], ours, [n]);
          js.binary(op, Float32Array.from(x), [...xs], Float32Array.from(y), [...ys], ref, [n]);
          for (let i = 0; i < n; i++) assert.ok(close(ours[i], ref[i], 1e-6), `${op} ${swap} ${bStrides}: element ${i}: wasm ${ours[i]} vs js ${ref[i]}`);
        }
      }
    }
  });

  it('softmax, log-softmax and softmax cross-entropy with its gradient (rows of 10 and of 37)', async () => {
    const { wasm, js, inWasm } = await setup();
    for (const [rows, cols] of [[32, 10], [5, 37]]) {
      const logits = Array.from({ length: rows * cols }, () => rng.uniform(-20, 20));
      logits[3] = 95; logits[4] = -95; // far apart: exp underflows, the loss must not
      const labels = Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols);
      const dy = Array.from({ length: rows }, () => rng.uniform(0, 1));
      for (const kernel of ['softmax', 'logSoftmax'] as const) {
        const ours = inWasm(new Float32Array(rows * cols)), ref = new Float32Array(rows * cols);
        wasm[kernel](inWasm(logits), ours, rows, cols);
        js[kernel](Float32Array.from(logits), ref, rows, cols);
        // log(sum) of float32 terms carries ~1e-7 of absolute error (js sums in double).
        ref.forEach((v, i) => assert.ok(close(ours[i], v, 2e-6) || Math.abs(ours[i] - v) < 5e-7, `${kernel} ${rows}x${cols} [${i}]: wasm ${ours[i]} vs js ${v}`));
      }
      const wl = wasm.mem.i32(wasm.mem.reserve(rows * 4), rows); wl.set(labels);
      const [loss, probs, rl, rp] = [inWasm(new Float32Array(rows)), inWasm(new Float32Array(rows * cols)), new Float32Array(rows), new Float32Array(rows * cols)];
      wasm.sparseSoftmaxCrossEntropy(inWasm(logits), wl, loss, probs, rows, cols);
      js.sparseSoftmaxCrossEntropy(Float32Array.from(logits), labels, rl, rp, rows, cols);
      rl.forEach((v, i) => assert.ok(close(loss[i], v, 2e-6) || Math.abs(loss[i] - v) < 5e-7, `loss ${i}: wasm ${loss[i]} vs js ${v}`));
      const [dl, rdl] = [inWasm(new Float32Array(rows * cols)), new Float32Array(rows * cols)];
      wasm.sparseSoftmaxCrossEntropyGrad(probs, wl, inWasm(dy), dl, rows, cols);
      js.sparseSoftmaxCrossEntropyGrad(rp, labels, Float32Array.from(dy), rdl, rows, cols);
      rdl.forEach((v, i) => assert.ok(Math.abs(dl[i] - v) < 1e-6, `grad ${i}: wasm ${dl[i]} vs js ${v}`));
    }
  });

  it('SGD (plain, momentum, Nesterov) and RMSprop (with and without momentum) updates', async () => {
    const { wasm, js, inWasm } = await setup();
    const n = 1027, w0 = Array.from({ length: n }, () => rng.uniform(-1, 1)), g = Array.from({ length: n }, () => rng.uniform(-1, 1));
    const slot0 = Array.from({ length: n }, () => rng.uniform(0, 0.1));
    for (const [name, step] of [
      ['sgd', (b: typeof js, w: Float32Array, s: Float32Array | null) => b.sgd(w, Float32Array.from(g), s, 0.1, 0, false)],
      ['sgd momentum', (b: typeof js, w: Float32Array, s: Float32Array | null) => b.sgd(w, Float32Array.from(g), s, 0.1, 0.9, false)],
      ['sgd nesterov', (b: typeof js, w: Float32Array, s: Float32Array | null) => b.sgd(w, Float32Array.from(g), s, 0.1, 0.9, true)],
      ['rmsprop', (b: typeof js, w: Float32Array, s: Float32Array | null) => b.rmsprop(w, Float32Array.from(g), s!, null, 0.01, 0.9, 0, 1e-7)],
      ['rmsprop momentum', (b: typeof js, w: Float32Array, s: Float32Array | null, m?: Float32Array) => b.rmsprop(w, Float32Array.from(g), s!, m!, 0.01, 0.9, 0.5, 1e-7)],
    ] as const) {
      const plain = name === 'sgd';
      const [wo, so, mo] = [inWasm(w0), plain ? null : inWasm(slot0), inWasm(slot0)];
      const [wr, sr, mr] = [Float32Array.from(w0), plain ? null : Float32Array.from(slot0), Float32Array.from(slot0)];
      for (let t = 0; t < 3; t++) { step(wasm, wo, so, mo); step(js, wr, sr, mr); }
      wr.forEach((v, i) => assert.ok(Math.abs(wo[i] - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${name} w[${i}]: wasm ${wo[i]} vs js ${v}`));
      sr?.forEach((v, i) => assert.ok(Math.abs(so![i] - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${name} slot[${i}]`));
    }
  });
});

describe('fallback builds', () => {
  // The default is shared memory with relaxed SIMD; the other three builds, each in a child
  // process whose runtime lacks SharedArrayBuffer, relaxed SIMD, or both.
  for (const [env, shared, relaxed] of [[{ DEEPTYPE_NO_SAB: '1' }, false, true], [{ DEEPTYPE_RELAXED_SIMD: '0' }, true, false],
    [{ DEEPTYPE_NO_SAB: '1', DEEPTYPE_RELAXED_SIMD: '0' }, false, false]] as const) {
    it(`${shared ? 'shared' : 'plain'} memory, ${relaxed ? 'relaxed SIMD' : 'multiply then add'}: training steps match the reference`, async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/helpers/fallback-build.ts'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { shared: boolean; relaxed: boolean; threads: number; wasm: number[]; js: number[] };
      assert.equal(r.shared, shared);
      assert.equal(r.relaxed, relaxed);
      if (!shared) assert.equal(r.threads, 1, 'without shared memory the pool is the calling thread alone');
      r.js.forEach((l, i) => assert.ok(Math.abs(l - r.wasm[i]) <= 1e-5 * Math.abs(l), `step ${i}: js ${l} vs wasm ${r.wasm[i]}`));
    });
  }
});

describe('thread pool', () => {
  it('a kernel that traps raises an error (on whichever thread), and the pool keeps working', async () => {
    const { wasm, js } = await startedBackends();
    // Rows of a bias add whose addresses run past the end of the wasm memory.
    const par = (wasm as unknown as { par(name: string, args: number[], total: number): void }).par.bind(wasm);
    const past = wasm.mem.memory.buffer.byteLength - 64 * 1024;
    for (let i = 0; i < 5; i++) assert.throws(() => par('addRow', [past, past, past, 1024], 64), /out of bounds|failed on a worker/);
    const a = rand([37, 19]), b = rand([19, 11]);
    const [ours, ref] = [new Float32Array(37 * 11), new Float32Array(37 * 11)];
    wasm.matMul(a.data, b.data, ours, 1, 37, 19, 11, false, false);
    js.matMul(a.data, b.data, ref, 1, 37, 19, 11, false, false);
    assertSame(dt.tensor(ours, [ours.length]), dt.tensor(ref, [ref.length]), 'matMul after failed jobs');
  });
});

describe('more threads than cores', () => {
  it('(threads that block instead of spinning) compute the same', async () => {
    const { convInfo } = await import('../src/ops/conv.ts');
    const { availableParallelism } = await import('node:os');
    const { wasm, js } = await startedBackends(availableParallelism() + 2);
    const x = rand([8, 9, 9, 16]), w = rand([3, 3, 16, 8]), info = convInfo(x.shape, w.shape, 1, 'same');
    for (let round = 0; round < 20; round++) {
      const [ours, ref] = [new Float32Array(8 * 81 * 8), new Float32Array(8 * 81 * 8)];
      wasm.conv2d(x.data, w.data, null, ours, info);
      js.conv2d(x.data, w.data, null, ref, info);
      assertSame(dt.tensor(ours, [ours.length]), dt.tensor(ref, [ref.length]), `round ${round}`);
    }
  });
});

describe('async start', () => {
  it('WasmBackend.create() compiles asynchronously (as a browser main thread needs) and computes the same', async () => {
    const wasm = await WasmBackend.create(1);
    const a = rand([7, 13]), b = rand([13, 5]);
    const [ours, ref] = [new Float32Array(35), new Float32Array(35)];
    wasm.matMul(a.data, b.data, ours, 1, 7, 13, 5, false, false);
    new JsBackend().matMul(a.data, b.data, ref, 1, 7, 13, 5, false, false);
    assertSame(dt.tensor(ours, [35]), dt.tensor(ref, [35]), 'matMul after async compile');
  });
});

describe('fused gradient kernels', () => {
  it('conv2dBackpropFilterPooled equals maxPool2dBackward then conv2dBackpropFilter', async () => {
    const { convInfo, poolInfo } = await import('../src/ops/conv.ts');
    const { wasm, js } = await startedBackends();
    for (const [xs, ws] of [[[3, 8, 6, 1], [3, 3, 1, 8]], [[2, 6, 6, 4], [3, 3, 4, 8]]] as const) {
      const x = rand([...xs]), w = rand([...ws]);
      const ci = convInfo(x.shape, w.shape, 1, 'same');
      const pi = poolInfo([ci.batch, ci.outH, ci.outW, ci.outC], 2, 2, 'valid');
      const y = new Float32Array(ci.batch * ci.outH * ci.outW * ci.outC), pooled = new Float32Array(y.length / 4), arg = new Int32Array(y.length / 4);
      js.conv2d(x.data, w.data, null, y, ci);
      js.maxPool2d(y, pooled, arg, pi);
      const dyPool = rand([pooled.length]), dy = new Float32Array(y.length), expected = new Float32Array(w.size);
      js.maxPool2dBackward(dyPool.data, arg, dy, pi);
      js.conv2dBackpropFilter(x.data, dy, expected, ci);
      for (const be of [js, wasm]) {
        const dw = new Float32Array(w.size);
        be.conv2dBackpropFilterPooled(x.data, dyPool.data, arg, dw, ci, pi);
        assertSame(dt.tensor(dw, [dw.length]), dt.tensor(expected, [expected.length]), `${be.name} ${xs} ${ws}`);
      }
    }
  });
});

describe('compiled training steps', () => {
  for (const backend of ['js', 'wasm']) {
    it(`give the same steps as op-by-op ones (${backend})`, async () => {
      dt.setBackend(backend);
      const { seedModel } = await import('../examples/seed-model.ts');
      const x = rand([48, 28, 28], 0, 1), y = dt.tensor(Array.from({ length: 48 }, (_, i) => i % 10), null, 'int32');
      const make = (runEagerly: boolean) => {
        dt.setRandomSeed(8);
        const model = seedModel();
        model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new dt.optimizers.SGD({ learningRate: 0.05 }), metrics: ['acc'], runEagerly });
        return model;
      };
      const eager = make(true), planned = make(false);
      // Step by step from the same weights: each step of the planned model (the plan is traced
      // at the first and replayed after) must match the op-by-op step. Whole runs are not
      // compared: a max-pooling near-tie that rounding flips sends the two apart for good.
      // The fused kernels add the first layer's gradients in another order (per pooling
      // window): float32 sums over 16 x 784 pixels with much cancellation, ~2e-5 relative apart.
      for (let step = 0; step < 6; step++) {
        planned.setWeights(eager.getWeights());
        const [xb, yb] = [x.index([(step % 3) * 16, (step % 3) * 16 + 16]), y.index([(step % 3) * 16, (step % 3) * 16 + 16])];
        const le = eager.trainStep(xb, yb).loss, lp = planned.trainStep(xb, yb).loss;
        assert.ok(Math.abs(le - lp) <= 1e-5 * Math.max(1, Math.abs(le)), `step ${step} loss: ${le} vs ${lp}`);
        eager.getWeights().forEach((w, i) => assertSame(w, planned.getWeights()[i], `step ${step}, weight ${i}`, 1e-5));
      }
      planned.setWeights(eager.getWeights());
      const [ee, pe] = [eager.evaluate(x, y, { verbose: 0 }), planned.evaluate(x, y, { verbose: 0 })];
      ee.forEach((v, i) => assert.ok(Math.abs(v - pe[i]) <= 1e-5 * Math.max(1, Math.abs(v)), `evaluate[${i}]: ${v} vs ${pe[i]}`));
      dt.setBackend('js');
    });
  }
  it('allocate nothing once compiled', async () => {
    const { withAllocator } = await import('../src/core/engine.ts');
    const { allocArray } = await import('../src/core/dtype.ts');
    dt.setBackend('wasm');
    const model = new dt.models.Sequential([new dt.layers.Input({ shape: [6, 6, 2] }), new dt.layers.Conv2D({ filters: 4, kernelSize: 3 }),
      new dt.layers.Flatten(), new dt.layers.Dense({ units: 3, activation: 'softmax' })]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const x = rand([8, 6, 6, 2]), y = dt.tensor([0, 1, 2, 0, 1, 2, 0, 1], null, 'int32');
    model.trainStep(x, y); // traces
    let allocations = 0;
    withAllocator((d, n) => { allocations++; return allocArray(d, n); }, () => { for (let i = 0; i < 5; i++) model.trainStep(x, y); });
    assert.equal(allocations, 0);
    dt.setBackend('js');
  });
});
