// Keras's run_layer_test for deeptype: one call per layer checks everything a layer promises.
//   runLayerTest({ name, make, inputShape | inputShapes, tfjs | reference, weights })
// defines a `describe(name)` block whose tests check, on tiny shapes:
//  - the output shape against computeOutputShape, the trainable / non-trainable weight counts;
//  - the config round trip (registry and Keras JSON) -> same config, same outputs;
//  - forward output and gradients (input and every trainable weight, of sum(y * R) for a fixed
//    random R) against TensorFlow.js with the same weights, within `tol` (or the forward output
//    against `reference`, a Keras formula written in float64, where TF.js lacks the layer);
//  - finite differences in float64 on the js backend for the same gradients;
//  - wasm against js (outputs and gradients, eager);
//  - compiled against eager on both backends: predict, and one SGD step -> the same weights;
//  - one compiled training step lowers the loss;
//  - the TF.js file round trip, both ways (ours saved -> tf.loadLayersModel; TF.js trained one
//    step and saved -> loadModel), same predictions; the .keras and .h5 round trips, bit-exact;
//  - on wasm, every kernel of the compiled train plan is one WasmBackend implements itself;
//    inherited (reference) kernels fail the test unless listed in `inheritedKernels` with a
//    reason, and are then printed as a finding.
// The one-layer models put a Dense probe in front of the layer (units = the input's last axis,
// so shapes are kept), so that the layer's input gradient runs inside the compiled plans too
// (`probe: false` leaves it out, for a layer whose input a probe's floats would not make).
// A layer of several inputs (merge layers) gets `inputShapes` and one probe per input, in a
// functional model. A layer of token ids (Embedding) gets `indices` (the vocabulary size): its
// inputs are integer-valued floats below it, its models have no probe (a Dense would not give
// ids), and no gradient is taken for its input (ids are not differentiable).
// A `stochastic` layer (dropout, noise, augmentation) is random in training:
// there the oracle and finite differences check inference only, while compiled vs eager and
// wasm vs js compare training steps of layers with the same seed, which must draw the same.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../../src/index.ts';
import { layers, models, optimizers, type Tensor } from '../../src/index.ts';
import { Random } from '../../src/core/random.ts';
import { layerClass } from '../../src/layers/registry.ts';
import { layerFromKeras, layerToKeras } from '../../src/io/keras-config.ts';
import { JsBackend } from '../../src/backends/js/index.ts';
import { BINARY_OPS, UNARY_OPS } from '../../src/backends/wasm/index.ts';
import { backend } from '../../src/core/engine.ts';
import type { Layer } from '../../src/layers/layer.ts';
import type { SymbolicTensor } from '../../src/layers/symbolic.ts';
import { checkGradients, randomTensor } from './gradcheck.ts';
import { assertClose, tf, toTf } from './oracle.ts';

/**
 * Whether a call to wasm's `unary` / `binary` dispatcher runs the reference kernel: an op wasm
 * has no SIMD code for, or a non-float32 operand (a boolean mask). The dispatcher is wasm's own
 * method, so the check by method alone would miss these.
 */
function dispatcherFallsBack(c: { kernel: string; args: unknown[] }): boolean {
  if (c.kernel !== 'unary' && c.kernel !== 'binary') return false;
  const ops: readonly string[] = c.kernel === 'unary' ? UNARY_OPS : BINARY_OPS;
  return !ops.includes(String(c.args[0])) || c.args.some((a) => ArrayBuffer.isView(a) && !(a instanceof Float32Array));
}

type Tf = typeof tf;
type TfLayer = NonNullable<NonNullable<Parameters<Tf['sequential']>[0]>['layers']>[number];

/** The checks runLayerTest makes; any can be skipped with a reason. */
export type LayerCheck =
  | 'shapes' | 'config' | 'oracle' | 'oracleGrads' | 'gradcheck' | 'wasmVsJs' | 'compiledVsEager'
  | 'trainStep' | 'tfjsFiles' | 'kerasFiles' | 'wasmKernels';

