// Keras's run_layer_test for deeptype: one call per layer checks everything a layer promises.
//   runLayerTest({ name, make, inputShape, tfjs | reference, weights })
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
//    step and saved -> loadModel), same predictions;
//  - on wasm, every kernel of the compiled train plan is one WasmBackend implements itself;
//    inherited (reference) kernels fail the test unless listed in `inheritedKernels` with a
//    reason, and are then printed as a finding.
// The one-layer models put a Dense probe in front of the layer (units = the input's last axis,
// so shapes are kept), so that the layer's input gradient runs inside the compiled plans too.
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
import { backend } from '../../src/core/engine.ts';
import type { Layer } from '../../src/layers/layer.ts';
import { checkGradients, randomTensor } from './gradcheck.ts';
import { assertClose, tf, toTf } from './oracle.ts';

type Tf = typeof tf;
type TfLayer = NonNullable<NonNullable<Parameters<Tf['sequential']>[0]>['layers']>[number];

/** The checks runLayerTest makes; any can be skipped with a reason. */
export type LayerCheck =
  | 'shapes' | 'config' | 'oracle' | 'oracleGrads' | 'gradcheck' | 'wasmVsJs' | 'compiledVsEager'
  | 'trainStep' | 'tfjsFiles' | 'wasmKernels';

