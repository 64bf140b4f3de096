// Batch-1 latency work of issue #15: inference BatchNormalization's factors in one kernel call
// (bnInferenceFactors, the plan rewrite compile/fusions-bn-factors.ts) instead of five
// element-wise calls. The kernel against those five calls on both backends (bit for bit: same
// float32 steps), in float32 and float64, broadcast and per-channel gamma / beta; the rewrite
// on recorded call lists (fused only where the chain's intermediates have no other reader);
// compiled predicts of models with BatchNormalization after convolutions, Dense layers and
// inputs against the same models run eagerly, before and after a fit.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { Backend } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { bnFactorsChain } from '../src/compile/fusions-bn-factors.ts';
import type { Call } from '../src/compile/fusion-tools.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(29);
type T = SymbolicTensor;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** The five calls BatchNormalization's inference branch makes (layers/normalization.ts), as a plan records them. */
function unfused(be: Backend, v: Float32Array | Float64Array, eps: Float32Array | Float64Array, g: Float32Array | Float64Array, m: Float32Array | Float64Array, b: Float32Array | Float64Array,
  tmp: (Float32Array | Float64Array)[], scale: Float32Array | Float64Array, shift: Float32Array | Float64Array, C: number): void {
  const strides = (a: { length: number }): number[] => [a.length === 1 && C > 1 ? 0 : 1];
  const [sum, root, product] = tmp;
  be.binary('add', v, [1], eps, strides(eps), sum, [C]);
  be.unary('sqrt', sum, root);
  be.binary('div', g, strides(g), root, [1], scale, [C]);
  be.binary('mul', m, [1], scale, [1], product, [C]);
  be.binary('sub', b, strides(b), product, [1], shift, [C]);
}

