// Embedding: the layer test helper (TF.js's tf.layers.embedding as the oracle, outputs and the
// table's gradient), its options and errors, ids out of range eagerly and in compiled plans,
// float ids truncated as TF.js casts them, and the wasm kernels (gather, its scatter-add
// gradient, the float32 -> int32 cast) against the reference bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers, type Tensor } from '../src/index.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { backend as backendNow } from '../src/core/engine.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { expectError } from './helpers/errors.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';
import { layerFromKeras } from '../src/io/keras-layers.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

runLayerTest({
  name: 'Embedding (ids [batch, steps])',
  make: () => new layers.Embedding({ inputDim: 7, outputDim: 5 }),
  inputShape: [3, 4],
  indices: 7,
  tfjs: (tf) => tf.layers.embedding({ inputDim: 7, outputDim: 5 }),
  weights: { trainable: 1, nonTrainable: 0 },
});

runLayerTest({
  name: 'Embedding (rank-3 ids, inputLength [3, null])',
  make: () => new layers.Embedding({ inputDim: 4, outputDim: 6, inputLength: [3, null] }),
  inputShape: [2, 3, 2],
  indices: 4,
  tfjs: (tf) => tf.layers.embedding({ inputDim: 4, outputDim: 6, inputLength: [3, null] as unknown as number }),
  weights: { trainable: 1, nonTrainable: 0 },
});

