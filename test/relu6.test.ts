// ReLU6 as one kernel and in every fused epilogue: the op against TF.js (values exactly 0 and
// 6 included) and finite differences, wasm vs js, each fused kernel with relu6 against the
// unfused float64 reference on both backends, the plans of a small MobileNet block (fused
// calls, compiled = eager), and the layer forms Keras users write through the layer helper.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf } from './helpers/oracle.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { toOnnx } from '../src/io/onnx.ts';
import { spawnSync } from 'node:child_process';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from '../bench/zoo-data.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(61);
const floats = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
const relu6 = (v: number): number => Math.min(Math.max(v, 0), 6);
const mask6 = (y: number): number => (y > 0 && y < 6 ? 1 : 0);

/** Counts of the three regions of relu6's output (clipped at 0, inside, clipped at 6), so a test can show it met all three. */
function regions(y: ArrayLike<number>): [number, number, number] {
  const r: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < y.length; i++) r[y[i] === 0 ? 0 : y[i] === 6 ? 2 : 1]++;
  return r;
}
/** Element by element, Object.is (NaN equals NaN, -0 differs from 0): what deepEqual on float arrays does not do. */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: at ${i}, ${got[i]} where ${want[i]} was expected`);
}
const assertAllRegions = (y: ArrayLike<number>, what: string): void =>
  assert.ok(regions(y).every((n) => n > 0), `${what}: the output should reach 0, (0, 6) and 6; got ${regions(y).join('/')}`);

describe('relu6: the op', () => {
  const edge = [-7, -6, -1e-7, -0, 0, 1e-7, 0.5, 3, 5.999999, 6, 6.000001, 7, 100];
  it('forward equals tf.relu6 on both backends, 0 and 6 exactly included; NaN stays NaN', () => {
    const expected = Array.from(tf.relu6(tf.tensor1d(edge)).dataSync());
    for (const backend of ['js', 'wasm']) {
      dt.withBackend(backend, () => {
        const y = dt.relu6(dt.tensor(edge, [edge.length], 'float32'));
        assert.deepEqual(Array.from(y.data), expected, backend);
        assert.ok(Number.isNaN(dt.relu6(dt.tensor([NaN, 1], [2], 'float32')).data[0]), `${backend}: relu6(NaN)`);
        assert.deepEqual(Array.from(dt.relu6(dt.tensor([-3, 2, 9], [3], 'int32')).data), [0, 2, 6], `${backend}: int32`);
      });
    }
  });
  it('gradient equals TF.js\'s everywhere but at exactly 6, where it is 0 (TensorFlow\'s Relu6Grad and PyTorch; TF.js passes 1)', () => {
    const tfGrad = Array.from(tf.grad((t: tf.Tensor) => tf.relu6(t).sum())(tf.tensor1d(edge)).dataSync());
    const at6 = edge.indexOf(6);
    // The one place TF.js differs (its Relu6 gradient is lessEqual(x, 6) * step(x)); if this
    // fails, TF.js changed its rule and the exception below should go.
    assert.equal(tfGrad[at6], 1, 'TF.js 4.22 passes the gradient at exactly x = 6');
    for (const backend of ['js', 'wasm']) {
      dt.withBackend(backend, () => {
        const x = dt.tensor(edge, [edge.length], 'float32');
        const [g] = dt.valueAndGrads(() => dt.relu6(x).sum(), [x]).grads;
        edge.forEach((v, i) => assert.equal(g.data[i], i === at6 ? 0 : tfGrad[i], `${backend}: gradient at x = ${v}`));
      });
    }
  });
  it('gradient matches finite differences (float64) away from the kinks', () => {
    const x = dt.tensor(Array.from({ length: 24 }, (_, i) => -7.15 + 0.6 * i), [4, 6], 'float64'); // -7.15 .. 6.65, >= 0.05 from 0 and 6
    checkGradients((t) => dt.relu6(t), [x]);
    checkGradients((t) => dt.relu6(dt.mul(t, t)), [x]);
  });
  it('wasm SIMD (relu6 and its mask relu6Step) equals the reference on odd lengths, 1 and 2 threads', async () => {
    const js = new JsBackend(), two = new WasmBackend(2);
    await two.whenReady();
    for (const wasm of [new WasmBackend(1), two]) {
      for (const n of [4099, 70001]) { // longer than the reference's small-job cutoff; the second over the threading cutoff
        const x = floats(n, -9, 9);
        x.set([0, -0, 6, NaN, 5.9999995, 6.0000005, -1e-30, Infinity, -Infinity]);
        for (const op of ['relu6', 'relu6Step'] as const) {
          const [want, got] = [new Float32Array(n), new Float32Array(n)];
          js.unary(op, x, want);
          wasm.unary(op, x, got);
          assertSame(got, want, `${op}, ${n} floats, ${wasm.threads} thread(s)`);
        }
      }
    }
  });
});

// Convolution shapes that reach each wasm forward path: [inC, outC, groups] (and Winograd, forced).
const PATHS: [string, number, number, number][] = [
  ['im2col + GEMM (3 channels)', 3, 8, 1], ['direct (8 channels)', 8, 12, 1], ['one filter', 8, 1, 1],
  ['depthwise', 8, 8, 8], ['depthwise, multiplier 2', 4, 8, 4], ['grouped', 8, 8, 2],
];
const GEOMETRIES: { strides: number; dilation: number; padding: 'same' | 'valid' }[] = [
  { strides: 1, dilation: 1, padding: 'same' }, { strides: 2, dilation: 1, padding: 'valid' },
  { strides: 3, dilation: 1, padding: 'same' }, { strides: 1, dilation: 2, padding: 'valid' }, { strides: 2, dilation: 2, padding: 'same' },
];

/** x [2, 11, 9, inC] and a kernel scaled so the outputs spread over about [-12, 12]: relu6 clips at both ends. */
function convCase(inC: number, outC: number, groups: number, g: (typeof GEOMETRIES)[number]) {
  const x = floats(2 * 11 * 9 * inC, -1, 1), w = floats(9 * (inC / groups) * outC, -1, 1), b = floats(outC, -1, 1);
  const scale = 12 / Math.sqrt(9 * (inC / groups));
  for (let i = 0; i < w.length; i++) w[i] *= scale;
  const info = dt.convInfo([2, 11, 9, inC], [3, 3, inC / groups, outC], { strides: g.strides, padding: g.padding, dilations: g.dilation, groups });
  return { x, w, b, info, n: info.batch * info.outH * info.outW * outC };
}
/** The float64 convolution of the reference backend. */
function conv64(x: Float32Array, w: Float32Array, b: Float32Array, info: ConvInfo): Float64Array {
  const out = new Float64Array(info.batch * info.outH * info.outW * info.outC);
  new JsBackend().conv2d(Float64Array.from(x), Float64Array.from(w), Float64Array.from(b), out, info);
  return out;
}

describe('relu6 in the convolution epilogues against the unfused float64 reference', () => {
  const backends = (): [string, JsBackend][] => [['js', new JsBackend()], ['wasm 1 thread', new WasmBackend(1)], ['wasm 2 threads', new WasmBackend(2)]];
  it('conv2dActivation: every kernel path, strides 1-3, dilation 1-2, same and valid: within 1e-5', () => {
    const all = backends();
    for (const [path, inC, outC, groups] of PATHS) {
      const seen: number[] = [];
      for (const g of GEOMETRIES) {
        const { x, w, b, info, n } = convCase(inC, outC, groups, g);
        const want = conv64(x, w, b, info).map(relu6);
        seen.push(...want);
        for (const [name, be] of all) {
          const out = new Float32Array(n);
          be.conv2dActivation(x, w, b, out, info, 'relu6');
          const err = worstError(out, want);
          assert.ok(err <= 1e-5, `${name}, ${path}, ${JSON.stringify(g)}: ${err}`);
        }
      }
      assertAllRegions(seen, path);
    }
  });
  it('conv2dActivation by Winograd (forced): the epilogue equals conv2d then relu6 on the same backend', () => {
    const wasm = new WasmBackend(2);
    wasm.convAlgorithm = 'winograd';
    for (const [inC, outC, padding] of [[8, 12, 'same'], [16, 4, 'valid'], [64, 64, 'same']] as const) {
      const { x, w, b, info, n } = convCase(inC, outC, 1, { strides: 1, dilation: 1, padding });
      const [fused, plain, unfused] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      wasm.conv2dActivation(x, w, b, fused, info, 'relu6');
      wasm.conv2d(x, w, b, plain, info);
      wasm.unary('relu6', plain, unfused);
      assertAllRegions(unfused, `Winograd ${inC}->${outC}`);
      assertSame(fused, unfused, `Winograd ${inC}->${outC} ${padding}`);
    }
  });
  it('conv2dResidual (conv + add + relu6): direct and the separate residual pass, within 1e-5', () => {
    const all = backends();
    for (const [path, inC, outC, groups] of [PATHS[0], PATHS[1], PATHS[3]]) {
      for (const g of [GEOMETRIES[0], GEOMETRIES[2], GEOMETRIES[3]]) {
        const { x, w, b, info, n } = convCase(inC, outC, groups, g);
        const residual = floats(n, -4, 4);
        const want = conv64(x, w, b, info).map((v, i) => relu6(v + residual[i]));
        assertAllRegions(want, `residual ${path}`);
        for (const [name, be] of all) {
          const out = new Float32Array(n);
          be.conv2dResidual(x, w, b, residual, out, info, 'relu6');
          const err = worstError(out, want);
          assert.ok(err <= 1e-5, `${name}, residual ${path}, ${JSON.stringify(g)}: ${err}`);
        }
      }
    }
  });
});

describe('relu6 fused with BatchNormalization in training, against the unfused float64 reference', () => {
  it('batchNormActivation and batchNormActivationGrad: odd rows and channels, with and without gamma/beta, js and wasm 1/2 threads: within 1e-5', async () => {
    const two = new WasmBackend(2);
    await two.whenReady();
    const js = new JsBackend(), eps = 1e-3;
    for (const [rows, C] of [[7, 1], [33, 3], [129, 8], [301, 13], [2048, 64]] as const) {
      for (const affine of [true, false]) {
        const x = floats(rows * C, -2, 3), dy = floats(rows * C, -1, 1);
        // gamma about 4: normalized values reach past 6, so the upper clip is met too (without
        // gamma they stay within about +-4: the lower clip and the inside only).
        const gamma = affine ? floats(C, 3, 5) : null, beta = affine ? floats(C, -1, 1) : null;
        const f64 = (a: Float32Array | null) => (a ? Float64Array.from(a) : null);
        const y = new Float64Array(rows * C), mean = new Float64Array(C), variance = new Float64Array(C);
        js.batchNorm(f64(x)!, f64(gamma), f64(beta), y, mean, variance, rows, C, eps);
        const r = y.map(relu6);
        if (affine && rows * C > 100) assertAllRegions(r, `${rows}x${C}`);
        const masked = Float64Array.from(dy, (g, i) => g * mask6(r[i]));
        const [dx, dg, db] = [new Float64Array(rows * C), new Float64Array(C), new Float64Array(C)];
        js.batchNormGrad(f64(x)!, masked, mean, variance, f64(gamma), dx, dg, db, rows, C, eps);
        for (const be of [js, new WasmBackend(1), two]) {
          const what = `${rows}x${C} on ${be.name} ${(be as { threads?: number }).threads ?? 1} thread(s)`;
          const wy = new Float32Array(rows * C), wm = new Float32Array(C), wv = new Float32Array(C);
          be.batchNormActivation(x, gamma, beta, wy, wm, wv, rows, C, eps, 'relu6');
          assert.ok(worstError(wy, r) <= 1e-5, `${what}: batchNormActivation ${worstError(wy, r)}`);
          const [gdx, gdg, gdb] = [new Float32Array(rows * C), new Float32Array(C), new Float32Array(C)];
          be.batchNormActivationGrad(x, dy, Float32Array.from(r), Float32Array.from(mean), Float32Array.from(variance), gamma, gdx, gdg, gdb, rows, C, eps, 'relu6');
          for (const [got, want, name] of [[gdx, dx, 'dx'], [gdg, dg, 'dgamma'], [gdb, db, 'dbeta']] as const) {
            assert.ok(worstError(got, want) <= 1e-5, `${what}: batchNormActivationGrad ${name} ${worstError(got, want)}`);
          }
        }
      }
    }
  });
});

type T = SymbolicTensor;
type PlanCall = { kernel: string; args: unknown[] };
/** Each compiled plan's calls, by plan key. */
const plansOf = (m: models.Model): [string, PlanCall[]][] =>
  [...(m as unknown as { plans: Map<string, { calls: PlanCall[] }> }).plans].map(([key, p]) => [key, p.calls]);
const named = (calls: PlanCall[]): string[] => calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : ''));
/** The calls of a kernel whose activation argument (at index at) is relu6. */
const withRelu6 = (calls: PlanCall[], kernel: string, at: number): number => calls.filter((c) => c.kernel === kernel && c.args[at] === 'relu6').length;
/**
 * No element-wise relu, relu6 or minimum left in the plan (all went into fused kernels), and
 * only `masks` relu6Grad calls: the gradient of a convolution's epilogue is still its own
 * masked gradient, as relu's is (no relu or step at all: nothing ran the composite).
 */
function assertNoActivationCalls(calls: PlanCall[], what: string, masks = 0): void {
  const left = named(calls).filter((k) => ['unary relu', 'unary relu6', 'unary step', 'binary minimum'].includes(k));
  assert.deepEqual(left, [], `${what}: element-wise activation calls left: ${named(calls).join(', ')}`);
  assert.equal(named(calls).filter((k) => k === 'binary relu6Grad').length, masks, `${what}: relu6 gradients: ${named(calls).join(', ')}`);
}
function compiledAndEager(build: () => models.Model, loss: string): [models.Model, models.Model] {
  const [compiled, eager] = [build(), build()];
  compiled.compile({ loss, optimizer: 'adam' });
  eager.compile({ loss, optimizer: 'adam', runEagerly: true });
  return [compiled, eager];
}
const bn = (x: T): T => new layers.BatchNormalization().apply(x) as T;

describe('relu6 in compiled plans: a small MobileNet block in the forms Keras users write', () => {
  // ReLU({maxValue: 6}) and Activation('relu6') behind BatchNormalization, activation: 'relu6'
  // on a DepthwiseConv2D and a Conv2D.
  const mobileBlock = (): models.Model => {
    dt.setRandomSeed(17);
    const inputs = layers.input({ shape: [9, 9, 3] });
    let x = new layers.ReLU({ maxValue: 6 }).apply(bn(new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(inputs) as T)) as T;
    x = new layers.Activation({ activation: 'relu6' }).apply(bn(new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(x) as T)) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(bn(new layers.Conv2D({ filters: 16, kernelSize: 1, useBias: false }).apply(x) as T)) as T;
    x = new layers.DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }).apply(x) as T;
    x = new layers.Conv2D({ filters: 8, kernelSize: 1, activation: 'relu6' }).apply(x) as T;
    const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(new layers.GlobalAveragePooling2D().apply(x) as T) as T;
    return models.model({ inputs, outputs });
  };
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: train and predict plans run relu6 only inside fused kernels, and match eager`, () => {
      dt.setBackend(backend);
      const [compiled, eager] = compiledAndEager(mobileBlock, 'sparse_categorical_crossentropy');
      // Inputs scaled by 4: the pre-activations reach past 6, so the upper clip is exercised.
      const x = randomTensor([6, 9, 9, 3], rng, -4, 4, 'float32'), y = dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32');
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
      // The predict plan on the same weights (after training, the 1e-8 weight differences
      // would reach 1e-5 through the Dense layer's sums alone, with relu as with relu6).
      eager.setWeights(compiled.getWeights());
      assertClose(compiled.predict(x) as dt.Tensor, eager.predict(x) as dt.Tensor, 1e-5, 'predict compiled vs eager');
      const plans = plansOf(compiled);
      const [, train] = plans.find(([key]) => key.includes('|train|'))!;
      assert.equal(withRelu6(train, 'batchNormActivation', 9), 3, named(train).join(', '));
      assert.equal(withRelu6(train, 'batchNormActivationGrad', 12), 3, named(train).join(', '));
      assert.equal(withRelu6(train, 'conv2dActivation', 5), 2, named(train).join(', '));
      assertNoActivationCalls(train, 'train', 2); // the two convolution epilogues' gradients
      const [, predict] = plans.find(([key]) => !key.includes('|train|'))!;
      // At inference every BatchNormalization folds into its convolution: five relu6 epilogues.
      assert.equal(withRelu6(predict, 'conv2dActivation', 5), 5, named(predict).join(', '));
      assert.ok(!named(predict).some((k) => k.startsWith('batchNorm')), named(predict).join(', '));
      assertNoActivationCalls(predict, 'predict');
    });
  }

  // conv (relu6) -> 2x2 max pooling (relu6 moves behind the pooling), then conv -> add -> ReLU(6) (the residual epilogue).
  const pooledResidual = (): models.Model => {
    dt.setRandomSeed(23);
    const inputs = layers.input({ shape: [10, 10, 8] });
    const a = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu6' }).apply(inputs) as T;
    const p = new layers.MaxPooling2D({ poolSize: 2 }).apply(a) as T;
    const c = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(p) as T;
    const r = new layers.ReLU({ maxValue: 6 }).apply(new layers.Add().apply([c, p]) as T) as T;
    const outputs = new layers.Dense({ units: 2 }).apply(new layers.Flatten().apply(r) as T) as T;
    return models.model({ inputs, outputs });
  };
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: conv + relu6 + max pooling and conv + add + relu6 fuse in training and inference, and match eager`, () => {
      dt.setBackend(backend);
      const [compiled, eager] = compiledAndEager(pooledResidual, 'mse');
      const x = randomTensor([4, 10, 10, 8], rng, -3, 3, 'float32'), y = randomTensor([4, 2], rng, -1, 1, 'float32');
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
      // The predict plan on the same weights (after training, the 1e-8 weight differences
      // would reach 1e-5 through the Dense layer's sums alone, with relu as with relu6).
      eager.setWeights(compiled.getWeights());
      assertClose(compiled.predict(x) as dt.Tensor, eager.predict(x) as dt.Tensor, 1e-5, 'predict compiled vs eager');
      for (const [key, calls] of plansOf(compiled)) {
        const kernels = named(calls);
        assert.equal(kernels.filter((k) => k === 'conv2dMaxPool').length, 1, `${key}: ${kernels.join(', ')}`);
        assert.equal(withRelu6(calls, 'conv2dResidual', 6), 1, `${key}: ${kernels.join(', ')}`);
        // The relu6 behind the pooling runs on the pooled values (a quarter of the elements), its mask too in training.
        assert.equal(kernels.filter((k) => k === 'unary relu6').length, 1, `${key}: ${kernels.join(', ')}`);
        // In training: the pooled gradient and the residual epilogue's gradient.
        assert.equal(kernels.filter((k) => k === 'binary relu6Grad').length, key.includes('|train|') ? 2 : 0, `${key}: ${kernels.join(', ')}`);
      }
    });
  }
});

// The layer forms through Keras's run_layer_test (shapes, config, TF.js outputs and gradients,
// finite differences, wasm vs js, compiled vs eager, files, no reference kernel on wasm).
// Inputs in [-9, 9] so both clips are met; random values are never exactly 0 or 6.
runLayerTest({
  name: 'ReLU (maxValue 6: the relu6 kernel)',
  make: () => new layers.ReLU({ maxValue: 6 }),
  inputShape: [2, 3, 7],
  inputRange: [-9, 9],
  tfjs: (tfjs) => tfjs.layers.reLU({ maxValue: 6 }),
  weights: { trainable: 0, nonTrainable: 0 },
});
runLayerTest({
  name: "Activation('relu6') over [-9, 9]",
  make: () => new layers.Activation({ activation: 'relu6' }),
  inputShape: [2, 3, 7],
  inputRange: [-9, 9],
  tfjs: (tfjs) => tfjs.layers.activation({ activation: 'relu6' }),
  weights: { trainable: 0, nonTrainable: 0 },
});
runLayerTest({
  name: "Conv2D (activation 'relu6', stride 2)",
  make: () => new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }),
  inputShape: [2, 7, 7, 8],
  inputRange: [-4, 4],
  tfjs: (tfjs) => tfjs.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }),
  weights: { trainable: 2, nonTrainable: 0 },
});
runLayerTest({
  name: "DepthwiseConv2D (activation 'relu6')",
  make: () => new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', activation: 'relu6' }),
  inputShape: [2, 6, 5, 4],
  inputRange: [-6, 6],
  tfjs: (tfjs) => tfjs.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

describe('relu6 in ONNX export (Clip 0..6), checked in ONNX Runtime', () => {
  it("ReLU({maxValue: 6}), Activation('relu6'), activation 'relu6' on Conv2D / DepthwiseConv2D / Dense, ReLU() and ReLU({maxValue: 2.5})", async () => {
    dt.setRandomSeed(29);
    const inputs = layers.input({ shape: [9, 8, 3] });
    let x = new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }).apply(inputs) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(bn(new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same' }).apply(x) as T)) as T;
    x = new layers.Activation({ activation: 'relu6' }).apply(new layers.Conv2D({ filters: 8, kernelSize: 1 }).apply(x) as T) as T;
    x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', activation: 'relu6' }).apply(x) as T;
    x = new layers.ReLU().apply(new layers.Conv2D({ filters: 4, kernelSize: 1 }).apply(x) as T) as T;
    x = new layers.ReLU({ maxValue: 2.5 }).apply(new layers.Flatten().apply(x) as T) as T;
    const outputs = new layers.Dense({ units: 5, activation: 'relu6' }).apply(x) as T;
    const model = models.model({ inputs, outputs });
    model.setWeights(model.getWeights().map((w) => (w.shape.length > 1 ? dt.mul(w, 3) : w))); // larger kernels: both clips met
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-relu6-onnx-')), 'relu6.onnx');
    await model.exportOnnx(path);
    const session = await ort.InferenceSession.create(path);
    const xs = randomTensor([3, 9, 8, 3], rng, -3, 3, 'float32');
    const result = await session.run({ input: new ort.Tensor('float32', xs.data as Float32Array, xs.shape) });
    const got = dt.tensor(result.output.data as Float32Array, result.output.dims as number[]);
    const want = model.predict(xs) as dt.Tensor;
    assertAllRegions(want.data, 'the Dense relu6 output');
    assertClose(got, want, 1e-5, 'ONNX Runtime vs predict');
    const nodes = readFileSync(path).toString('latin1');
    assert.ok(nodes.includes('Clip'), 'the graph has Clip nodes');
    assert.throws(() => toOnnx(models.model({ inputs, outputs: new layers.ReLU({ threshold: 1 }).apply(inputs) as T })), /layer "re_lu_\d+": ReLU is exported with threshold 0 and negativeSlope 0 only \(got threshold 1, negativeSlope 0\)/);
  });
});

describe("the zoo's MobileNet-style net uses ReLU6 in both twins", () => {
  it('deeptype: 13 ReLU({maxValue: 6}) layers and no other activation layer; its train and predict plans have no element-wise activation', () => {
    dt.setBackend('wasm');
    const model = ZOO.mobilenet.build();
    const acts = model.layers.filter((l) => l instanceof layers.ReLU || l instanceof layers.Activation);
    assert.equal(acts.length, 13);
    assert.ok(acts.every((l) => l instanceof layers.ReLU && l.maxValue === 6 && l.threshold === 0 && l.negativeSlope === 0), acts.map((l) => l.name).join(', '));
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const { x, y } = syntheticBatch(ZOO.mobilenet, 2);
    model.trainStep(x, y);
    const [[, train]] = plansOf(model);
    assert.equal(withRelu6(train, 'batchNormActivation', 9), 13, named(train).join(', '));
    assert.equal(withRelu6(train, 'batchNormActivationGrad', 12), 13, named(train).join(', '));
    assertNoActivationCalls(train, 'mobilenet train');
    model.predict(x);
    const [, predict] = plansOf(model).find(([key]) => !key.includes('|train|'))!;
    // At inference each BatchNormalization folds into its convolution, the relu6 into its epilogue.
    assert.equal(withRelu6(predict, 'conv2dActivation', 5), 13, named(predict).join(', '));
    assertNoActivationCalls(predict, 'mobilenet predict');
  });
  const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  it('PyTorch (bench/zoo_pytorch.py): 13 nn.ReLU6 and no nn.ReLU', { skip: torch.status === 0 ? false : 'python3-torch is not installed' }, () => {
    const script = 'import sys; sys.path.insert(0, "bench"); import torch, zoo_pytorch as z\n' +
      'm = z.mobilenet(); print(sum(type(x) is torch.nn.ReLU6 for x in m.modules()), sum(type(x) is torch.nn.ReLU for x in m.modules()))';
    const out = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), '13 0');
  });
});
