// CategoryEncoding, RandomWidth and RandomHeight: through the layer test helper (TF.js as the
// oracle for CategoryEncoding; the identity in inference and TF2's half-pixel resize of the
// drawn size in training for the random resizes, TF.js's own being unusable in a model), then
// what the helper cannot check: compiled and eager training draw the same sizes, one plan per
// size, out-of-range tokens caught on compiled replays too, and the errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers, type Tensor } from '../src/index.ts';
import { layerFromKeras } from '../src/io/keras-config.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const none = { trainable: 0, nonTrainable: 0 };
const tokens = {
  inputRange: [0, 4.999] as [number, number], probe: false, weights: none,
  skip: { oracleGrads: 'TF.js has no gradient for denseBincount (the output is piecewise constant in x)', trainStep: 'no weights, and no probe in front (the input is token indices): nothing to train' },
};
// TF.js 4.22's categoryEncoding.computeOutputShape writes numTokens into its input's shape, so a
// TF.js model with it expects inputs of last axis numTokens: only then can it run (the count case).
const TFJS_SHAPE_BUG = 'TF.js 4.22 overwrites the model input\'s last axis with numTokens; files both ways are checked below with k = numTokens';
runLayerTest({
  name: 'CategoryEncoding (oneHot, [batch, 1])',
  make: () => new layers.CategoryEncoding({ numTokens: 5, outputMode: 'oneHot' }),
  inputShape: [4, 1],
  tfjs: (tf) => tf.layers.categoryEncoding({ numTokens: 5, outputMode: 'oneHot' }),
  ...tokens,
  skip: { ...tokens.skip, tfjsFiles: TFJS_SHAPE_BUG },
});
runLayerTest({
  name: 'CategoryEncoding (multiHot, [batch, 4])',
  make: () => new layers.CategoryEncoding({ numTokens: 5 }),
  inputShape: [3, 4],
  tfjs: (tf) => tf.layers.categoryEncoding({ numTokens: 5 }),
  ...tokens,
  skip: { ...tokens.skip, tfjsFiles: TFJS_SHAPE_BUG },
});
runLayerTest({
  name: 'CategoryEncoding (count, [batch, 5])',
  make: () => new layers.CategoryEncoding({ numTokens: 5, outputMode: 'count' }),
  inputShape: [3, 5],
  tfjs: (tf) => tf.layers.categoryEncoding({ numTokens: 5, outputMode: 'count' }),
  ...tokens,
  skip: { ...tokens.skip, tfjsFiles: 'the helper trains the TF.js model a step, and TF.js refuses to fit one without trainable weights; files both ways are checked below' },
});

const resizeSkips = {
  shapes: 'the resized axis is null in the shape rule (random while training, as Keras 2); checked below',
  compiledVsEager: 'the helper trains on a target of the inference output\'s shape, which a training step resizes; compiled vs eager training is checked below',
  trainStep: 'as compiledVsEager: the target cannot have the training output\'s shape; the model below trains',
  wasmKernels: 'as compiledVsEager; the train plan of the model below is checked',
};
const resizeCase = { inputShape: [2, 5, 6, 3], reference: (x: Float64Array) => x, stochastic: true, modes: [false, true], weights: none, skip: resizeSkips };
runLayerTest({
  name: 'RandomWidth (identity in inference; training draws per batch)',
  make: () => new layers.RandomWidth({ factor: [-0.4, 0.5], seed: 4 }),
  ...resizeCase,
});
runLayerTest({
  name: 'RandomHeight (nearest; identity in inference; training draws per batch)',
  make: () => new layers.RandomHeight({ factor: 0.4, interpolation: 'nearest', seed: 9 }),
  ...resizeCase,
});

/** TF2's tf.image.resize (half-pixel centers), as Keras 2's RandomWidth calls it: TF.js's ops with halfPixelCenters. */
const tfResize = (x: Tensor, size: [number, number], method: 'bilinear' | 'nearest'): tf.Tensor => {
  const t = toTf(x) as tf.Tensor4D;
  return method === 'bilinear' ? tf.image.resizeBilinear(t, size, false, true) : tf.image.resizeNearestNeighbor(t, size, false, true);
};

