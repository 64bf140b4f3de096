// The functional API: symbolic tensors, graphs of layer calls, merging layers, several inputs
// and outputs, Sequential as the same graph; checked against TensorFlow.js with the same weights.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { layerClassNames } from '../src/layers/registry.ts';
import { factoryName } from '../src/layers/factories.ts';
import { randomTensor, checkGradients } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(5);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');
type Sym = layers.SymbolicTensor;

/** Copies every weighted layer's weights from our model to the TF.js model, matched by layer name. */
function copyWeights(ours: models.Model, theirs: tf.LayersModel): void {
  for (const l of ours.layers) if (l.weights.length) theirs.getLayer(l.name).setWeights(l.getWeights().map(toTf));
}

/** Two inputs, a shared layer, every merge, two heads: built the same way in deeptype and TF.js. */
function twoHeaded(lib: 'dt' | 'tf'): { ours?: models.Model; theirs?: tf.LayersModel } {
  if (lib === 'dt') {
    const a = layers.input({ shape: [4], name: 'a' }), b = layers.input({ shape: [3], name: 'b' });
    const shared = layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
    const pb = layers.dense({ units: 4, name: 'pb' }).apply(b);
    const ha = shared.apply(a), hb = shared.apply(pb); // one layer, two calls, one set of weights
    const mix = layers.concatenate([layers.add([ha, hb]), layers.multiply([ha, hb]), layers.average([ha, hb]), layers.maximum([ha, hb]), layers.minimum([ha, hb]), layers.dot([ha, hb], { axes: 1, normalize: true })]);
    const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(mix);
    const reg = layers.dense({ units: 2, name: 'reg' }).apply(ha);
    return { ours: new models.Model({ inputs: [a, b], outputs: [cls, reg], name: 'two_headed' }) };
  }
  const a = tf.input({ shape: [4], name: 'a' }), b = tf.input({ shape: [3], name: 'b' });
  const shared = tf.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const pb = tf.layers.dense({ units: 4, name: 'pb' }).apply(b) as tf.SymbolicTensor;
  const ha = shared.apply(a) as tf.SymbolicTensor, hb = shared.apply(pb) as tf.SymbolicTensor;
  const m = (l: tf.layers.Layer) => l.apply([ha, hb]) as tf.SymbolicTensor;
  const mix = tf.layers.concatenate().apply([m(tf.layers.add()), m(tf.layers.multiply()),
    m(tf.layers.average()), m(tf.layers.maximum()), m(tf.layers.minimum()), m(tf.layers.dot({ axes: 1, normalize: true }))]) as tf.SymbolicTensor;
  const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(mix) as tf.SymbolicTensor;
  const reg = tf.layers.dense({ units: 2, name: 'reg' }).apply(ha) as tf.SymbolicTensor;
  return { theirs: tf.model({ inputs: [a, b], outputs: [cls, reg] }) };
}

const data = (n: number) => {
  const xa = rand([n, 4]), xb = rand([n, 3]);
  const yc = dt.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 3), [n]);
  const yr = rand([n, 2]);
  return { xa, xb, yc, yr };
};