describe('bnInferenceFactors: inference BatchNormalization factors in one call', () => {
  const wasm = [new WasmBackend(1), new WasmBackend(2)];
  before(async () => { await wasm[1].whenReady(); });

  it('equals the five unfused calls bit for bit (js float32 / float64, wasm on 1 and 2 threads, in and outside its memory), broadcast and per-channel gamma and beta', () => {
    let cases = 0;
    for (const C of [1, 3, 8, 13, 512]) {
      for (const [perChannel, epsilon] of [[true, 1e-3], [false, 1e-7], [true, 0]] as const) {
        const values = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
        // Variances from 0 (a dead channel) to large; gamma of either sign.
        const v = values(C, 0, 4).map((x, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 1e-9 : x)), m = values(C, -3, 3);
        const g = perChannel ? values(C, -2, 2) : [1], b = perChannel ? values(C, -1, 1) : [0];
        for (const be of [new JsBackend(), ...wasm]) {
          // On wasm: float32 in its memory (a plan's buffers: the kernel in place) and outside it (copied in and out).
          const kinds = (be instanceof WasmBackend ? [[Float32Array, true], [Float32Array, false]] : [[Float32Array, false], [Float64Array, false]]) as [Ctor, boolean][];
          for (const [type, inWasm] of kinds) {
            // NaN-filled outputs, so that an unwritten value fails.
            const make = (src: number[] | number): Float32Array | Float64Array => {
              const n = typeof src === 'number' ? src : src.length;
              const a = inWasm && be instanceof WasmBackend ? be.mem.f32(be.mem.reserve(n * 4), n) : new type(n);
              if (typeof src === 'number') a.fill(NaN); else a.set(src);
              return a;
            };
            const mark = be instanceof WasmBackend ? be.mem.mark() : 0;
            const [V, E, G, M, B] = [v, [epsilon], g, m, b].map(make);
            const want = [make(C), make(C)], got = [make(C), make(C)];
            unfused(be, V, E, G, M, B, [make(C), make(C), make(C)], want[0], want[1], C);
            be.bnInferenceFactors(V, E, G, M, B, got[0], got[1], C);
            const what = `C ${C}, ${perChannel ? 'per-channel' : 'broadcast'} gamma/beta, epsilon ${epsilon}, ${be.name} ${type.name}${inWasm ? ' in wasm memory' : ''} ${be instanceof WasmBackend ? be.threads : 1} thread(s)`;
            assert.deepEqual(Array.from(got[0]), Array.from(want[0]), `scale, ${what}`);
            assert.deepEqual(Array.from(got[1]), Array.from(want[1]), `shift, ${what}`);
            assert.ok(got[0].every((x) => Number.isFinite(x) || epsilon === 0), `scale finite, ${what}`);
            if (be instanceof WasmBackend) be.mem.release(mark);
            cases++;
          }
        }
      }
    }
    assert.equal(cases, 5 * 3 * 6);
  });

  it('the rewrite fuses the chain as recorded, and leaves it when an intermediate has another reader or the shapes differ', () => {
    const C = 6, f = (n = C): Float32Array => new Float32Array(n);
    const chain = (): { calls: Call[]; arrays: Float32Array[] } => {
      const [v, eps, g, m, b, sum, root, scale, product, shift] = [f(), f(1), f(), f(), f(1), f(), f(), f(), f(), f()];
      return {
        arrays: [v, eps, g, m, b, sum, root, scale, product, shift],
        calls: [
          { kernel: 'binary', args: ['add', v, [1], eps, [0], sum, [C]] }, { kernel: 'unary', args: ['sqrt', sum, root] },
          { kernel: 'binary', args: ['div', g, [1], root, [1], scale, [C]] }, { kernel: 'binary', args: ['mul', m, [1], scale, [1], product, [C]] },
          { kernel: 'binary', args: ['sub', b, [0], product, [1], shift, [C]] },
          { kernel: 'channelAffine', args: [f(4 * C), scale, shift, f(4 * C), 4, C] },
        ],
      };
    };
    const { calls, arrays: [v, eps, g, m, b, , , scale, , shift] } = chain();
    const fused = bnFactorsChain.rewrite(calls, new Set());
    assert.deepEqual(fused.map((c) => c.kernel), ['bnInferenceFactors', 'channelAffine']);
    assert.deepEqual(fused[0].args, [v, eps, g, m, b, scale, shift, C]);
    // The root read again later (a gradient would): not fused.
    const read = chain();
    read.calls.push({ kernel: 'unary', args: ['neg', read.arrays[6], f()] });
    assert.equal(bnFactorsChain.rewrite(read.calls, new Set()).length, read.calls.length);
    // The root a result of the step: not fused.
    const kept = chain();
    assert.equal(bnFactorsChain.rewrite(kept.calls, new Set([kept.arrays[6]])).length, kept.calls.length);
    // A broadcast variance (not one per channel): not this chain.
    const other = chain();
    other.calls[0] = { kernel: 'binary', args: ['add', f(1), [0], other.arrays[1], [0], other.arrays[5], [C]] };
    assert.equal(bnFactorsChain.rewrite(other.calls, new Set()).length, other.calls.length);
  });
});

/** Max |a - b| / max(1, |b|) below tol. */
function assertClose(actual: dt.Tensor, expected: dt.Tensor, tol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let worst = 0;
  for (let i = 0; i < actual.size; i++) {
    const err = Math.abs(actual.data[i] - expected.data[i]) / Math.max(1, Math.abs(expected.data[i]));
    worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
  }
  assert.ok(worst < tol, `${what}: relative difference ${worst}`);
}

/** The kernels of a model's compiled predict plans. */
function planKernels(m: models.Model): string[] {
  const plans = (m as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
  return [...plans.values()].flatMap((p) => p.calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : '')));
}

/** Random gamma, beta, moving statistics (positive variances) for every BatchNormalization. */
function randomizeBatchNorms(m: models.Model): void {
  for (const l of m.layers) {
    if (l.className !== 'BatchNormalization') continue;
    l.setWeights(l.getWeights().map((w, i, all) => {
      const positive = i === all.length - 1; // moving_variance comes last
      return dt.tensor(Float32Array.from({ length: w.size }, () => (positive ? 0.2 + 2 * rng.uniform() : 2 * rng.uniform() - 1)), w.shape);
    }));
  }
}