describe('Embedding options and errors', () => {
  it('bad options name the layer, the argument and what is expected', async () => {
    await expectError('layers', 'Embedding inputDim 0', () => new layers.Embedding({ inputDim: 0, outputDim: 2, name: 'emb' }), /argument 'inputDim' of layer "emb". Expected a positive integer. Received inputDim=0/);
    await expectError('layers', 'Embedding outputDim 2.5', () => new layers.Embedding({ inputDim: 3, outputDim: 2.5 }), /'outputDim'.*positive integer/);
    await expectError('layers', 'Embedding maskZero true', () => new layers.Embedding({ inputDim: 3, outputDim: 2, maskZero: true }), /maskZero=true is not supported: deeptype has no masks yet.*maskZero: false/);
    await expectError('layers', 'Embedding unknown option', () => new layers.Embedding({ inputDim: 3, outputDim: 2, sparse: true } as never), /unknown option 'sparse'/);
    await expectError('layers', 'Embedding inputLength -1', () => new layers.Embedding({ inputDim: 3, outputDim: 2, inputLength: -1 }), /'inputLength'/);
    const layer = new layers.Embedding({ inputDim: 3, outputDim: 2, inputLength: 5, name: 'fixed' });
    await expectError('layers', 'Embedding inputLength 5, input of 4 steps', () => layer.apply(dt.zeros([2, 4])), /Layer "fixed": inputLength is 5, but the input has shape \[2, 4\]/);
  });

  it("Keras's default initializer (uniform -0.05..0.05), 'uniform' accepted; inputLength gives a Sequential its input shape", () => {
    dt.setRandomSeed(1);
    const layer = new layers.Embedding({ inputDim: 50, outputDim: 8, embeddingsInitializer: 'uniform' as never, inputLength: 6 });
    const model = new models.Sequential([layer, new layers.GlobalAveragePooling1D(), new layers.Dense({ units: 1 })]);
    assert.deepEqual((model.predict(dt.zeros([2, 6])) as Tensor).shape, [2, 1]);
    const w = Array.from(layer.getWeights()[0].data);
    assert.ok(w.every((v) => v >= -0.05 && v <= 0.05) && Math.max(...w) > 0.04 && Math.min(...w) < -0.04, 'uniform in [-0.05, 0.05]');
    assert.deepEqual((layer.getConfig().embeddingsInitializer as string), 'randomUniform');
  });

  // The bodies are synchronous: withBackend restores the backend when its function returns.
  for (const backend of ['js', 'wasm']) {
    it(`an id outside [0, inputDim) throws eagerly, naming the layer and the id (${backend})`, async () => {
      await dt.withBackend(backend, () => dt.ready());
      dt.withBackend(backend, () => {
        const layer = new layers.Embedding({ inputDim: 4, outputDim: 2, name: 'tokens' });
        assert.throws(() => layer.apply(dt.tensor([[0, 1], [4, 2]])), /Layer "tokens": input id 4 \(at flat position 2 of an input of shape \[2, 2\]\) is outside \[0, inputDim=4\)/);
        assert.throws(() => layer.apply(dt.tensor([[-1, 1]], undefined, 'int32')), /input id -1/);
      });
      // TF.js throws too (its gather checks the indices).
      assert.throws(() => tf.layers.embedding({ inputDim: 4, outputDim: 2 }).apply(tf.tensor([[0, 1], [4, 2]])), /GatherV2: the index value 4 is not in \[0, 3\]/);
    });

    it(`in a compiled fit, a batch with an id out of range throws before any weight changes; the next good batch trains (${backend})`, async () => {
      await dt.withBackend(backend, () => dt.ready());
      dt.withBackend(backend, () => {
        assert.equal(backendNow().name, backend);
        dt.setRandomSeed(3);
        const model = new models.Sequential([new layers.Input({ shape: [3] }), new layers.Embedding({ inputDim: 5, outputDim: 4 }), new layers.Flatten(), new layers.Dense({ units: 1 })]);
        model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
        const y = dt.tensor([[1], [0]]);
        const launched = new Set<string>();
        const wasm = backend === 'wasm' ? backendNow() as WasmBackend : null;
        if (wasm) wasm.onSplit = (kernel) => launched.add(kernel);
        // The first step traces the plan, the second checks it against a second trace: from the third on it replays.
        for (let i = 0; i < 2; i++) model.trainStep([[dt.tensor([[0, 1, 2], [3, 4, 0]])], [y]]);
        const before = model.getWeights().map((w) => Array.from(w.data));
        assert.throws(() => model.trainStep([[dt.tensor([[0, 1, 2], [3, 9, 0]])], [y]]), /gather: indices\[4\] is 9, outside \[0, 5\)/);
        assert.deepEqual(model.getWeights().map((w) => Array.from(w.data)), before, 'weights unchanged by the failed step');
        const loss = model.trainStep([[dt.tensor([[0, 1, 2], [3, 4, 0]])], [y]]).loss;
        assert.ok(Number.isFinite(loss));
        assert.notDeepEqual(model.getWeights().map((w) => Array.from(w.data)), before, 'the next good step trains');
        // A predict plan replays the same check (its third run is the first replay).
        const good = dt.tensor([[1, 1, 1]]);
        for (let i = 0; i < 2; i++) model.predict(good);
        assert.throws(() => model.predict(dt.tensor([[1, 5, 1]])), /gather: indices\[1\] is 5, outside \[0, 5\)/);
        assert.equal((model.predict(good) as Tensor).shape[0], 1);
        if (wasm) {
          wasm.onSplit = null;
          for (const k of ['castF32I32', 'gatherRows', 'gatherRowsGrad']) assert.ok(launched.has(k), `the plan ran the wasm kernel ${k} (launched: ${[...launched].join(', ')})`);
        }
      });
    });
  }

  it('int32 ids: the same outputs as float ids, eagerly and in compiled predict and fit steps (an Input of dtype int32)', () => {
    dt.setRandomSeed(5);
    const model = new models.Sequential([new layers.Input({ shape: [4], dtype: 'int32' }), new layers.Embedding({ inputDim: 9, outputDim: 3 }), new layers.GlobalAveragePooling1D()]);
    const ids = [[0, 8, 3, 3], [7, 1, 2, 5]];
    const asInt = dt.tensor(Int32Array.from(ids.flat()), [2, 4]), asFloat = dt.tensor(ids);
    const eager = model.layers[0].apply(asFloat) as Tensor;
    assert.deepEqual(Array.from((model.layers[0].apply(asInt) as Tensor).data), Array.from(eager.data));
    for (let i = 0; i < 3; i++) assert.deepEqual(Array.from((model.predict(asInt) as Tensor).data), Array.from((model.predict(asFloat) as Tensor).data), `predict ${i}`);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const y = dt.zeros([2, 3]);
    for (let i = 0; i < 3; i++) assert.ok(Number.isFinite(model.trainStep([[asInt], [y]]).loss));
  });

  it('a first layer with inputShape (TF.js style) builds its Sequential', () => {
    const model = new models.Sequential([layers.embedding({ inputDim: 30, outputDim: 4, inputShape: [7] }), layers.flatten(), layers.dense({ units: 2 })]);
    assert.deepEqual((model.predict(dt.zeros([3, 7])) as Tensor).shape, [3, 2]);
    assert.equal(model.countParams(), 30 * 4 + 28 * 2 + 2);
  });

  it("loads Embedding's Keras 3 and Keras 2 configs (input_dim is its vocabulary, not Dense's Keras 2 input width)", () => {
    // The configs Keras's Embedding.get_config() writes (keras/src/layers/core/embedding.py; Keras 2: tf.keras 2.15).
    const init = { module: 'keras.initializers', class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null }, registered_name: null };
    const keras3 = { module: 'keras.layers', class_name: 'Embedding', registered_name: null, build_config: { input_shape: [null, 500] },
      config: { name: 'embedding', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        input_dim: 20000, output_dim: 128, embeddings_initializer: init, embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false, lora_rank: null } };
    const keras2 = { class_name: 'Embedding', config: { name: 'embedding', trainable: true, batch_input_shape: [null, null], dtype: 'float32', input_dim: 20000, output_dim: 128,
      embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } }, embeddings_regularizer: null, activity_regularizer: null,
      embeddings_constraint: null, mask_zero: false, input_length: null } };
    for (const o of [keras3, keras2]) {
      const layer = layerFromKeras(o, 'model.keras') as layers.Embedding;
      assert.deepEqual([layer.className, layer.inputDim, layer.outputDim], ['Embedding', 20000, 128]);
    }
    assert.throws(() => layerFromKeras({ ...keras3, config: { ...keras3.config, mask_zero: true } }, 'model.keras'), /model.keras: layer "embedding" \(Embedding\): .*maskZero=true is not supported/);
  });

  it('float ids are truncated toward zero, as TF.js casts them (outputs and table gradient match TF.js)', () => {
    const ids = [[0.9, 2.5, 3.99], [1.0, 0.2, 2.0001]];
    const layer = new layers.Embedding({ inputDim: 4, outputDim: 3 });
    const x = dt.tensor(ids);
    layer.apply(x);
    const table = dt.tensor(Array.from({ length: 12 }, (_, i) => i / 10 - 0.5), [4, 3]);
    layer.setWeights([table]);
    const theirs = tf.layers.embedding({ inputDim: 4, outputDim: 3 });
    theirs.apply(toTf(x));
    theirs.setWeights([toTf(table)]);
    const r = dt.tensor(Array.from({ length: 18 }, (_, i) => 0.5 + i / 18), [2, 3, 3]);
    let y!: Tensor;
    const { grads } = dt.valueAndGrads(() => { y = layer.apply(x) as Tensor; return y.mul(r).sum(); }, [layer.embeddings!]);
    assertClose(y, theirs.apply(toTf(x)) as tf.Tensor, 1e-7, 'output');
    const tw = theirs.trainableWeights[0].read() as tf.Variable;
    const { grads: g } = tf.variableGrads(() => ((theirs.apply(toTf(x)) as tf.Tensor).mul(toTf(r)).sum() as tf.Scalar), [tw]);
    assertClose(grads[0], g[tw.name], 1e-6, 'table gradient');
  });
});