export interface LayerTestSpec {
  /** The test block's title (usually the class name and what is special about this case). */
  name: string;
  /** A fresh, unbuilt layer; called several times, must build the same layer each time. */
  make: () => Layer;
  /** The input's shape, batch included (or inputShapes, for a layer of several inputs). */
  inputShape?: number[];
  /** The shapes of a multi-input layer's inputs (merge layers), batch included. */
  inputShapes?: number[][];
  /** Inputs are token ids in [0, indices) (Embedding): see the file's comment. */
  indices?: number;
  /** Random in training (same seed, same draws): see the file's comment. */
  stochastic?: boolean;
  /** The same layer in TensorFlow.js (unbuilt); its weights are set to ours, in the same order. */
  tfjs?: (tf: Tf) => TfLayer;
  /** Where TF.js lacks the layer: Keras's formula in float64, from the input and our weights. */
  reference?: (x: Float64Array, weights: Float64Array[], training: boolean, inputs: Float64Array[]) => Float64Array;
  /** How many trainable and non-trainable weights the built layer has. */
  weights: { trainable: number; nonTrainable: number };
  /** Training flags to compare, where the layer behaves differently (default [false]). */
  modes?: boolean[];
  /** Tolerance for the oracle, wasm vs js and compiled vs eager (relative, max(1, |b|)). */
  tol?: number;
  /** Input values are drawn in [lo, hi] (default [-1, 1]). */
  inputRange?: [number, number];
  /** Finite-difference step and tolerance (float64). */
  gradcheck?: { eps?: number; tol?: number };
  /** Checks not made, each with its reason (printed as a skip). */
  skip?: Partial<Record<LayerCheck, string>>;
  /** false: no Dense probe in front (a layer of token indices, whose input a probe's floats would not be). */
  probe?: boolean;
  /** Kernels the wasm train plan may take from the reference backend, each with its reason. */
  inheritedKernels?: Record<string, string>;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-layer-'));

/** What a layer is called with: one tensor, or the list of a multi-input layer's inputs. */
const arg = <T>(xs: T[]): T | T[] => (xs.length === 1 ? xs[0] : xs);

/** A layer built on xs's shapes with deterministic weights (seeded) of varied magnitude. */
function builtLayer(spec: LayerTestSpec, xs: Tensor[], seed = 7): Layer {
  dt.setRandomSeed(seed);
  const layer = spec.make();
  layer.apply(arg(xs));
  // Initializers like zeros would hide bugs: give every weight varied, seeded values.
  const rng = new Random(seed + 1);
  layer.setWeights(layer.weights.map((w) => randomTensor(w.shape, rng, 0.1, 0.9, 'float32')));
  return layer;
}

/** Keras's one-layer model with a Dense probe in front of each input (see the file's comment). */
function probeModel(shapes: number[][], layer: Layer, noProbe = false): models.Model {
  dt.setRandomSeed(11);
  if (noProbe) return new models.Sequential([new layers.Input({ shape: shapes[0].slice(1) }), layer]);
  const probe = (inner: number[], i: number): layers.Dense =>
    new layers.Dense({ units: inner[inner.length - 1], name: shapes.length === 1 ? `probe_for_${layer.name}` : `probe_${i}_for_${layer.name}` });
  if (shapes.length === 1) {
    const inner = shapes[0].slice(1);
    return new models.Sequential([new layers.Input({ shape: inner }), probe(inner, 0), layer]);
  }
  const inputs = shapes.map((s, i) => layers.input({ shape: s.slice(1), name: `in_${i}` }));
  const probed = inputs.map((x, i) => probe(shapes[i].slice(1), i).apply(x) as SymbolicTensor);
  return new models.Model({ inputs, outputs: layer.apply(probed) as SymbolicTensor });
}

/** The same model in TF.js (Dense probes, then the layer), for the file round trip. */
function tfProbeModel(tfjs: Tf, shapes: number[][], layer: TfLayer, noProbe = false): tf.LayersModel {
  if (noProbe) {
    const x = tfjs.input({ shape: shapes[0].slice(1) });
    return tfjs.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor });
  }
  const probe = (inner: number[]) => tfjs.layers.dense({ units: inner[inner.length - 1], inputShape: inner });
  if (shapes.length === 1) return tfjs.sequential({ layers: [probe(shapes[0].slice(1)), layer] });
  const inputs = shapes.map((s) => tfjs.input({ shape: s.slice(1) }));
  const probed = inputs.map((x, i) => probe(shapes[i].slice(1)).apply(x) as tf.SymbolicTensor);
  return tfjs.model({ inputs, outputs: layer.apply(probed) as tf.SymbolicTensor });
}