describe('compiled predicts with bnInferenceFactors equal the eager models', () => {
  // BatchNormalization after a convolution (folded into it) with and without scale / center,
  // after a Dense layer, on the input itself, and before a 1x1 convolution with ReLU6.
  const build = (): models.Model => {
    dt.setRandomSeed(7);
    const inputs = layers.input({ shape: [6, 5, 3] });
    let x = new layers.BatchNormalization({ center: false }).apply(inputs) as T;
    x = new layers.Conv2D({ filters: 9, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization({ momentum: 0.5 }).apply(x) as T) as T;
    x = new layers.Conv2D({ filters: 13, kernelSize: 1 }).apply(x) as T;
    x = new layers.BatchNormalization({ scale: false, epsilon: 1e-5 }).apply(x) as T;
    x = new layers.GlobalAveragePooling2D().apply(x) as T;
    x = new layers.BatchNormalization().apply(new layers.Dense({ units: 5 }).apply(x) as T) as T;
    return models.model({ inputs, outputs: x });
  };
  const x = dt.tensor(Float32Array.from({ length: 4 * 6 * 5 * 3 }, () => 4 * rng.uniform() - 2), [4, 6, 5, 3]);
  const y = dt.tensor(Float32Array.from({ length: 4 * 5 }, () => rng.uniform()), [4, 5]);
  for (const [backend, threads] of [['js', 1], ['wasm', 1], ['wasm', 2]] as const) {
    it(`${backend}${backend === 'wasm' ? `, ${threads} thread(s)` : ''}: four chains fused, outputs within 1e-5 of eager, a fit between predicts seen`, async () => {
      dt.setBackend(backend);
      if (backend === 'wasm') { dt.setThreads(threads); await dt.ready(); }
      const m = build();
      randomizeBatchNorms(m);
      m.compile({ loss: 'mse', optimizer: 'adam' });
      const eager = (): dt.Tensor => {
        const twin = build();
        twin.setWeights(m.getWeights());
        twin.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
        return twin.predict(x) as dt.Tensor;
      };
      const first = (m.predict(x) as dt.Tensor).clone();
      m.predict(x); // the second call verifies the plan
      const kernels = planKernels(m);
      assert.equal(kernels.filter((k) => k === 'bnInferenceFactors').length, 4, kernels.join(', '));
      assert.ok(!kernels.includes('unary sqrt'), `an unfused chain: ${kernels.join(', ')}`);
      assertClose(first, eager(), 1e-5, 'compiled vs eager before the fit');
      await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
      const after = m.predict(x) as dt.Tensor;
      assertClose(after, eager(), 1e-5, 'compiled vs eager after the fit');
      assert.ok(after.data.some((v, i) => Math.abs(v - first.data[i]) > 1e-4), 'the fit changed nothing the predict plan sees');
      if (backend === 'wasm') dt.setThreads(1);
    });
  }
});

describe('predict hands one whole float batch to the compiled step without a copy', () => {
  it('same answers as the copied batches; inputs in the backend memory (another plan\'s results) and the input itself untouched (wasm)', () => {
    dt.setBackend('wasm');
    dt.setRandomSeed(2);
    const make = (units: number): models.Model => {
      const inputs = layers.input({ shape: [7] });
      return models.model({ inputs, outputs: new layers.Dense({ units, activation: 'relu' }).apply(new layers.Dense({ units: 11 }).apply(inputs) as T) as T });
    };
    const a = make(7), b = make(3);
    const x = dt.tensor(Float32Array.from({ length: 7 }, () => rng.uniform() - 0.5), [1, 7]), kept = x.data.slice();
    const whole = (a.predict(x) as dt.Tensor).clone(), again = a.predict(x) as dt.Tensor;
    assert.deepEqual(Array.from(again.data), Array.from(whole.data));
    assert.deepEqual(Array.from(x.data), Array.from(kept), 'the input changed');
    // Rows copied batch by batch (two rows at batchSize 1) give the same first row.
    const two = dt.tensor(Float32Array.from([...kept, ...kept]), [2, 7]);
    assert.deepEqual(Array.from((a.predict(two, { batchSize: 1 }) as dt.Tensor).data.slice(0, 7)), Array.from(whole.data));
    // A plan's result (a view of the shared workspace) as the input of another model's predict.
    const view = a.predictStep(x)[0];
    const expected = Array.from((b.predict(view.clone()) as dt.Tensor).data);
    const fromView = a.predictStep(x)[0];
    assert.deepEqual(Array.from((b.predict(fromView) as dt.Tensor).data), expected);
  });
});
