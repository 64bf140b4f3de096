// Functional models in files: TF.js's Layers format both ways, against @tensorflow/tfjs itself;
// saveWeights/loadWeights; bad topologies (a cycle, a missing layer).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { modelFromKeras } from '../src/io/keras-config.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(21);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-functional-'));

/** A residual block as a model of its own, to be used as a layer. */
function nestedBlock(): models.Model {
  const x = layers.input({ shape: [3], name: 'block_in' });
  const seq = new models.Sequential({ name: 'block_mlp', layers: [layers.dense({ units: 3, activation: 'tanh', name: 'block_dense' })] });
  return new models.Model({ inputs: x, outputs: layers.add([x, seq.apply(x)], { name: 'block_add' } as never), name: 'block' });
}

function ourModel(nested = false): models.Model {
  const img = layers.input({ shape: [6, 6, 2], name: 'img' }), side = layers.input({ shape: [3], name: 'side' });
  const c = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(img);
  const r = layers.add([c, layers.conv2d({ filters: 3, kernelSize: 1, name: 'proj' }).apply(img)]);
  const f = layers.flatten({ name: 'flat' }).apply(layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(r));
  const s = layers.dense({ units: 3, name: 'mlp_2' }).apply(layers.dense({ units: 4, activation: 'relu', name: 'mlp_1' }).apply(side));
  const joined = layers.concatenate([f, nested ? nestedBlock().apply(s) : s], { name: 'join' } as never);
  const out1 = layers.dense({ units: 2, activation: 'softmax', name: 'head_a' }).apply(joined);
  const out2 = layers.dense({ units: 1, name: 'head_b' }).apply(f);
  return new models.Model({ inputs: [img, side], outputs: [out1, out2], name: 'two_in_two_out' });
}