/** A fresh probe model with the given weights (its layer seeded as builtLayer's is). */
function sameModel(spec: LayerTestSpec, shapes: number[][], weights: Tensor[]): models.Model {
  dt.setRandomSeed(7);
  const model = probeModel(shapes, spec.make(), spec.indices !== undefined || spec.probe === false);
  model.setWeights(weights);
  return model;
}

/** Our output and gradients of sum(y * r) w.r.t. every input and every trainable weight. */
function outputAndGrads(layer: Layer, xs: Tensor[], r: Tensor, training: boolean, ids = false): Tensor[] {
  const targets = [...(ids ? [] : xs), ...layer.trainableWeights];
  let y!: Tensor;
  const { grads } = dt.valueAndGrads(() => { y = layer.apply(arg(xs), { training }) as Tensor; return y.mul(r).sum(); }, targets);
  return [y, ...grads];
}

/** Turns a built layer's weights into float64 (test only: deeptype layers create float32). */
function toFloat64(layer: Layer): void {
  for (const w of layer.weights) {
    (w as { dtype: string }).dtype = 'float64';
    w.data = Float64Array.from(w.data);
  }
}

/** The files of a saved model as TensorFlow.js model artifacts. */
function artifactsOf(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bytes = readFileSync(join(dir, group.paths[0]));
  return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
}

