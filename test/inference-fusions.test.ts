// Issue #15's inference fusions: BatchNormalization folded into the convolution before it,
// and the residual add (+ relu) in the producing convolution's epilogue (conv2dResidual).
// Compiled plans (fused) against the same models run eagerly (op by op, unfused), on both
// backends; the fused wasm kernel against the reference on each of its paths; and a fit
// between two predicts, which a folded plan must see.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(151);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');
type T = SymbolicTensor;

/** Max |a - b| / max(1, |b|) below tol, shapes equal (oracle.ts's rule, without loading TF.js: no oracle needed here). */
function assertClose(actual: dt.Tensor, expected: dt.Tensor, tol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let worst = 0, at = -1;
  for (let i = 0; i < actual.size; i++) {
    const err = Math.abs(actual.data[i] - expected.data[i]) / Math.max(1, Math.abs(expected.data[i]));
    if (!(err <= worst)) { worst = err; at = i; }
  }
  assert.ok(worst < tol, `${what}: element ${at} differs: ${actual.data[at]} vs ${expected.data[at]} (relative ${worst.toExponential(2)})`);
}

/** The kernels of each of a model's compiled plans, by plan key. */
function planKernels(m: models.Model): [string, string[]][] {
  const plans = (m as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
  return [...plans].map(([key, p]) => [key, p.calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : ''))]);
}

/** The plan's channelAffine calls that scale a convolution's output (an unfolded BatchNormalization). */
function unfoldedAffines(m: models.Model): number {
  const plans = (m as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
  let n = 0;
  for (const { calls } of plans.values()) {
    // A plan's arguments name its buffers by slot (each argument its own SlotRef of a shared slot).
    const buffer = (a: unknown): unknown => (typeof a === 'object' && a !== null && 'slot' in a ? (a as { slot: unknown }).slot : a);
    const convOutputs = new Set(calls.filter((c) => c.kernel.startsWith('conv2d')).map((c) => buffer(c.args[c.kernel === 'conv2dResidual' ? 4 : 3])));
    n += calls.filter((c) => c.kernel === 'channelAffine' && convOutputs.has(buffer(c.args[0]))).length;
  }
  return n;
}

/** Gives every BatchNormalization random gamma, beta, moving mean and (positive) moving variance. */
function randomizeBatchNorms(m: models.Model): void {
  for (const l of m.layers) {
    if (l.className !== 'BatchNormalization') continue;
    const [c] = l.getWeights()[0].shape;
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? rand([c], 0.2, 2) : rand([c], -1, 1))));
  }
}

/** A second model with the same architecture and weights, run op by op. */
function eagerTwin(build: () => models.Model, m: models.Model): models.Model {
  const twin = build();
  twin.setWeights(m.getWeights());
  twin.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
  return twin;
}

// Convolutions of odd sizes, strides 1-3, dilations 1-2, both paddings, with and without bias,
// depthwise and grouped: each followed by BatchNormalization and (some) ReLU.
const CASES: { what: string; layer: () => layers.Layer; relu: boolean }[] = [
  { what: '3x3 s1 same, no bias, 8 channels (direct)', layer: () => new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), relu: true },
  { what: '3x3 s2 valid, bias', layer: () => new layers.Conv2D({ filters: 12, kernelSize: 3, strides: 2 }), relu: true },
  { what: '5x3 s3 same, bias, no relu', layer: () => new layers.Conv2D({ filters: 8, kernelSize: [5, 3], strides: 3, padding: 'same' }), relu: false },
  { what: '3x3 dilation 2 valid', layer: () => new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate: 2, useBias: false }), relu: true },
  { what: '1x1 s1, 7 filters', layer: () => new layers.Conv2D({ filters: 7, kernelSize: 1 }), relu: true },
  { what: 'depthwise 3x3 s2 same', layer: () => new layers.DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }), relu: true },
  { what: 'grouped 3x3 s1 same, 2 groups', layer: () => new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', groups: 2 }), relu: false },
];