describe('wasm gather kernels against the reference, bit for bit', () => {
  const js = new JsBackend();
  for (const threads of [1, 2]) {
    it(`gather rows, the scatter-add gradient (repeated ids) and float -> int32 casts (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      const wasm = new WasmBackend(threads);
      await wasm.whenReady();
      const f32 = (v: ArrayLike<number>): Float32Array => { const a = wasm.mem.f32(wasm.mem.reserve(v.length * 4), v.length); a.set(v); return a; };
      const i32 = (v: ArrayLike<number>): Int32Array => { const a = wasm.mem.i32(wasm.mem.reserve(v.length * 4), v.length); a.set(v); return a; };
      const rng = new Random(4);
      // inner widths around the SIMD step, and sizes big enough to split between threads.
      for (const [outer, size, inner, n] of [[1, 7, 1, 9], [1, 5, 3, 12], [2, 6, 4, 5], [1, 50, 130, 400], [3, 4, 9, 7]]) {
        const x = Array.from({ length: outer * size * inner }, () => rng.uniform(-1, 1));
        const idx = Array.from({ length: n }, () => Math.floor(rng.uniform(0, size)));
        const dy = Array.from({ length: outer * n * inner }, () => rng.uniform(-1, 1));
        const [want, got] = [new Float32Array(outer * n * inner), f32(new Float32Array(outer * n * inner))];
        js.gather(Float32Array.from(x), Int32Array.from(idx), want, outer, size, inner);
        wasm.gather(f32(x), i32(idx), got, outer, size, inner);
        assert.deepEqual(Array.from(got), Array.from(want), `gather ${[outer, size, inner, n]}`);
        const [dWant, dGot] = [new Float32Array(outer * size * inner), f32(new Float32Array(outer * size * inner).fill(7))];
        js.gatherGrad(Float32Array.from(dy), Int32Array.from(idx), dWant, outer, size, inner);
        wasm.gatherGrad(f32(dy), i32(idx), dGot, outer, size, inner);
        assert.deepEqual(Array.from(dGot), Array.from(dWant), `gatherGrad ${[outer, size, inner, n]}`);
        assert.throws(() => wasm.gather(f32(x), i32([...idx.slice(1), size]), got, outer, size, inner), new RegExp(`indices\\[${n - 1}\\] is ${size}, outside \\[0, ${size}\\)`));
        assert.throws(() => wasm.gatherGrad(f32(dy), i32([-1, ...idx.slice(1)]), dGot, outer, size, inner), /indices\[0\] is -1/);
      }
      const values = [0, -0, 0.5, -0.5, 2.9999, -2.9999, 7, 1e9, -1e9, 2147483647, 2147483648, -2147483648, -2147483904, 3e9, -3e9, 4294967301, 1e20, -1e20, 9.3e18, NaN, Infinity, -Infinity,
        ...Array.from({ length: 37 }, () => rng.uniform(-100, 100))];
      const src = Float32Array.from(values);
      const [want, got] = [new Int32Array(values.length), i32(new Int32Array(values.length))];
      js.cast(src, want);
      wasm.cast(f32(src), got);
      assert.deepEqual(Array.from(got), Array.from(want), 'float32 -> int32 as JavaScript stores it (truncation, modulo 2^32, NaN and infinities 0)');
    });
  }
});

describe('ONNX export of Embedding (Cast + Gather), UnitNormalization and Identity', () => {
  for (const opset of [13, 18]) {
    it(`runs in ONNX Runtime with the same outputs, float ids truncated as deeptype does (opset ${opset})`, async () => {
      dt.setRandomSeed(8);
      const model = new models.Sequential([new layers.Input({ shape: [6] }), new layers.Embedding({ inputDim: 20, outputDim: 8 }),
        new layers.UnitNormalization({ axis: [1, 2] }), new layers.Identity(), new layers.Flatten(), new layers.Dense({ units: 3 })]);
      const rng = new Random(2);
      const x = dt.tensor(Array.from({ length: 24 }, () => rng.uniform(0, 19.99)), [4, 6]); // non-integer ids on purpose
      const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'text.onnx');
      await model.exportOnnx(path, { opset });
      const session = await ort.InferenceSession.create(path);
      const out = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as Tensor, 1e-5, 'ONNX Runtime vs deeptype');
    });
  }
});