export function runLayerTest(spec: LayerTestSpec): void {
  const tol = spec.tol ?? 1e-5;
  const modes = spec.modes ?? [false];
  const [lo, hi] = spec.inputRange ?? [-1, 1];
  if ((spec.inputShape === undefined) === (spec.inputShapes === undefined)) throw new Error(`${spec.name}: give inputShape or inputShapes`);
  const shapes = spec.inputShapes ?? [spec.inputShape!];
  const rng = new Random(3);
  const ids = spec.indices !== undefined;
  /** No Dense probe in front: token ids, or a layer that asks (probe: false). */
  const noProbe = ids || spec.probe === false;
  const xs = shapes.map((s) => (ids ? dt.tensor(randomTensor(s, rng, 0, spec.indices!, 'float64').data.map(Math.floor), s, 'float32') : randomTensor(s, rng, lo, hi, 'float32')));
  const n = xs.length;
  /** How many gradients of inputs come first (none for token ids). */
  const nGrads = ids ? 0 : n;
  const skip = (check: LayerCheck): { skip?: string } => (spec.skip?.[check] ? { skip: spec.skip[check] } : {});
  const onJs = <T>(f: () => T): T => dt.withBackend('js', f);
  /** A fixed random R of the output's shape, for sum(y * R). */
  const probeR = (shape: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor => randomTensor(shape, new Random(5), 0.5, 1.5, dtype);
  const gradName = (i: number, layer: Layer): string =>
    (i === 0 ? 'output' : i <= nGrads ? (n === 1 ? 'dx' : `d input ${i - 1}`) : `d ${layer.trainableWeights[i - 1 - nGrads].name}`);
  /** Modes whose values a reference can know: a stochastic layer's training draws it cannot. */
  const deterministicModes = (t: TestContext): boolean[] => {
    if (!spec.stochastic || !modes.includes(true)) return modes;
    t.diagnostic(`${spec.name}: random in training, so this check runs in inference mode only`);
    return modes.filter((m) => !m);
  };
  /** y's shape for the probe model and a fixed target of it. */
  const targetFor = (model: models.Model): Tensor => randomTensor((model.predict(arg(xs)) as Tensor).shape, new Random(9), -1, 1, 'float32');
  const trainOnce = (model: models.Model, y: Tensor): number => model.trainStep([xs, [y]]).loss;

  describe(spec.name, () => {
    it('output shape matches computeOutputShape; weight counts', skip('shapes'), () => onJs(() => {
      const layer = builtLayer(spec, xs);
      const unknownBatch = shapes.map((s) => [null, ...s.slice(1)]);
      for (const training of modes) {
        const y = layer.apply(arg(xs), { training }) as Tensor;
        assert.deepEqual(layer.computeOutputShape(arg(shapes)), y.shape, `computeOutputShape(${JSON.stringify(arg(shapes))}) (training ${training})`);
        assert.deepEqual(layer.computeOutputShape(arg(unknownBatch)), [null, ...y.shape.slice(1)], 'computeOutputShape with an unknown batch');
      }
      assert.equal(layer.trainableWeights.length, spec.weights.trainable, 'trainable weights');
      assert.equal(layer.nonTrainableWeights.length, spec.weights.nonTrainable, 'non-trainable weights');
    }));

    it('config round trip (registry and Keras JSON): same config, same outputs', skip('config'), () => onJs(() => {
      const layer = builtLayer(spec, xs);
      const config = layer.getConfig();
      const cls = layerClass(layer.className);
      assert.ok(cls, `layer class ${layer.className} is registered`);
      const rebuilt = [new cls(config as never), layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))))];
      for (const [k, other] of rebuilt.entries()) {
        const how = k === 0 ? 'registry' : 'Keras JSON';
        // Through JSON, initializer names become their {className, config}: compare Keras forms.
        if (k === 0) assert.deepEqual(other.getConfig(), config, 'config after the registry round trip');
        else assert.deepEqual(layerToKeras(other), layerToKeras(layer), 'Keras config after the JSON round trip');
        other.apply(arg(xs));
        other.setWeights(layer.getWeights());
        // A stochastic layer's copy has the same seed but has drawn less: compare inference only.
        for (const training of spec.stochastic ? [false] : modes) {
          const [a, b] = [other.apply(arg(xs), { training }) as Tensor, layer.apply(arg(xs), { training }) as Tensor];
          assert.deepEqual(Array.from(a.data), Array.from(b.data), `outputs after the ${how} round trip (training ${training})`);
        }
      }
    }));

    if (spec.tfjs) {
      it(spec.skip?.oracleGrads ? `forward output matches TensorFlow.js (gradients not compared: ${spec.skip.oracleGrads})` : 'forward output and gradients match TensorFlow.js', skip('oracle'), (t: TestContext) => onJs(() => {
        const layer = builtLayer(spec, xs);
        const theirs = spec.tfjs!(tf);
        const xTfs = xs.map((x) => tf.variable(toTf(x)));
        theirs.apply(arg(xTfs));
        theirs.setWeights(layer.getWeights().map(toTf));
        for (const training of deterministicModes(t)) {
          const y = layer.apply(arg(xs), { training }) as Tensor;
          const r = probeR(y.shape);
          const rTf = toTf(r);
          const tfVars = [...(ids ? [] : xTfs), ...theirs.trainableWeights.map((w) => w.read() as tf.Variable)];
          const ours = outputAndGrads(layer, xs, r, training, ids);
          const output = theirs.apply(arg(xTfs), { training }) as tf.Tensor;
          // Where TF.js's gradient is known wrong, the finite-difference check stands in for it.
          if (spec.skip?.oracleGrads) {
            assertClose(ours[0], output, tol, `output vs TF.js (training ${training})`);
            continue;
          }
          const { grads } = tf.variableGrads(() => (theirs.apply(arg(xTfs), { training }) as tf.Tensor).mul(rTf).sum() as tf.Scalar, tfVars);
          const expected = [output, ...tfVars.map((v) => grads[v.name])];
          assert.equal(ours.length, expected.length, 'number of gradients (inputs and TF.js trainable weights)');
          ours.forEach((o, i) => assertClose(o, expected[i], tol, `${gradName(i, layer)} vs TF.js (training ${training})`));
        }
      }));
    } else {
      it('forward output matches the float64 reference formula', skip('oracle'), (t: TestContext) => onJs(() => {
        assert.ok(spec.reference, `${spec.name}: give tfjs or reference`);
        const layer = builtLayer(spec, xs);
        const inputs = xs.map((x) => Float64Array.from(x.data));
        for (const training of deterministicModes(t)) {
          const y = layer.apply(arg(xs), { training }) as Tensor;
          const expected = spec.reference!(inputs[0], layer.getWeights().map((w) => Float64Array.from(w.data)), training, inputs);
          assertClose(y, dt.tensor(expected, y.shape, 'float64'), tol, `output vs reference (training ${training})`);
        }
      }));
    }

    it('gradients match finite differences (float64, js)', skip('gradcheck'), (t: TestContext) => onJs(() => {
      const layer = builtLayer(spec, xs);
      toFloat64(layer);
      const x64s = xs.map((x) => x.cast('float64'));
      for (const training of deterministicModes(t)) {
        // The weights are perturbed in place: f reads them from the layer, not its arguments.
        const wrt = [...x64s, ...layer.trainableWeights].map((_, i) => i).filter((i) => !ids || i >= n);
        checkGradients((...args) => layer.apply(arg(args.slice(0, n)), { training }) as Tensor, [...x64s, ...layer.trainableWeights],
          { wrt, eps: spec.gradcheck?.eps ?? 1e-6, tol: spec.gradcheck?.tol ?? 1e-6 });
      }
    }));

    it('wasm equals js (outputs and gradients, eager)', skip('wasmVsJs'), async () => {
      await dt.withBackend('wasm', () => dt.ready());
      for (const training of modes) {
        // Two layers made alike: a stochastic one draws the same numbers on both backends.
        const [onJsLayer, onWasmLayer] = [onJs(() => builtLayer(spec, xs)), onJs(() => builtLayer(spec, xs))];
        const r = probeR(onJs(() => builtLayer(spec, xs).apply(arg(xs), { training }) as Tensor).shape);
        const js = onJs(() => outputAndGrads(onJsLayer, xs, r, training, ids));
        const wasm = dt.withBackend('wasm', () => outputAndGrads(onWasmLayer, xs, r, training, ids));
        js.forEach((j, i) => assertClose(wasm[i], j, tol, `${gradName(i, onJsLayer)}: wasm vs js (training ${training})`));
      }
    });

    it('compiled equals eager on js and wasm (predict; two SGD steps -> same weights)', skip('compiledVsEager'), async () => {
      await dt.withBackend('wasm', () => dt.ready());
      const init = onJs(() => probeModel(shapes, builtLayer(spec, xs), noProbe).getWeights());
      for (const name of ['js', 'wasm']) {
        dt.withBackend(name, () => {
          const [compiled, eager] = [sameModel(spec, shapes, init), sameModel(spec, shapes, init)];
          const y = targetFor(compiled);
          compiled.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }) });
          eager.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }), runEagerly: true });
          assertClose(compiled.predict(arg(xs)) as Tensor, eager.predict(arg(xs)) as Tensor, tol, `${name}: predict compiled vs eager`);
          // Two steps: the first replay of a plan is where a frozen value would differ.
          for (const step of [1, 2]) {
            const a = trainOnce(compiled, y), b = trainOnce(eager, y);
            assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${name}: step ${step} loss compiled ${a} vs eager ${b}`);
          }
          const [wc, we] = [compiled.getWeights(), eager.getWeights()];
          wc.forEach((w, i) => assertClose(w, we[i], tol, `${name}: weight ${compiled.weights[i].name} after two steps, compiled vs eager`));
        });
      }
    });

    it('one compiled training step lowers the loss', skip('trainStep'), () => onJs(() => {
      const model = probeModel(shapes, builtLayer(spec, xs), noProbe);
      const y = targetFor(model);
      model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.01 }) });
      const [before] = model.evaluate(arg(xs), y, { verbose: 0 });
      trainOnce(model, y);
      const [after] = model.evaluate(arg(xs), y, { verbose: 0 });
      assert.ok(after < before, `loss ${before} -> ${after} after one step`);
    }));

    it('TF.js file round trip, both ways', spec.tfjs ? skip('tfjsFiles') : { skip: 'TF.js lacks this layer' }, async () => {
      const ours = onJs(() => probeModel(shapes, builtLayer(spec, xs), noProbe));
      const xTfs = xs.map(toTf);
      // Ours saved, loaded by TF.js.
      const dir = tmp();
      await ours.save(dir);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(dir)));
      assertClose(onJs(() => ours.predict(arg(xs)) as Tensor), loaded.predict(arg(xTfs)) as tf.Tensor, tol, 'deeptype model in TF.js');
      // TF.js's model, trained one step and saved, loaded by deeptype.
      const theirs = tfProbeModel(tf, shapes, spec.tfjs!(tf), noProbe);
      theirs.setWeights(ours.getWeights().map(toTf));
      theirs.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.05) });
      const target = tf.randomUniform((onJs(() => ours.predict(arg(xs))) as Tensor).shape, -1, 1, 'float32', 4);
      await theirs.fit(arg(xTfs), target, { epochs: 1, batchSize: shapes[0][0], verbose: 0 });
      const theirDir = tmp();
      await theirs.save(tf.io.withSaveHandler(async (a) => {
        writeFileSync(join(theirDir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        writeFileSync(join(theirDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const back = await models.loadModel(theirDir);
      assertClose(onJs(() => back.predict(arg(xs)) as Tensor), theirs.predict(arg(xTfs)) as tf.Tensor, tol, 'TF.js model in deeptype');
    });

    it('Keras file round trips (.keras and .h5): same weights, same predictions, bit-exact', skip('kerasFiles'), async () => {
      const ours = onJs(() => probeModel(shapes, builtLayer(spec, xs), noProbe));
      const expected = Array.from((onJs(() => ours.predict(arg(xs))) as Tensor).data);
      const dir = tmp();
      for (const file of ['model.keras', 'model.h5']) {
        await ours.save(join(dir, file));
        const back = await models.loadModel(join(dir, file));
        assert.deepEqual(back.weights.map((w) => w.shape), ours.weights.map((w) => w.shape), `${file}: weight shapes`);
        assert.deepEqual(Array.from((onJs(() => back.predict(arg(xs))) as Tensor).data), expected, `${file}: predictions after loading`);
      }
    });

    it('wasm train plan runs only kernels WasmBackend implements itself', skip('wasmKernels'), async (t: TestContext) => {
      await dt.withBackend('wasm', () => dt.ready());
      const init = onJs(() => probeModel(shapes, builtLayer(spec, xs), noProbe).getWeights());
      const kernels = dt.withBackend('wasm', () => {
        const model = sameModel(spec, shapes, init);
        const y = targetFor(model);
        model.compile({ loss: 'mse', optimizer: 'sgd' });
        trainOnce(model, y);
        // The plan's call list is private; a test may look.
        const plans = (model as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
        const train = [...plans.entries()].filter(([key]) => key.includes('|train|')).map(([, p]) => p);
        assert.equal(train.length, 1, 'one compiled train plan');
        return new Set(train[0].calls.map((c) => (dispatcherFallsBack(c) ? `${c.kernel} ${String(c.args[0])} (reference)` : c.kernel)));
      });
      const reference = new JsBackend() as unknown as Record<string, unknown>;
      const active = dt.withBackend('wasm', () => backend()) as unknown as Record<string, unknown>;
      const inherited = [...kernels].filter((k) => active[k] === reference[k] || k.endsWith(' (reference)'));
      const allowed = spec.inheritedKernels ?? {};
      for (const k of inherited.filter((k) => k in allowed)) t.diagnostic(`finding: wasm plan of ${spec.name} runs the reference kernel '${k}' (${allowed[k]})`);
      t.diagnostic(`${spec.name}: wasm train plan kernels: ${[...kernels].join(', ')}`);
      const unexplained = inherited.filter((k) => !(k in allowed));
      assert.deepEqual(unexplained, [], `wasm train plan of ${spec.name} runs reference kernels ${unexplained.join(', ')} (all kernels: ${[...kernels].join(', ')})`);
    });
  });
}