describe('fusion: BatchNormalization at inference folded into the convolution', () => {
  for (const backend of ['js', 'wasm']) {
    for (const { what, layer, relu } of CASES) {
      it(`on ${backend}: ${what}: the predict plan scales no convolution output and gives the unfused outputs`, () => {
        dt.setBackend(backend);
        const inC = what.includes('depthwise') || what.includes('grouped') ? 8 : 5;
        const build = (): models.Model => {
          const inputs = layers.input({ shape: [11, 9, inC] });
          // A first convolution so that the tested one reads a plan buffer (as in a real model).
          let x = new layers.Conv2D({ filters: inC, kernelSize: 1 }).apply(inputs) as T;
          x = new layers.BatchNormalization().apply(layer().apply(x) as T) as T;
          if (relu) x = new layers.Activation({ activation: 'relu' }).apply(x) as T;
          return models.model({ inputs, outputs: x });
        };
        const m = build();
        randomizeBatchNorms(m);
        const x = rand([3, 11, 9, inC]);
        const compiled = m.predict(x) as dt.Tensor;
        assertClose(compiled, eagerTwin(build, m).predict(x) as dt.Tensor, 1e-5, `${what} compiled vs eager`);
        const [[, kernels]] = planKernels(m);
        assert.equal(unfoldedAffines(m), 0, `a BatchNormalization is left: ${kernels.join(', ')}`);
        assert.ok(kernels.includes('channelAffine'), `no fold: ${kernels.join(', ')}`); // the fold's own, over the kernel
        if (relu && !what.includes('grouped')) assert.ok(kernels.includes('conv2dActivation'), `no relu epilogue: ${kernels.join(', ')}`);
      });
    }
  }

  it('a fit between two predicts is seen: the fold reads the weights and statistics of each run (wasm)', async () => {
    dt.setBackend('wasm');
    const build = (): models.Model => {
      dt.setRandomSeed(3);
      const inputs = layers.input({ shape: [8, 8, 3] });
      let x = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as T;
      x = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization({ momentum: 0.5 }).apply(x) as T) as T;
      x = new layers.GlobalAveragePooling2D().apply(x) as T;
      return models.model({ inputs, outputs: new layers.Dense({ units: 2 }).apply(x) as T });
    };
    const m = build();
    m.compile({ loss: 'mse', optimizer: 'adam' });
    const x = rand([4, 8, 8, 3]), y = rand([4, 2]);
    const before = (m.predict(x) as dt.Tensor).clone();
    m.predict(x); // the second call verifies the plan; both before the fit
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const after = m.predict(x) as dt.Tensor;
    assertClose(after, eagerTwin(build, m).predict(x) as dt.Tensor, 1e-5, 'after fit, compiled vs eager');
    const changed = after.data.some((v, i) => Math.abs(v - before.data[i]) > 1e-3);
    assert.ok(changed, 'the fit changed nothing the predict plan sees');
    assert.equal(unfoldedAffines(m), 0, 'the predict plan was not folded');
  });
});