export interface LayerTestSpec {
  /** The test block's title (usually the class name and what is special about this case). */
  name: string;
  /** A fresh, unbuilt layer; called several times, must build the same layer each time. */
  make: () => Layer;
  /** The input's shape, batch included. */
  inputShape: number[];
  /** The same layer in TensorFlow.js (unbuilt); its weights are set to ours, in the same order. */
  tfjs?: (tf: Tf) => TfLayer;
  /** Where TF.js lacks the layer: Keras's formula in float64, from the input and our weights. */
  reference?: (x: Float64Array, weights: Float64Array[], training: boolean) => Float64Array;
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
  /** Kernels the wasm train plan may take from the reference backend, each with its reason. */
  inheritedKernels?: Record<string, string>;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-layer-'));

/** A layer built on x's shape with deterministic weights (seeded) of varied magnitude. */
function builtLayer(spec: LayerTestSpec, x: Tensor, seed = 7): Layer {
  dt.setRandomSeed(seed);
  const layer = spec.make();
  layer.apply(x);
  // Initializers like zeros would hide bugs: give every weight varied, seeded values.
  const rng = new Random(seed + 1);
  layer.setWeights(layer.weights.map((w) => randomTensor(w.shape, rng, 0.1, 0.9, 'float32')));
  return layer;
}

/** Keras's one-layer model with a Dense probe in front (see the file's comment). */
function probeModel(spec: LayerTestSpec, layer: Layer): models.Sequential {
  const inner = spec.inputShape.slice(1);
  dt.setRandomSeed(11);
  const probe = new layers.Dense({ units: inner[inner.length - 1], name: `probe_for_${layer.name}` });
  return new models.Sequential([new layers.Input({ shape: inner }), probe, layer]);
}

function sameModel(spec: LayerTestSpec, weights: Tensor[]): models.Sequential {
  const model = probeModel(spec, spec.make());
  model.setWeights(weights);
  return model;
}

/** Our output and gradients of sum(y * r) w.r.t. x and every trainable weight. */
function outputAndGrads(layer: Layer, x: Tensor, r: Tensor, training: boolean): Tensor[] {
  const targets = [x, ...layer.trainableWeights];
  let y!: Tensor;
  const { grads } = dt.valueAndGrads(() => { y = layer.apply(x, { training }); return y.mul(r).sum(); }, targets);
  return [y, ...grads];
}

/** Relative comparison for tensors of ours (both backends, both modes of running). */
function assertSameTensor(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  assertClose(actual, expected, tol, what);
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

const gradName = (i: number, layer: Layer): string => (i === 0 ? 'output' : i === 1 ? 'dx' : `d ${layer.trainableWeights[i - 2].name}`);

export function runLayerTest(spec: LayerTestSpec): void {
  const tol = spec.tol ?? 1e-5;
  const modes = spec.modes ?? [false];
  const [lo, hi] = spec.inputRange ?? [-1, 1];
  const rng = new Random(3);
  const x = randomTensor(spec.inputShape, rng, lo, hi, 'float32');
  const skip = (check: LayerCheck): { skip?: string } => (spec.skip?.[check] ? { skip: spec.skip[check] } : {});
  const onJs = <T>(f: () => T): T => dt.withBackend('js', f);
  /** A fixed random R of the output's shape, for sum(y * R). */
  const probeR = (shape: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor => randomTensor(shape, new Random(5), 0.5, 1.5, dtype);

  describe(spec.name, () => {
    it('output shape matches computeOutputShape; weight counts', skip('shapes'), () => onJs(() => {
      const layer = builtLayer(spec, x);
      for (const training of modes) {
        const y = layer.apply(x, { training });
        assert.deepEqual(layer.computeOutputShape(x.shape), y.shape, `computeOutputShape(${x.shape}) (training ${training})`);
        assert.deepEqual(layer.computeOutputShape([null, ...x.shape.slice(1)]), [null, ...y.shape.slice(1)], 'computeOutputShape with an unknown batch');
      }
      assert.equal(layer.trainableWeights.length, spec.weights.trainable, 'trainable weights');
      assert.equal(layer.nonTrainableWeights.length, spec.weights.nonTrainable, 'non-trainable weights');
    }));

    it('config round trip (registry and Keras JSON): same config, same outputs', skip('config'), () => onJs(() => {
      const layer = builtLayer(spec, x);
      const config = layer.getConfig();
      const cls = layerClass(layer.className);
      assert.ok(cls, `layer class ${layer.className} is registered`);
      const rebuilt = [new cls(config as never), layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))))];
      for (const [k, other] of rebuilt.entries()) {
        const how = k === 0 ? 'registry' : 'Keras JSON';
        // Through JSON, initializer names become their {className, config}: compare Keras forms.
        if (k === 0) assert.deepEqual(other.getConfig(), config, 'config after the registry round trip');
        else assert.deepEqual(layerToKeras(other), layerToKeras(layer), 'Keras config after the JSON round trip');
        other.apply(x);
        other.setWeights(layer.getWeights());
        for (const training of modes) {
          assert.deepEqual(Array.from(other.apply(x, { training }).data), Array.from(layer.apply(x, { training }).data), `outputs after the ${how} round trip (training ${training})`);
        }
      }
    }));

    if (spec.tfjs) {
      it(spec.skip?.oracleGrads ? `forward output matches TensorFlow.js (gradients not compared: ${spec.skip.oracleGrads})` : 'forward output and gradients match TensorFlow.js', skip('oracle'), () => onJs(() => {
        const layer = builtLayer(spec, x);
        const theirs = spec.tfjs!(tf);
        const xTf = tf.variable(toTf(x));
        theirs.apply(xTf);
        theirs.setWeights(layer.getWeights().map(toTf));
        for (const training of modes) {
          const y = layer.apply(x, { training });
          const r = probeR(y.shape);
          const rTf = toTf(r);
          const tfVars = [xTf, ...theirs.trainableWeights.map((w) => w.read() as tf.Variable)];
          const ours = outputAndGrads(layer, x, r, training);
          const output = theirs.apply(xTf, { training }) as tf.Tensor;
          // Where TF.js's gradient is known wrong, the finite-difference check stands in for it.
          if (spec.skip?.oracleGrads) {
            assertClose(ours[0], output, tol, `output vs TF.js (training ${training})`);
            continue;
          }
          const { grads } = tf.variableGrads(() => (theirs.apply(xTf, { training }) as tf.Tensor).mul(rTf).sum() as tf.Scalar, tfVars);
          const expected = [output, ...tfVars.map((v) => grads[v.name])];
          assert.equal(ours.length, expected.length, 'number of gradients (TF.js trainable weights)');
          ours.forEach((t, i) => assertClose(t, expected[i], tol, `${gradName(i, layer)} vs TF.js (training ${training})`));
        }
      }));
    } else {
      it('forward output matches the float64 reference formula', skip('oracle'), () => onJs(() => {
        assert.ok(spec.reference, `${spec.name}: give tfjs or reference`);
        const layer = builtLayer(spec, x);
        for (const training of modes) {
          const y = layer.apply(x, { training });
          const expected = spec.reference!(Float64Array.from(x.data), layer.getWeights().map((w) => Float64Array.from(w.data)), training);
          assertClose(y, dt.tensor(expected, y.shape, 'float64'), tol, `output vs reference (training ${training})`);
        }
      }));
    }

    it('gradients match finite differences (float64, js)', skip('gradcheck'), () => onJs(() => {
      const layer = builtLayer(spec, x);
      toFloat64(layer);
      const x64 = x.cast('float64');
      for (const training of modes) {
        // The weights are perturbed in place: f reads them from the layer, not its arguments.
        checkGradients((xi) => layer.apply(xi, { training }), [x64, ...layer.trainableWeights],
          { eps: spec.gradcheck?.eps ?? 1e-6, tol: spec.gradcheck?.tol ?? 1e-6 });
      }
    }));

    it('wasm equals js (outputs and gradients, eager)', skip('wasmVsJs'), async () => {
      await dt.withBackend('wasm', () => dt.ready());
      const layer = builtLayer(spec, x);
      for (const training of modes) {
        const r = probeR(onJs(() => layer.apply(x, { training })).shape);
        const js = onJs(() => outputAndGrads(layer, x, r, training));
        const wasm = dt.withBackend('wasm', () => outputAndGrads(layer, x, r, training));
        js.forEach((t, i) => assertSameTensor(wasm[i], t, tol, `${gradName(i, layer)}: wasm vs js (training ${training})`));
      }
    });

    it('compiled equals eager on js and wasm (predict; one SGD step -> same weights)', skip('compiledVsEager'), async () => {
      await dt.withBackend('wasm', () => dt.ready());
      const init = onJs(() => probeModel(spec, builtLayer(spec, x)).getWeights());
      for (const name of ['js', 'wasm']) {
        dt.withBackend(name, () => {
          const [compiled, eager] = [sameModel(spec, init), sameModel(spec, init)];
          const y = randomTensor(compiled.computeOutputShape(x.shape) as number[], new Random(9), -1, 1, 'float32');
          compiled.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }) });
          eager.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }), runEagerly: true });
          assertSameTensor(compiled.predict(x), eager.predict(x), tol, `${name}: predict compiled vs eager`);
          const a = compiled.trainStep(x, y).loss, b = eager.trainStep(x, y).loss;
          assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${name}: train-step loss compiled ${a} vs eager ${b}`);
          const [wc, we] = [compiled.getWeights(), eager.getWeights()];
          wc.forEach((w, i) => assertSameTensor(w, we[i], tol, `${name}: weight ${compiled.weights[i].name} after one step, compiled vs eager`));
        });
      }
    });

    it('one compiled training step lowers the loss', skip('trainStep'), () => onJs(() => {
      const model = probeModel(spec, builtLayer(spec, x));
      const y = randomTensor(model.computeOutputShape(x.shape) as number[], new Random(9), -1, 1, 'float32');
      model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.01 }) });
      const [before] = model.evaluate(x, y, { verbose: 0 });
      model.trainStep(x, y);
      const [after] = model.evaluate(x, y, { verbose: 0 });
      assert.ok(after < before, `loss ${before} -> ${after} after one step`);
    }));

    it('TF.js file round trip, both ways', spec.tfjs ? skip('tfjsFiles') : { skip: 'TF.js lacks this layer' }, async () => {
      const ours = onJs(() => probeModel(spec, builtLayer(spec, x)));
      // Ours saved, loaded by TF.js.
      const dir = tmp();
      await ours.save(dir);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(dir)));
      assertClose(onJs(() => ours.predict(x)), loaded.predict(toTf(x)) as tf.Tensor, tol, 'deeptype model in TF.js');
      // TF.js's model, trained one step and saved, loaded by deeptype.
      const inner = spec.inputShape.slice(1);
      const theirs = tf.sequential({ layers: [tf.layers.dense({ units: inner[inner.length - 1], inputShape: inner }), spec.tfjs!(tf)] });
      theirs.setWeights(ours.getWeights().map(toTf));
      theirs.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.05) });
      const target = tf.randomUniform(ours.computeOutputShape(x.shape) as number[], -1, 1, 'float32', 4);
      await theirs.fit(toTf(x), target, { epochs: 1, batchSize: spec.inputShape[0], verbose: 0 });
      const theirDir = tmp();
      await theirs.save(tf.io.withSaveHandler(async (a) => {
        writeFileSync(join(theirDir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        writeFileSync(join(theirDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const back = await models.loadModel(theirDir);
      assertClose(onJs(() => back.predict(x)), theirs.predict(toTf(x)) as tf.Tensor, tol, 'TF.js model in deeptype');
    });

    it('wasm train plan runs only kernels WasmBackend implements itself', skip('wasmKernels'), async (t: TestContext) => {
      await dt.withBackend('wasm', () => dt.ready());
      const init = onJs(() => probeModel(spec, builtLayer(spec, x)).getWeights());
      const kernels = dt.withBackend('wasm', () => {
        const model = sameModel(spec, init);
        const y = randomTensor(model.computeOutputShape(x.shape) as number[], new Random(9), -1, 1, 'float32');
        model.compile({ loss: 'mse', optimizer: 'sgd' });
        model.trainStep(x, y);
        // The plan's call list is private; a test may look.
        const plans = (model as unknown as { plans: Map<string, { calls: { kernel: string }[] }> }).plans;
        const train = [...plans.entries()].filter(([key]) => key.includes('|train|')).map(([, p]) => p);
        assert.equal(train.length, 1, 'one compiled train plan');
        return new Set(train[0].calls.map((c) => c.kernel));
      });
      const reference = new JsBackend() as unknown as Record<string, unknown>;
      const active = dt.withBackend('wasm', () => backend()) as unknown as Record<string, unknown>;
      const inherited = [...kernels].filter((k) => active[k] === reference[k]);
      const allowed = spec.inheritedKernels ?? {};
      for (const k of inherited.filter((k) => k in allowed)) t.diagnostic(`finding: wasm plan of ${spec.name} runs the reference kernel '${k}' (${allowed[k]})`);
      t.diagnostic(`${spec.name}: wasm train plan kernels: ${[...kernels].join(', ')}`);
      const unexplained = inherited.filter((k) => !(k in allowed));
      assert.deepEqual(unexplained, [], `wasm train plan of ${spec.name} runs reference kernels ${unexplained.join(', ')} (all kernels: ${[...kernels].join(', ')})`);
    });
  });
}