/** A small CNN whose first layer resizes randomly; global pooling takes any size. */
function resizingModel(resize: () => layers.Layer, seed: number): models.Sequential {
  dt.setRandomSeed(seed);
  return new models.Sequential([
    new layers.Input({ shape: [6, 8, 2] }), resize(),
    new layers.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.GlobalAveragePooling2D(), new layers.Dense({ units: 2 }),
  ]);
}
const planCount = (m: models.Model): number => (m as unknown as { plans: Map<string, unknown> }).plans.size;

describe('RandomWidth and RandomHeight', () => {
  it('training: the axis resized to trunc(factor * size) with TF2\'s half-pixel resize, the factor in [1 + lower, 1 + upper]', () => {
    const x = dt.randomUniform([2, 5, 6, 3], -1, 1, 'float32', 3);
    for (const [layer, axis] of [[new layers.RandomWidth({ factor: [-0.5, 0.5], seed: 1 }), 2], [new layers.RandomHeight({ factor: [-0.5, 0.5], interpolation: 'nearest', seed: 2 }), 1]] as const) {
      const sizes = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const y = layer.apply(x, { training: true });
        const size = y.shape[axis];
        assert.ok(size >= Math.trunc(0.5 * x.shape[axis]) && size <= Math.trunc(1.5 * x.shape[axis]), `${layer.className}: size ${size} in range`);
        sizes.add(size);
        const target: [number, number] = axis === 2 ? [5, size] : [size, 6];
        assertClose(y, tfResize(x, target, layer.interpolation), 1e-5, `${layer.className} draw ${i}: values`);
      }
      assert.ok(sizes.size >= 3, `${layer.className}: sizes vary over draws (${[...sizes]})`);
      assert.deepEqual(layer.apply(x).shape, x.shape, 'inference: the identity');
      assert.deepEqual(Array.from(layer.apply(x).data), Array.from(x.data));
      assert.deepEqual(layer.computeOutputShape([null, 5, 6, 3]), axis === 2 ? [null, 5, null, 3] : [null, null, 6, 3]);
    }
    // One image [h, w, c] too.
    assert.equal(new layers.RandomWidth({ factor: [1, 1] }).apply(dt.ones([4, 3, 2]), { training: true }).shape.join(), '4,6,2');
  });

  it('the same seed draws the same sizes; another seed others', () => {
    const x = dt.ones([1, 4, 20, 1]);
    const widths = (seed: number): number[] => { const l = new layers.RandomWidth({ factor: 0.5, seed }); return Array.from({ length: 8 }, () => l.apply(x, { training: true }).shape[2]); };
    assert.deepEqual(widths(7), widths(7));
    assert.notDeepEqual(widths(7), widths(8));
  });

  for (const backendName of ['js', 'wasm']) {
    it(`${backendName}: compiled training draws the sizes eager training draws (same weights after 8 steps), one plan per size`, async () => {
      await dt.withBackend(backendName, () => dt.ready());
      dt.withBackend(backendName, () => {
        const make = () => resizingModel(() => new layers.RandomWidth({ factor: [-0.3, 0.3], seed: 5 }), 21);
        const [compiled, eager] = [make(), make()];
        eager.setWeights(compiled.getWeights());
        compiled.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
        eager.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }), runEagerly: true });
        const x = dt.randomUniform([4, 6, 8, 2], -1, 1, 'float32', 1), y = dt.randomUniform([4, 2], -1, 1, 'float32', 2);
        const losses: [number, number][] = [];
        for (let step = 0; step < 8; step++) losses.push([compiled.trainStep(x, y).loss, eager.trainStep(x, y).loss]);
        for (const [i, [a, b]] of losses.entries()) assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `step ${i}: loss compiled ${a} vs eager ${b}`);
        assert.ok(new Set(losses.map(([a]) => a.toFixed(6))).size > 2, 'the losses move with the drawn widths');
        compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i}`));
        // Widths trunc(f * 8), f in [0.7, 1.3]: 5..10, at most 6 train plans, at least 2 drawn.
        const plans = planCount(compiled);
        assert.ok(plans >= 2 && plans <= 6, `${plans} train plans`);
        // Inference is the identity: predict needs one plan whatever was drawn.
        compiled.predict(x);
        assert.equal(planCount(compiled), plans + 1);
      });
    });
  }

  it('more drawn sizes than the plan cache holds (width x height): steps of the sizes beyond it run eagerly, drawing the same as eager, with one warning', () => {
    const make = () => resizingModel(() => new models.Sequential([new layers.RandomWidth({ factor: 0.5, seed: 1 }), new layers.RandomHeight({ factor: 0.5, seed: 2 })]), 8);
    const [compiled, eager] = [make(), make()];
    eager.setWeights(compiled.getWeights());
    compiled.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
    eager.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }), runEagerly: true });
    const x = dt.randomUniform([2, 6, 8, 2], -1, 1, 'float32', 1), y = dt.randomUniform([2, 2], -1, 1, 'float32', 2);
    const warnings: string[] = [], warn = console.warn;
    console.warn = (m: string) => { warnings.push(m); };
    try {
      for (let step = 0; step < 40; step++) {
        const [a, b] = [compiled.trainStep(x, y).loss, eager.trainStep(x, y).loss];
        assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `step ${step}: loss compiled ${a} vs eager ${b}`);
      }
    } finally { console.warn = warn; }
    assert.equal(warnings.filter((w) => /drew more than \d+ input sizes/.test(w)).length, 1, warnings.join('\n'));
    const plans = planCount(compiled);
    assert.ok(plans >= 2 && plans <= models.Model.maxPlans - 2, `${plans} train plans, at most maxPlans - 2`);
  });

  it('wasm: the train plan of a RandomHeight model runs only wasm kernels', async () => {
    await dt.withBackend('wasm', () => dt.ready());
    const kernels = dt.withBackend('wasm', () => {
      const model = resizingModel(() => new layers.RandomHeight({ factor: 0.2, seed: 3 }), 4);
      model.compile({ loss: 'mse', optimizer: 'sgd' });
      model.trainStep(dt.ones([2, 6, 8, 2]), dt.zeros([2, 2]));
      const plans = (model as unknown as { plans: Map<string, { calls: { kernel: string }[] }> }).plans;
      return new Set([...plans.values()][0].calls.map((c) => c.kernel));
    });
    assert.ok(kernels.has('resize'), `the plan resizes (${[...kernels]})`);
    const { JsBackend } = await import('../src/backends/js/index.ts');
    const { backend } = await import('../src/core/engine.ts');
    const reference = new JsBackend() as unknown as Record<string, unknown>;
    const active = dt.withBackend('wasm', () => backend()) as unknown as Record<string, unknown>;
    assert.deepEqual([...kernels].filter((k) => active[k] === reference[k]), [], 'reference kernels in the wasm plan');
  });

  it('exports to ONNX as the identity (inference): ONNX Runtime gives deeptype\'s outputs', async () => {
    const ort = await import('onnxruntime-node');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const model = resizingModel(() => new layers.RandomHeight({ factor: 0.3, seed: 1 }), 6);
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-rh-')), 'rh.onnx');
    await model.exportOnnx(path);
    const x = dt.randomUniform([2, 6, 8, 2], -1, 1, 'float32', 5);
    const out = (await (await ort.InferenceSession.create(path)).run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
    assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as Tensor, 1e-5, 'ONNX Runtime');
  });

  it('config as TF.js writes it loads (factor, interpolation, seed)', () => {
    const theirs = tf.layers.randomWidth({ factor: [-0.1, 0.3], interpolation: 'nearest', seed: 3 }).getConfig();
    const ours = layerFromKeras({ class_name: 'RandomWidth', config: { factor: theirs.factor, interpolation: theirs.interpolation, seed: theirs.seed, name: 'rw', trainable: true } }) as layers.RandomWidth;
    assert.deepEqual([ours.factor, ours.interpolation, ours.seed], [[-0.1, 0.3], 'nearest', 3]);
    assert.ok(layers.randomHeight({ factor: 0.1 }) instanceof layers.RandomHeight && layers.randomWidth({ factor: 0.1 }) instanceof layers.RandomWidth);
  });

  it('bad input: clear errors', () => {
    assert.throws(() => new layers.RandomWidth({ factor: -0.2 }), /Invalid value for argument 'factor' of layer "random_width.*a number >= 0/);
    assert.throws(() => new layers.RandomWidth({ factor: [0.3, 0.1] }), /\[lower, upper\] with -1 <= lower <= upper.*Received factor=\[0.3,0.1\]/);
    assert.throws(() => new layers.RandomHeight({ factor: [-1.5, 0] }), /-1 <= lower/);
    assert.throws(() => new layers.RandomHeight({} as never), /argument 'factor'/);
    assert.throws(() => new layers.RandomWidth({ factor: 0.1, interpolation: 'bicubic' as never }), /'interpolation'.*'bilinear', 'nearest'/);
    assert.throws(() => new layers.RandomWidth({ factor: 0.1, fillMode: 'wrap' } as never), /Layer "RandomWidth": unknown option 'fillMode'/);
    assert.throws(() => new layers.RandomWidth({ factor: 0.1, seed: 1.5 }), /'seed'/);
    assert.throws(() => new layers.RandomWidth({ factor: 0.1 }).apply(dt.ones([2, 3]), { training: true }), /expected images \[batch, height, width, channels\].*got shape \[2, 3\]/);
  });
});

describe('CategoryEncoding', () => {
  it('counts repeated tokens and marks them in multiHot, as TF.js', () => {
    const x = dt.tensor([[0, 1, 1], [3, 3, 2]], [2, 3], 'int32');
    for (const outputMode of ['count', 'multiHot'] as const) {
      const ours = new layers.CategoryEncoding({ numTokens: 4, outputMode }).apply(x);
      assertClose(ours, tf.layers.categoryEncoding({ numTokens: 4, outputMode }).apply(toTf(x)) as tf.Tensor, 1e-9, outputMode);
    }
    assert.deepEqual(Array.from(new layers.CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(x).data), [1, 2, 0, 0, 0, 0, 1, 2]);
    // [batch] one-hot; [k] as one sample in multiHot.
    assert.deepEqual(new layers.CategoryEncoding({ numTokens: 4, outputMode: 'oneHot' }).apply(dt.tensor([0, 3, 1])).shape, [3, 4]);
    assert.deepEqual(Array.from(new layers.CategoryEncoding({ numTokens: 4 }).apply(dt.tensor([0, 3, 3])).data), [1, 0, 0, 1]);
    assert.deepEqual(new layers.CategoryEncoding({ numTokens: 6, outputMode: 'oneHot' }).computeOutputShape([null, 1]), [null, 6]);
  });

  it('TF.js files both ways (k = numTokens, the shape TF.js 4.22 can run): same outputs', async () => {
    const x = dt.tensor([[0, 1, 1, 4, 2], [3, 3, 2, 0, 0]]);
    for (const outputMode of ['count', 'multiHot'] as const) {
      const ours = new models.Sequential([new layers.Input({ shape: [5] }), new layers.CategoryEncoding({ numTokens: 5, outputMode })]);
      let saved!: tf.io.ModelArtifacts;
      await ours.save(dt.io.withSaveHandler(async (a: unknown) => { saved = a as tf.io.ModelArtifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }) as never);
      const inTfjs = await tf.loadLayersModel(tf.io.fromMemory(saved));
      assertClose(ours.predict(x) as Tensor, inTfjs.predict(toTf(x)) as tf.Tensor, 1e-9, `${outputMode}: deeptype's file in TF.js`);
      const theirs = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [5] }), tf.layers.categoryEncoding({ numTokens: 5, outputMode })] });
      let theirFile!: tf.io.ModelArtifacts;
      await theirs.save(tf.io.withSaveHandler(async (a) => { theirFile = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const back = await models.loadModel(dt.io.fromMemory(theirFile as never));
      assertClose(back.predict(x) as Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-9, `${outputMode}: TF.js's file in deeptype`);
    }
  });

  it('wasm: the oneHot kernel on arrays in wasm memory (a plan\'s) writes the rows and refuses a bad index', async () => {
    await dt.withBackend('wasm', () => dt.ready());
    const { backend, persistentCopy } = await import('../src/core/engine.ts');
    dt.withBackend('wasm', () => {
      const idx = persistentCopy(Int32Array.of(2, 0, 1, 2)), out = persistentCopy(new Float32Array(12).fill(7));
      backend().oneHot(idx, out, 3);
      assert.deepEqual(Array.from(out), [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
      assert.throws(() => backend().oneHot(persistentCopy(Int32Array.of(0, 3)), out, 3), /oneHot: indices\[1\] is 3, outside \[0, 3\)/);
    });
  });

  it('an out-of-range token is an error, eager (naming the layer) and on a compiled replay', async () => {
    await dt.withBackend('wasm', () => dt.ready());
    const layer = new layers.CategoryEncoding({ numTokens: 3, name: 'ce' });
    assert.throws(() => layer.apply(dt.tensor([[0, 3]])), /Layer "ce" \(CategoryEncoding\): input values must be token indices in \[0, 3\).*got 3 at position 1/);
    assert.throws(() => layer.apply(dt.tensor([[-1, 0]])), /got -1 at position 0/);
    for (const name of ['js', 'wasm']) {
      dt.withBackend(name, () => {
        const model = new models.Sequential([new layers.Input({ shape: [2] }), new layers.CategoryEncoding({ numTokens: 3 }), new layers.Dense({ units: 1 })]);
        const good = dt.tensor([[0, 2], [1, 1]]);
        const first = Array.from((model.predict(good) as Tensor).data);
        assert.deepEqual(Array.from((model.predict(good) as Tensor).data), first, `${name}: the plan's first replay (traced again and compared)`);
        assert.throws(() => model.predict(dt.tensor([[0, 5], [1, 1]])), /oneHot: indices\[1\] is 5, outside \[0, 3\)/, `${name}: a compiled replay`);
        assert.throws(() => model.predict(dt.tensor([[0, 1], [-1, 1]])), /oneHot: indices\[2\] is -1/, `${name}: a compiled replay`);
      });
    }
  });

  it('options: Keras spellings load, files write one_hot; bad ones are errors', () => {
    assert.equal(new layers.CategoryEncoding({ numTokens: 2, outputMode: 'one_hot' as never }).outputMode, 'oneHot');
    const fromTfjs = layerFromKeras({ class_name: 'CategoryEncoding', config: { num_tokens: 5, output_mode: 'multi_hot', name: 'c', trainable: true } }) as layers.CategoryEncoding;
    assert.deepEqual([fromTfjs.numTokens, fromTfjs.outputMode], [5, 'multiHot']);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 0 }), /Invalid value for argument 'numTokens'.*a positive integer/);
    assert.throws(() => new layers.CategoryEncoding({} as never), /'numTokens'/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 3, outputMode: 'tfIdf' as never }), /'outputMode'.*'oneHot', 'multiHot', 'count'/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 3, sparse: true } as never), /Layer "CategoryEncoding": unknown option 'sparse'/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 3, outputMode: 'oneHot' }).apply(dt.ones([2, 3])), /input must be \[batch\] or \[batch, 1\].*got \[2, 3\]/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 3 }).apply(dt.ones([2, 3, 1])), /input must be \[batch, k\].*got \[2, 3, 1\]/);
  });
});