describe('fusion: residual add (+ relu) in the convolution epilogue', () => {
  /** x -> [conv -> BN] -> add(shortcut) -> relu, the shortcut the block's input or a 1x1 projection. */
  const block = (projection: boolean, strides: number, filters: number, bias: boolean) => (): models.Model => {
    dt.setRandomSeed(11);
    const inputs = layers.input({ shape: [9, 7, 8] });
    const y = new layers.BatchNormalization().apply(new layers.Conv2D({ filters, kernelSize: 3, strides, padding: 'same', useBias: bias }).apply(inputs) as T) as T;
    const shortcut = projection ? new layers.Conv2D({ filters, kernelSize: 1, strides }).apply(inputs) as T : inputs;
    const z = new layers.Activation({ activation: 'relu' }).apply(new layers.Add().apply([shortcut, y]) as T) as T;
    return models.model({ inputs, outputs: z });
  };
  for (const backend of ['js', 'wasm']) {
    for (const [projection, strides, filters, bias] of [[false, 1, 8, false], [true, 2, 12, true], [true, 3, 8, false], [true, 1, 64, false]] as const) {
      it(`on ${backend}: ${projection ? `1x1 projection, stride ${strides}` : 'identity shortcut'}, ${filters} filters: one conv2dResidual, unfused outputs`, () => {
        dt.setBackend(backend);
        const build = block(projection, strides, filters, bias);
        const m = build();
        randomizeBatchNorms(m);
        const x = rand([2, 9, 7, 8]);
        assertClose(m.predict(x) as dt.Tensor, eagerTwin(build, m).predict(x) as dt.Tensor, 1e-5, 'compiled vs eager');
        const [[, kernels]] = planKernels(m);
        assert.equal(kernels.filter((k) => k === 'conv2dResidual').length, 1, kernels.join(', '));
        // (the adds left are on per-channel vectors: variance + epsilon, the folded bias)
        const plan = (m as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans.values().next().value!;
        assert.ok(!plan.calls.some((c) => c.kernel === 'binary' && c.args[0] === 'add' && (c.args[6] as number[]).length === 4), `an add of images is left: ${kernels.join(', ')}`);
        assert.ok(!kernels.includes('unary relu'), `a relu is left: ${kernels.join(', ')}`);
      });
    }
    it(`on ${backend}: training a conv -> add -> relu block compiled gives the eager weights`, () => {
      dt.setBackend(backend);
      const build = (): models.Model => {
        dt.setRandomSeed(12);
        const inputs = layers.input({ shape: [7, 7, 8] });
        const y = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(inputs) as T;
        const z = new layers.Activation({ activation: 'relu' }).apply(new layers.Add().apply([y, inputs]) as T) as T;
        const out = new layers.Dense({ units: 2 }).apply(new layers.GlobalAveragePooling2D().apply(z) as T) as T;
        return models.model({ inputs, outputs: out });
      };
      const [compiled, eager] = [build(), build()];
      compiled.compile({ loss: 'mse', optimizer: 'sgd' });
      eager.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
      const x = rand([3, 7, 7, 8]), y = rand([3, 2]);
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i}`));
      const train = planKernels(compiled).find(([key]) => key.includes('|train|'))![1];
      assert.ok(train.includes('conv2dResidual'), train.join(', '));
    });
  }

  it('wasm conv2dResidual equals conv2d + residual (+ relu) of the reference on every kernel path', () => {
    const wasm = new WasmBackend(2), js = new JsBackend();
    const paths: [string, number, number, number, number, number][] = [
      // [what, inC, outC, kernel, stride, groups]
      ['direct', 8, 16, 3, 1, 1], ['direct, stride 2', 12, 8, 3, 2, 1], ['direct, stride 3, 5x5', 8, 8, 5, 3, 1],
      ['im2col (3 channels)', 3, 8, 3, 1, 1], ['winograd', 64, 64, 3, 1, 1], ['depthwise', 8, 8, 3, 1, 8], ['grouped', 8, 8, 3, 2, 2],
    ];
    for (const [what, c, f, k, strides, groups] of paths) {
      for (const batch of [1, 3]) {
        for (const padding of ['same', 'valid'] as const) {
          const x = rand([batch, 9, 11, c]), w = rand([k, k, c / groups, f]), b = rand([f]);
          const info = dt.convInfo(x.shape, w.shape, { strides, padding, groups });
          const n = batch * info.outH * info.outW * f, residual = rand([n]);
          for (const activation of ['relu', null] as const) {
            const reference = new Float32Array(n), unfused = new Float32Array(n), out = new Float32Array(n);
            js.conv2dResidual(x.data, w.data, b.data, residual.data, reference, info, activation);
            wasm.conv2dResidual(x.data, w.data, b.data, residual.data, out, info, activation);
            // Unfused on wasm: its own convolution, then the add and relu.
            wasm.conv2d(x.data, w.data, b.data, unfused, info);
            for (let i = 0; i < n; i++) { const v = unfused[i] + residual.data[i]; unfused[i] = activation && !(v > 0) ? 0 : v; }
            const tag = `${what} batch ${batch} ${padding} ${activation}`;
            assertClose(dt.tensor(out, [n]), dt.tensor(unfused, [n]), 1e-5, `${tag}, vs unfused wasm`);
            // Winograd rounds differently from a direct sum (documented at up to 1e-4 relative in conv-kernels.ts's choice).
            assertClose(dt.tensor(out, [n]), dt.tensor(reference, [n]), what === 'winograd' ? 1e-4 : 1e-5, `${tag}, vs the reference`);
          }
        }
      }
    }
  });
});

describe('predict: compiled steps of at most PREDICT_STEP_ROWS samples, shape checks remembered', () => {
  it('batchSize 256 on 150 samples runs steps of at most 64 rows in powers of two (64, 64, 16, 4, 2), with the eager outputs', () => {
    dt.setBackend('wasm');
    const build = (): models.Model => {
      dt.setRandomSeed(21);
      const inputs = layers.input({ shape: [6, 6, 3] });
      const x = new layers.BatchNormalization().apply(new layers.Conv2D({ filters: 4, kernelSize: 3 }).apply(inputs) as T) as T;
      return models.model({ inputs, outputs: new layers.Dense({ units: 2 }).apply(new layers.Flatten().apply(x) as T) as T });
    };
    const m = build();
    randomizeBatchNorms(m);
    const x = rand([150, 6, 6, 3]);
    const y = m.predict(x, { batchSize: 256 }) as dt.Tensor;
    assert.deepEqual(y.shape, [150, 2]);
    assertClose(y, eagerTwin(build, m).predict(x, { batchSize: 256 }) as dt.Tensor, 1e-5, 'compiled vs eager');
    const rows = planKernels(m).map(([key]) => Number(/float32\[(\d+),/.exec(key)![1])).sort((a, b) => a - b);
    assert.deepEqual(rows, [2, 4, 16, 64]);
  });
  it('a wrong input shape after accepted ones is still refused with the clear error', () => {
    dt.setBackend('wasm');
    const inputs = layers.input({ shape: [4, 4, 2] });
    const model = models.model({ inputs, outputs: new layers.Conv2D({ filters: 2, kernelSize: 3 }).apply(inputs) as T });
    model.predict(rand([2, 4, 4, 2]));
    model.predict(rand([3, 4, 4, 2])); // remembered: the same sample shape
    assert.throws(() => model.predict(rand([2, 5, 4, 2])), /expected shape=\[null, 4, 4, 2\], found shape=\[null, 5, 4, 2\]/);
    assert.throws(() => model.predict(rand([2, 4, 4, 3])), /expected shape=\[null, 4, 4, 2\], found shape=\[null, 4, 4, 3\]/);
  });
});

describe('inference fusions leave alone what they must not fuse', () => {
  it('a convolution output read by its BatchNormalization and by another layer is not folded (js)', () => {
    dt.setBackend('js');
    const build = (): models.Model => {
      dt.setRandomSeed(31);
      const inputs = layers.input({ shape: [6, 6, 4] });
      const y = new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(inputs) as T;
      const z = new layers.BatchNormalization().apply(y) as T;
      return models.model({ inputs, outputs: new layers.Add().apply([y, z]) as T });
    };
    const m = build();
    randomizeBatchNorms(m);
    const x = rand([2, 6, 6, 4]);
    assertClose(m.predict(x) as dt.Tensor, eagerTwin(build, m).predict(x) as dt.Tensor, 1e-5, 'compiled vs eager');
    const [[, kernels]] = planKernels(m);
    assert.equal(unfoldedAffines(m), 1, kernels.join(', '));
    assert.ok(!kernels.includes('conv2dResidual'), `the add reads the convolution's output twice: ${kernels.join(', ')}`);
  });
  it('an add that broadcasts (a per-channel vector) is not a residual epilogue (js)', () => {
    dt.setBackend('js');
    const inputs = layers.input({ shape: [5, 5, 3] });
    const y = new layers.Conv2D({ filters: 4, kernelSize: 3 }).apply(inputs) as T;
    const v = new layers.Dense({ units: 4 }).apply(new layers.GlobalAveragePooling2D().apply(inputs) as T) as T;
    const z = new layers.Add().apply([y, new layers.Reshape({ targetShape: [1, 1, 4] }).apply(v) as T]) as T;
    const m = models.model({ inputs, outputs: new layers.Activation({ activation: 'relu' }).apply(z) as T });
    const x = rand([2, 5, 5, 3]);
    const eager = models.model({ inputs, outputs: m.outputs[0] });
    eager.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
    assertClose(m.predict(x) as dt.Tensor, eager.predict(x) as dt.Tensor, 1e-5, 'compiled vs eager');
    const [[, kernels]] = planKernels(m);
    assert.ok(!kernels.includes('conv2dResidual'), kernels.join(', '));
  });
});

describe('wasm convolution with one output channel (convOneFilter) conforms to the reference', () => {
  it('odd sizes, 1-37 input channels, strides 1-3, dilations 1-2, both paddings, with and without bias and relu', () => {
    const wasm = new WasmBackend(2), js = new JsBackend();
    for (const c of [1, 3, 8, 32, 37]) {
      for (const [k, strides, dilations] of [[3, 1, 1], [3, 2, 1], [5, 3, 1], [3, 1, 2], [1, 1, 1]] as const) {
        for (const padding of ['same', 'valid'] as const) {
          for (const batch of [1, 3]) {
            const x = rand([batch, 11, 9, c]), w = rand([k, k, c, 1]), b = rand([1]);
            const info = dt.convInfo(x.shape, w.shape, { strides, padding, dilations });
            const n = batch * info.outH * info.outW;
            const expected = new Float32Array(n), out = new Float32Array(n), bare = new Float32Array(n), bareRef = new Float32Array(n);
            js.conv2dActivation(x.data, w.data, b.data, expected, info, 'relu');
            wasm.conv2dActivation(x.data, w.data, b.data, out, info, 'relu');
            const tag = `c=${c} k=${k} strides ${strides} dilation ${dilations} ${padding} batch ${batch}`;
            assertClose(dt.tensor(out, [n]), dt.tensor(expected, [n]), 1e-5, `${tag}, relu`);
            js.conv2d(x.data, w.data, null, bareRef, info);
            wasm.conv2d(x.data, w.data, null, bare, info);
            assertClose(dt.tensor(bare, [n]), dt.tensor(bareRef, [n]), 1e-5, `${tag}, no bias`);
          }
        }
      }
    }
  });
});
