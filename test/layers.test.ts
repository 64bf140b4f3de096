import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';

describe('layers', () => {
  it('Conv2D builds lazily on first call, as in the seed notebook', () => {
    const conv = new layers.Conv2D({ filters: 1, kernelSize: [5, 5] });
    assert.equal(conv.built, false);
    const y = conv.apply(dt.zeros([1, 28, 28, 1]));
    assert.deepEqual(y.shape, [1, 24, 24, 1]);
    const [kernel, bias] = conv.getWeights();
    assert.deepEqual(kernel.shape, [5, 5, 1, 1]);
    assert.deepEqual(bias.shape, [1]);
    assert.deepEqual(new layers.Conv2D({ filters: 1, kernelSize: 5, padding: 'same' }).apply(dt.zeros([1, 28, 28, 1])).shape, [1, 28, 28, 1]);
  });

  it('setWeights checks count and shapes', () => {
    const conv = new layers.Conv2D({ filters: 2, kernelSize: 3, name: 'probe' });
    conv.apply(dt.zeros([1, 5, 5, 1]));
    assert.throws(() => conv.setWeights([dt.zeros([3, 3, 1, 2])]), /Layer "probe" expects 2 weights, but setWeights received 1/);
    assert.throws(() => conv.setWeights([dt.zeros([3, 3, 1, 1]), dt.zeros([2])]),
      /weight probe\/kernel has shape \[3, 3, 1, 2\], not compatible with provided weight shape \[3, 3, 1, 1\]/);
    conv.setWeights([dt.ones([3, 3, 1, 2]), dt.tensor([1, 2])]);
    assert.deepEqual(conv.apply(dt.ones([1, 3, 3, 1])).toArray(), [[[[10, 11]]]]);
  });

  it('get Keras-style unique names', () => {
    const a = new layers.Dense({ units: 1 }), b = new layers.Dense({ units: 1 });
    assert.match(a.name, /^dense(_\d+)?$/);
    assert.notEqual(a.name, b.name);
    assert.match(new layers.MaxPooling2D().name, /^max_pooling2d/);
  });

  it('reject bad arguments with the argument and value named', () => {
    assert.throws(() => new layers.Conv2D({ filters: 0, kernelSize: 3 }), /Invalid value for argument 'filters'.*Received filters=0/);
    assert.throws(() => new layers.Conv2D({ filters: -2, kernelSize: 3 }), /Received filters=-2/);
    assert.throws(() => new layers.Conv2D({ filters: 2, kernelSize: [0, 3] }), /argument 'kernelSize'.*Received kernelSize=\[0,3\]/);
    assert.throws(() => new layers.Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), /padding.*Received padding='full'/);
    assert.throws(() => new layers.Dense({ units: 0 }), /argument 'units'.*Received units=0/);
    assert.throws(() => new layers.Dense({ units: 2, activation: 'swishy' as 'relu' }), /unknown activation 'swishy'/);
  });

  it('reject inputs of the wrong rank or channels, naming the layer and both shapes', () => {
    const conv = new layers.Conv2D({ filters: 4, kernelSize: 3, name: 'c1' });
    assert.throws(() => conv.apply(dt.zeros([2, 28, 28])),
      /Input 0 of layer "c1" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: \[2, 28, 28\]/);
    conv.apply(dt.zeros([1, 8, 8, 1]));
    assert.throws(() => conv.apply(dt.zeros([1, 8, 8, 3])), /expected axis -1 of input shape to have value 1, but received input with shape \[1, 8, 8, 3\]/);
    const dense = new layers.Dense({ units: 3, name: 'd1' });
    dense.apply(dt.zeros([2, 4]));
    assert.throws(() => dense.apply(dt.zeros([2, 5])), /layer "d1".*expected axis -1 of input shape to have value 4/);
  });

  it('Reshape and Flatten compute shapes and refuse impossible ones', () => {
    assert.deepEqual(new layers.Reshape({ targetShape: [28, 28, 1] }).apply(dt.zeros([3, 28, 28])).shape, [3, 28, 28, 1]);
    assert.deepEqual(new layers.Flatten().apply(dt.zeros([3, 7, 7, 16])).shape, [3, 784]);
    assert.throws(() => new layers.Reshape({ targetShape: [28, 28, 2], name: 'r' }).apply(dt.zeros([1, 28, 28])),
      /Layer "r": total size of new array must be unchanged, input_shape = \[28, 28\], output_shape = \[28, 28, 2\]/);
  });

  it('a Sequential model without the Reshape refuses [28, 28] images at construction', () => {
    assert.throws(() => new models.Sequential([
      new layers.Input({ shape: [28, 28] }),
      new layers.Conv2D({ filters: 8, kernelSize: 3, name: 'conv_no_reshape' }),
    ]), /Input 0 of layer "conv_no_reshape" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: \[null, 28, 28\]/);
  });

  it('Dense on a rank-3 input applies to the last axis', () => {
    const d = new layers.Dense({ units: 2, kernelInitializer: 'ones' });
    assert.deepEqual(d.apply(dt.ones([2, 3, 4])).shape, [2, 3, 2]);
    assert.deepEqual(Array.from(d.apply(dt.ones([1, 1, 4])).data), [4, 4]);
  });

  it('glorot uniform kernels stay within Keras limits and repeat for a seed', () => {
    dt.setRandomSeed(5);
    const a = new layers.Dense({ units: 30 }); a.apply(dt.zeros([1, 20]));
    dt.setRandomSeed(5);
    const b = new layers.Dense({ units: 30 }); b.apply(dt.zeros([1, 20]));
    const limit = Math.sqrt(6 / 50);
    const k = a.getWeights()[0];
    assert.ok(k.abs().max().item() <= limit && k.abs().max().item() > 0.9 * limit);
    assert.deepEqual(Array.from(k.data), Array.from(b.getWeights()[0].data));
    assert.deepEqual(Array.from(a.getWeights()[1].data), new Array(30).fill(0));
  });
});