/** A TF.js IOHandler that reads a model directory written by deeptype. */
function readDir(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const group = json.weightsManifest[0];
      const bytes = readFileSync(join(dir, group.paths[0]));
      return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
    },
  };
}
/** A TF.js IOHandler that writes model.json + one weights file, as tfjs-node's file:// handler does. */
function writeDir(dir: string): tf.io.IOHandler {
  return {
    save: async (a) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

describe('functional models in TF.js\'s Layers format', () => {
  it('deeptype saves, TF.js loads: same predictions (nested Sequential, shared input, two outputs)', async () => {
    const ours = ourModel(), dir = tmp();
    await ours.save(dir);
    const topology = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).modelTopology;
    assert.equal(topology.class_name, 'Model');
    assert.deepEqual(topology.config.input_layers, [['img', 0, 0], ['side', 0, 0]]);
    assert.deepEqual(topology.config.output_layers, [['head_a', 0, 0], ['head_b', 0, 0]]);
    const theirs = await tf.loadLayersModel(readDir(dir));
    const x = [rand([3, 6, 6, 2]), rand([3, 3])];
    const ourOut = ours.predict(x) as dt.Tensor[], theirOut = theirs.predict(x.map(toTf)) as tf.Tensor[];
    ourOut.forEach((o, i) => assertClose(o, theirOut[i], 1e-5, `output ${i}`));
    assert.equal(theirs.countParams(), ours.countParams());
    // And back into deeptype.
    const again = await models.loadModel(dir);
    (again.predict(x) as dt.Tensor[]).forEach((o, i) => assertClose(o, ourOut[i], 1e-6, `reloaded output ${i}`));
  });

  it('TF.js saves a functional model, deeptype loads it: same predictions', async () => {
    const a = tf.input({ shape: [5], name: 'in_a' }), b = tf.input({ shape: [5], name: 'in_b' });
    const shared = tf.layers.dense({ units: 4, activation: 'relu', name: 'shared' });
    const sa = shared.apply(a) as tf.SymbolicTensor, sb = shared.apply(b) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate({ name: 'cat' }).apply([tf.layers.add({ name: 'sum' }).apply([sa, sb]) as tf.SymbolicTensor, sb]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(merged) as tf.SymbolicTensor;
    const theirs = tf.model({ inputs: [a, b], outputs: out });
    const dir = tmp();
    await theirs.save(writeDir(dir));
    const ours = await models.loadModel(dir);
    assert.equal(ours.getLayer('shared').inboundNodes.length, 2, 'the shared layer is called twice, with one set of weights');
    const x = [rand([4, 5]), rand([4, 5])];
    assertClose(ours.predict(x) as dt.Tensor, theirs.predict(x.map(toTf)) as tf.Tensor, 1e-5, 'loaded from TF.js');
  });

  it('nested models (a functional block holding a Sequential) round-trip through deeptype\'s files', async () => {
    const ours = ourModel(true), dir = tmp();
    await ours.save(dir);
    const again = await models.loadModel(dir);
    assert.equal(again.getLayer('block').className, 'Functional');
    const x = [rand([2, 6, 6, 2]), rand([2, 3])];
    (again.predict(x) as dt.Tensor[]).forEach((o, i) => assertClose(o, (ours.predict(x) as dt.Tensor[])[i], 1e-6, `output ${i}`));
  });

  it('saveWeights/loadWeights restore a model\'s weights', async () => {
    const a = ourModel(), b = ourModel(), dir = tmp();
    const x = [rand([2, 6, 6, 2]), rand([2, 3])];
    await a.saveWeights(dir);
    await b.loadWeights(dir);
    (b.predict(x) as dt.Tensor[]).forEach((o, i) => assertClose(o, (a.predict(x) as dt.Tensor[])[i], 1e-12, `output ${i}`));
  });

  it('a topology with a cycle or a call on a missing layer is refused', () => {
    const dense = (name: string, from: string) => ({ name, class_name: 'Dense', config: { name, units: 2 }, inbound_nodes: [[[from, 0, 0, {}]]] });
    const input = { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 2] }, inbound_nodes: [] };
    const model = (layers: unknown[]) => ({ class_name: 'Model', config: { name: 'bad', layers, input_layers: [['x', 0, 0]], output_layers: [['d2', 0, 0]] } });
    assert.throws(() => modelFromKeras(model([input, dense('d1', 'd2'), dense('d2', 'd1')])), /the graph has a cycle: layers "d1", "d2"/);
    assert.throws(() => modelFromKeras(model([input, dense('d2', 'nowhere')])), /layer "d2" is called on the output of "nowhere", which is not a layer of the model/);
  });

  it('reads Keras 3\'s node form ({args: [keras tensors], kwargs}) and batch_shape', () => {
    const kt = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 3], dtype: 'float32', keras_history: [name, 0, 0] } });
    const model = modelFromKeras({ class_name: 'Functional', config: { name: 'k3', layers: [
      { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_shape: [null, 3], dtype: 'float32' }, inbound_nodes: [] },
      { name: 'd', class_name: 'Dense', config: { name: 'd', units: 3 }, inbound_nodes: [{ args: [kt('x')], kwargs: {} }] },
      { name: 's', class_name: 'Add', config: { name: 's' }, inbound_nodes: [{ args: [[kt('x'), kt('d')]], kwargs: {} }] },
    ], input_layers: [['x', 0, 0]], output_layers: [['s', 0, 0]] } });
    const v = rand([2, 3]);
    assertClose(model.predict(v) as dt.Tensor, v.add(model.getLayer('d').apply(v)), 1e-6, 'keras 3 graph');
  });

  it('a subclassed model cannot be saved as a topology, and says what to do instead', async () => {
    class Tiny extends models.Model {
      d = layers.dense({ units: 1 });
      override call(x: dt.Tensor): dt.Tensor { return this.d.apply(x); }
    }
    const m = new Tiny();
    m.predict(rand([1, 2]));
    await assert.rejects(m.save(tmp()), /subclassed model.*saveWeights/);
  });
});