describe('symbolic tensors and graphs', () => {
  it('layers.input and new layers.Input give symbolic tensors; calling layers records nodes', () => {
    const a = layers.input({ shape: [28, 28, 1], name: 'img' });
    assert.ok(a instanceof layers.SymbolicTensor);
    assert.deepEqual(a.shape, [null, 28, 28, 1]);
    const inp = new layers.Input({ shape: [8] });
    const d = new layers.Dense({ units: 3 });
    const y = d.apply(inp); // an Input layer stands for its output
    assert.deepEqual(y.shape, [null, 3]);
    assert.equal(y.sourceLayer, d);
    assert.equal(d.input, inp.output);
    assert.equal(d.output, y);
    assert.equal(d.inboundNodes[0].inboundLayers[0], inp);
    const c = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(a);
    assert.deepEqual(layers.maxPooling2d({ poolSize: 2 }).apply(c).shape, [null, 14, 14, 4]);
  });

  it('a DAG with a shared layer, every merge and two outputs predicts as TF.js does with the same weights', () => {
    const { ours } = twoHeaded('dt'), { theirs } = twoHeaded('tf');
    copyWeights(ours!, theirs!);
    const { xa, xb } = data(6);
    const [p1, p2] = ours!.predict([xa, xb]) as dt.Tensor[];
    const [q1, q2] = theirs!.predict([toTf(xa), toTf(xb)]) as tf.Tensor[];
    assertClose(p1, q1, 1e-5, 'softmax head');
    assertClose(p2, q2, 1e-5, 'regression head');
    assert.equal(ours!.getLayer('shared').weights.length, 2, 'the shared layer has one set of weights');
    assert.equal(ours!.countParams(), theirs!.countParams());
    // model.layers in TF.js's (Keras's) order: by depth from the outputs, ties in walk order.
    // (The merge layers are unnamed: compared by class, TF.js names them add_Add1, ...)
    const named = new Set(['a', 'b', 'shared', 'pb', 'cls', 'reg']);
    assert.deepEqual(ours!.layers.map((l) => (named.has(l.name) ? l.name : l.className)), theirs!.layers.map((l) => (named.has(l.name) ? l.name : l.getClassName())));
  });

  it('Subtract is a - b with broadcasting, Dot of rank-3 inputs is a batched matrix product (Keras formulas in float64)', () => {
    const a = randomTensor([2, 3, 4], rng), b = randomTensor([2, 1, 4], rng);
    const s = new layers.Subtract().apply([a, b]);
    for (let i = 0; i < s.size; i++) assert.ok(Math.abs(s.data[i] - (a.data[i] - b.data[Math.floor(i / 12) * 4 + (i % 4)])) < 1e-12);
    const p = randomTensor([2, 3, 4], rng), q = randomTensor([2, 5, 4], rng);
    const d = new layers.Dot({ axes: [2, 2] }).apply([p, q]);
    assert.deepEqual(d.shape, [2, 3, 5]);
    for (let n = 0; n < 2; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
      let ref = 0;
      for (let k = 0; k < 4; k++) ref += p.data[(n * 3 + i) * 4 + k] * q.data[(n * 5 + j) * 4 + k];
      assert.ok(Math.abs(d.data[(n * 3 + i) * 5 + j] - ref) < 1e-12);
    }
    assertClose(new layers.Dot({ axes: 1 }).apply([rand([3, 4]), rand([3, 4])]), tf.zeros([3, 1]), 10, 'Dot rank-2 shape');
  });

  it('a feature-extraction model reuses another model\'s inputs and an inner layer\'s output', () => {
    const { ours } = twoHeaded('dt');
    const features = new models.Model({ inputs: ours!.inputs, outputs: ours!.getLayer('pb').output as Sym });
    const { xa, xb } = data(3);
    const direct = ours!.getLayer('pb').apply(xb);
    assertClose(features.predict({ a: xa, b: xb }) as dt.Tensor, direct, 1e-6, 'features');
    assert.equal(ours!.getLayer(2).name, ours!.layers[2].name);
  });

  it('nested models are layers: a model called inside another, and Sequential as a block', () => {
    const x = layers.input({ shape: [4] });
    const block = new models.Sequential([layers.dense({ units: 6, activation: 'relu' }), layers.dense({ units: 4 })]);
    const inner = new models.Model({ inputs: x, outputs: layers.add([x, block.apply(x)]), name: 'residual_block' });
    const y = layers.input({ shape: [4] });
    const outer = new models.Model({ inputs: y, outputs: layers.dense({ units: 1 }).apply(inner.apply(inner.apply(y))) });
    assert.equal(outer.weights.length, 6, 'the twice-called nested model counts its weights once');
    const v = rand([5, 4]);
    const once = (t: dt.Tensor) => t.add(block.apply(t));
    const dense = outer.layers[outer.layers.length - 1];
    assertClose(outer.predict(v) as dt.Tensor, dense.apply(once(once(v))), 1e-6, 'nested');
  });

  it('every registered layer class has its TF.js lowercase factory', () => {
    for (const name of layerClassNames()) {
      const f = (layers as unknown as Record<string, unknown>)[factoryName(name)];
      assert.equal(typeof f, 'function', `layers.${factoryName(name)} is missing for ${name}: add it to src/layers/factories.ts`);
    }
    assert.ok(layers.dense({ units: 2 }) instanceof layers.Dense);
    assert.ok(models.sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }) instanceof models.Sequential);
  });
});

