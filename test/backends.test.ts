// The same ops on the js (reference) and wasm backends: results within 1e-5 relative.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(5);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');

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
    const { JsBackend } = await import('../src/backends/js/index.ts');
    const { WasmBackend } = await import('../src/backends/wasm/index.ts');
    const wasm = new WasmBackend(2);
    await wasm.whenReady();
    for (const [xs, ws, padding] of [[[3, 8, 6, 1], [3, 3, 1, 8], 'same'], [[2, 10, 8, 1], [3, 3, 1, 4], 'valid'], [[2, 6, 6, 12], [3, 3, 12, 16], 'same'], [[1, 7, 7, 2], [2, 2, 2, 4], 'valid'], [[1, 6, 6, 3], [3, 3, 3, 6], 'same']] as const) {
      const x = rand([...xs]), w = rand([...ws]), b = rand([ws[3]]);
      const ci = convInfo(x.shape, w.shape, 1, padding);
      const pi = poolInfo([ci.batch, ci.outH, ci.outW, ci.outC], 2, 2, 'valid');
      const y = new Float32Array(ci.batch * ci.outH * ci.outW * ci.outC);
      const pooled = new Float32Array(pi.batch * pi.outH * pi.outW * pi.channels), arg = new Int32Array(pooled.length);
      const js = new JsBackend();
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

describe('thread pool', () => {
  it('a kernel that traps raises an error (on whichever thread), and the pool keeps working', async () => {
    const { WasmBackend } = await import('../src/backends/wasm/index.ts');
    const { JsBackend } = await import('../src/backends/js/index.ts');
    const wasm = new WasmBackend(2);
    await wasm.whenReady();
    // Rows of a bias add whose addresses run past the end of the wasm memory.
    const par = (wasm as unknown as { par(name: string, args: number[], total: number): void }).par.bind(wasm);
    const past = wasm.mem.memory.buffer.byteLength - 64 * 1024;
    for (let i = 0; i < 5; i++) assert.throws(() => par('addRow', [past, past, past, 1024], 64), /out of bounds|failed on a worker/);
    const a = rand([37, 19]), b = rand([19, 11]);
    const [ours, ref] = [new Float32Array(37 * 11), new Float32Array(37 * 11)];
    wasm.matMul(a.data, b.data, ours, 1, 37, 19, 11, false, false);
    new JsBackend().matMul(a.data, b.data, ref, 1, 37, 19, 11, false, false);
    assertSame(dt.tensor(ours, [ours.length]), dt.tensor(ref, [ref.length]), 'matMul after failed jobs');
  });
});

describe('async start', () => {
  it('WasmBackend.create() compiles asynchronously (as a browser main thread needs) and computes the same', async () => {
    const { WasmBackend } = await import('../src/backends/wasm/index.ts');
    const { JsBackend } = await import('../src/backends/js/index.ts');
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
    const { JsBackend } = await import('../src/backends/js/index.ts');
    const { WasmBackend } = await import('../src/backends/wasm/index.ts');
    const wasm = new WasmBackend(2);
    await wasm.whenReady();
    for (const [xs, ws] of [[[3, 8, 6, 1], [3, 3, 1, 8]], [[2, 6, 6, 4], [3, 3, 4, 8]]] as const) {
      const x = rand([...xs]), w = rand([...ws]);
      const ci = convInfo(x.shape, w.shape, 1, 'same');
      const pi = poolInfo([ci.batch, ci.outH, ci.outW, ci.outC], 2, 2, 'valid');
      const js = new JsBackend();
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