describe('bad graphs and bad data get clear errors', () => {
  it('incompatible shapes name both layers and the shapes', () => {
    const a = layers.input({ shape: [4], name: 'left' }), b = layers.input({ shape: [3], name: 'right' });
    assert.throws(() => layers.add([a, b]), /Add.*incompatible shapes\. Received shapes \(4,\) and \(3,\).*"left".*\[null, 4\].*"right".*\[null, 3\]/);
    const d = layers.dense({ units: 2, name: 'd1' });
    d.apply(a);
    assert.throws(() => d.apply(b), /layer "d1".*expected axis -1 of input shape to have value 4.*output of layer "right" \(shape \[null, 3\]\)/);
    assert.throws(() => layers.concatenate([layers.input({ shape: [2, 3] }), layers.input({ shape: [4, 4] })]), /matching shapes except for the concatenation axis/);
  });

  it('outputs not reachable from the inputs name the disconnected input', () => {
    const a = layers.input({ shape: [2], name: 'given' }), b = layers.input({ shape: [2], name: 'forgotten' });
    const out = layers.add([a, layers.dense({ units: 2, name: 'proj_b' }).apply(b)]);
    assert.throws(() => new models.Model({ inputs: a, outputs: out }), /Graph disconnected.*input layer "forgotten".*at layer "proj_b"/);
  });

  it('duplicate layer names are refused', () => {
    const a = layers.input({ shape: [2] });
    const out = layers.dense({ units: 2, name: 'twin' }).apply(layers.dense({ units: 2, name: 'twin' }).apply(a));
    assert.throws(() => new models.Model({ inputs: a, outputs: out }), /the name "twin" is used 2 times in the model/);
  });

  it('missing inputs at fit/predict, unknown output names in compile', async () => {
    const { ours } = twoHeaded('dt');
    const { xa, xb, yc, yr } = data(4);
    assert.throws(() => ours!.predict({ a: xa }), /no data for input "b"/);
    assert.throws(() => ours!.predict(xa), /has 2 inputs \(a, b\)/);
    assert.throws(() => ours!.compile({ loss: { cls: 'sparse_categorical_crossentropy', regression: 'mse' }, optimizer: 'sgd' }), /keyed by 'regression', which is not an output of the model; its outputs are: cls, reg/);
    ours!.compile({ loss: ['sparse_categorical_crossentropy', 'mse'], optimizer: 'sgd' });
    await assert.rejects(ours!.fit({ a: xa, c: xb }, [yc, yr], { verbose: 0 }), /x has a key 'c' that is not an input/);
    await assert.rejects(ours!.fit([xa, xb], { cls: yc }, { verbose: 0 }), /no data for output "reg"/);
    assert.throws(() => new layers.Add().apply([a0(), dt.zeros([1, 2])] as never), /other inputs are symbolic tensors/);
  });
});
const a0 = () => layers.input({ shape: [2] });

describe('lists of inputs', () => {
  it('a one-input layer unwraps a list of one and refuses a longer list; merges refuse a single tensor', () => {
    const a = layers.input({ shape: [3] });
    assert.deepEqual(layers.dense({ units: 2 }).apply([a]).shape, [null, 2]);
    assert.throws(() => layers.dense({ units: 2, name: 'solo' }).apply([a, a]), /Layer "solo" \(Dense\) takes one input, but it was called on a list of 2/);
    assert.throws(() => new layers.Add({ name: 'lonely' }).apply(a), /merge layer \("lonely", Add\) should be called on a list of inputs/);
    assert.throws(() => layers.subtract([a, a, a]), /should be called on exactly 2 inputs/);
  });
});
