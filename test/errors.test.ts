// The messages users see for bad input, across the API (each case also feeds docs/errors.md:
// scripts/errors-catalogue.ts runs the tests that use expectError and writes the catalogue).
import { describe, it } from 'node:test';
import * as dt from '../src/index.ts';
import { callbacks, datasets, layers, models, optimizers } from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { expectError } from './helpers/errors.ts';

function compiled(): models.Sequential {
  const m = seedModel();
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
  return m;
}

describe('error messages for bad input', () => {
  it('tensor([[1, 2], [3]]) (ragged)', async () => { await expectError('tensors', 'tensor([[1, 2], [3]]) (ragged)', () => dt.tensor([[1, 2], [3]]), /ragged nested array: expected length 2 at axis 1/); });
  it('tensor([1, 2, 3], [2, 2])', async () => { await expectError('tensors', 'tensor([1, 2, 3], [2, 2])', () => dt.tensor([1, 2, 3], [2, 2]), /3 values do not fit shape \[2, 2\]/); });
  it("tensor([1], null, 'float16')", async () => { await expectError('tensors', "tensor([1], null, 'float16')", () => dt.tensor([1], null, 'float16' as never), /unknown dtype 'float16', expected one of float32, float64, int32, uint8/); });
  it('zeros([-1, 2])', async () => { await expectError('tensors', 'zeros([-1, 2])', () => dt.zeros([-1, 2]), /the shape must be a list of non-negative integers, got \[-1, 2\]/); });
  it('reshape [2, 3] to [4, 2]', async () => { await expectError('tensors', 'reshape [2, 3] to [4, 2]', () => dt.zeros([2, 3]).reshape([4, 2]), /cannot reshape 6 elements into shape \[4, 2\]/); });
  it('reshape to [-1, -1]', async () => { await expectError('tensors', 'reshape to [-1, -1]', () => dt.zeros([2, 3]).reshape([-1, -1]), /only one dimension may be -1/); });
  it('[2, 3] + [4]', async () => { await expectError('tensors', '[2, 3] + [4]', () => dt.zeros([2, 3]).add(dt.zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/); });
  it('matMul([2, 3], [4, 5])', async () => { await expectError('tensors', 'matMul([2, 3], [4, 5])', () => dt.matMul(dt.zeros([2, 3]), dt.zeros([4, 5])), /matMul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/); });
  it('matMul([2], [2, 5])', async () => { await expectError('tensors', 'matMul([2], [2, 5])', () => dt.matMul(dt.zeros([2]), dt.zeros([2, 5])), /are not matrices/); });
  it('transpose([2, 3], [0, 0])', async () => { await expectError('tensors', 'transpose([2, 3], [0, 0])', () => dt.zeros([2, 3]).transpose([0, 0]), /is not a permutation of the 2 axes/); });
  it('index(5) on [2, 3]', async () => { await expectError('tensors', 'index(5) on [2, 3]', () => dt.zeros([2, 3]).index(5), /index 5 is out of bounds for axis 0 with size 2/); });
  it("index('a:b')", async () => { await expectError('tensors', "index('a:b')", () => dt.zeros([2, 3]).index('a:b'), /cannot read 'a:b' as a slice/); });
  it('squeeze(0) of [2, 3]', async () => { await expectError('tensors', 'squeeze(0) of [2, 3]', () => dt.zeros([2, 3]).squeeze(0), /axis 0 of shape \[2, 3\] has size 2, not 1/); });
  it('item() of [2]', async () => { await expectError('tensors', 'item() of [2]', () => dt.zeros([2]).item(), /has 2 elements, expected 1/); });
  it('range(0, 5, 0)', async () => { await expectError('tensors', 'range(0, 5, 0)', () => dt.range(0, 5, 0), /step must not be 0/); });
  it('oneHot([1.5], 3)', async () => { await expectError('tensors', 'oneHot([1.5], 3)', () => dt.oneHot(dt.tensor([1.5]), 3), /index 1.5 is outside \[0, 3\)/); });
  it('conv2d of 2 channels by a kernel for 3', async () => { await expectError('tensors', 'conv2d of 2 channels by a kernel for 3', () => dt.conv2d(dt.zeros([1, 5, 5, 2]), dt.zeros([3, 3, 3, 4])), /input has 2 channels, so with groups=1 the kernel must have 2 input channels; got kernel shape \[3, 3, 3, 4\]/); });
  it('conv2d 3x3 kernel on a 2x2 input, valid', async () => { await expectError('tensors', 'conv2d 3x3 kernel on a 2x2 input, valid', () => dt.conv2d(dt.zeros([1, 2, 2, 1]), dt.zeros([3, 3, 1, 4])), /a 3x3 kernel is larger than the 2x2 input padded with "valid"; use a smaller kernel or dilation, or padding 'same'/); });
  it('conv2d of a rank-3 input', async () => { await expectError('tensors', 'conv2d of a rank-3 input', () => dt.conv2d(dt.zeros([5, 5, 1]), dt.zeros([3, 3, 1, 4])), /expected input of rank 4 \[batch, height, width, channels\]/); });
  it('maxPool2d 2x2 on a 1x1 input', async () => { await expectError('tensors', 'maxPool2d 2x2 on a 1x1 input', () => dt.maxPool2d(dt.zeros([1, 1, 1, 1]), 2), /a 2x2 window does not fit in a 1x1 input/); });
  it('setThreads(0)', async () => { await expectError('backend', 'setThreads(0)', () => dt.setThreads(0), /expected a positive integer, got 0/); });
  it("setBackend('cuda')", async () => { await expectError('backend', "setBackend('cuda')", () => dt.setBackend('cuda'), /unknown backend 'cuda', available: js, wasm/); });
  it('new Dense({})', async () => { await expectError('layers', 'new Dense({})', () => new layers.Dense({} as never), /Invalid value for argument 'units' of layer \"dense.*\". Expected a strictly positive integer. Received units=undefined/); });
  it("new Dense({units: 3, activaton: 'relu'}) (a misspelt option)", async () => { await expectError('layers', "new Dense({units: 3, activaton: 'relu'}) (a misspelt option)", () => new layers.Dense({ units: 3, activaton: 'relu' } as never), /Layer "dense.*": unknown option 'activaton'. Valid options are: activation, .*batchInputShape/); });
  // Found by a fuzz of bad options (session 26): TypeErrors, V8's RangeError and a wrong echo before.
  it('new Conv1D({filters: 2, kernelSize: null})', async () => { await expectError('layers', 'new Conv1D({filters: 2, kernelSize: null})', () => new layers.Conv1D({ filters: 2, kernelSize: null } as never), /Invalid value for argument 'kernelSize' of layer "conv1d.*". Expected a positive integer. Received kernelSize=null/); });
  it('new Conv1D({filters: 2, kernelSize: 3, strides: true})', async () => { await expectError('layers', 'new Conv1D({filters: 2, kernelSize: 3, strides: true})', () => new layers.Conv1D({ filters: 2, kernelSize: 3, strides: true } as never), /Received strides=true/); });
  it('new Dropout({rate: 0.5, noiseShape: 1.5})', async () => { await expectError('layers', 'new Dropout({rate: 0.5, noiseShape: 1.5})', () => new layers.Dropout({ rate: 0.5, noiseShape: 1.5 } as never), /Invalid value for argument 'noiseShape' of layer "dropout.*". Expected null or a list of positive integers \(null for the input's size on that axis\). Received noiseShape=1.5/); });
  it('Conv1D({filters: 1e9}) applied', async () => { await expectError('memory', 'Conv1D({filters: 1e9, kernelSize: 3}) applied to [1, 6, 2]', () => new layers.Conv1D({ filters: 1e9, kernelSize: 3 }).apply(dt.ones([1, 6, 2])), /Layer "conv1d.*": weight kernel of shape \[3, 2, 1000000000\]: cannot allocate 6000000000 float32 values \(22.4 GiB\): one array holds at most 4294967295 elements/); });
  it('zeros([1e6, 1e6])', async () => { await expectError('memory', 'zeros([1e6, 1e6])', () => dt.zeros([1e6, 1e6]), /cannot allocate 1000000000000 float32 values \(3725.3 GiB\)/); });
  it("new MaxPooling2D({pool_size: 2}) (a Python spelling)", async () => { await expectError('layers', "new MaxPooling2D({pool_size: 2}) (a Python spelling)", () => new layers.MaxPooling2D({ pool_size: 2 } as never), /unknown option 'pool_size'/); });
  it("new Dense({units: 3, activation: 'relux'})", async () => { await expectError('layers', "new Dense({units: 3, activation: 'relux'})", () => new layers.Dense({ units: 3, activation: 'relux' as never }), /unknown activation 'relux', expected one of/); });
  it('new Conv2D({filters: 2, kernelSize: 0})', async () => { await expectError('layers', 'new Conv2D({filters: 2, kernelSize: 0})', () => new layers.Conv2D({ filters: 2, kernelSize: 0 }), /Invalid value for argument 'kernelSize'.*Expected positive integers. Received kernelSize=0/); });
  it('new Conv2D({filters: -1, kernelSize: 3})', async () => { await expectError('layers', 'new Conv2D({filters: -1, kernelSize: 3})', () => new layers.Conv2D({ filters: -1, kernelSize: 3 }), /Invalid value for argument 'filters'.*Received filters=-1/); });
  it('new Input({})', async () => { await expectError('layers', 'new Input({})', () => new layers.Input({} as never), /give the input shape, e.g. new Input\(\{shape: \[28, 28\]\}\)/); });
  it('new Reshape({targetShape: [0, 2]})', async () => { await expectError('layers', 'new Reshape({targetShape: [0, 2]})', () => new layers.Reshape({ targetShape: [0, 2] }), /targetShape must be a list of positive integers \(one may be -1\), got \[0, 2\]/); });
  it("new Dense({units: 2, inputShape: 'x'})", async () => { await expectError('layers', "new Dense({units: 2, inputShape: 'x'})", () => new layers.Dense({ units: 2, inputShape: 'x' as never }), /inputShape must be a list of positive integers or null, got x/); });
  it('setWeights with 1 tensor for a Conv2D', async () => { await expectError('layers', 'setWeights with 1 tensor for a Conv2D', () => seedModel().layers[1].setWeights([dt.zeros([1])]), /expects 2 weights, but setWeights received 1/); });
  it('setWeights with a wrong kernel shape', async () => { await expectError('layers', 'setWeights with a wrong kernel shape', () => seedModel().layers[1].setWeights([dt.zeros([1]), dt.zeros([1])]), /has shape \[3, 3, 1, 32\], not compatible with provided weight shape \[1\]/); });
  it('Sequential.add(3)', async () => { await expectError('models', 'Sequential.add(3)', () => new models.Sequential().add(3 as never), /Sequential.add: expected a Layer, got number/); });
  it('an Input after another layer', async () => { await expectError('models', 'an Input after another layer', () => new models.Sequential([new layers.Dense({ units: 2, inputShape: [3] }), new layers.Input({ shape: [3] })]), /an Input can only come first/); });
  it('summary() of an unbuilt model', async () => { await expectError('models', 'summary() of an unbuilt model', () => new models.Sequential([new layers.Dense({ units: 2 })]).summary(), /has not been built yet: give it an Input, or call it on data first/); });
  it('fit before compile', async () => { await expectError('training', 'fit before compile', () => seedModel().fit(dt.zeros([2, 28, 28]), dt.zeros([2])), /You must call compile\(\) on model \".*\" before fit\(\)/); });
  it('evaluate before compile', async () => { await expectError('training', 'evaluate before compile', () => seedModel().evaluate(dt.zeros([2, 28, 28]), dt.zeros([2])), /before evaluate\(\)/); });
  it('compile without a loss', async () => { await expectError('training', 'compile without a loss', () => seedModel().compile({ optimizer: 'adam' } as never), /both loss and optimizer are required/); });
  it("compile({loss: 'hinge2'})", async () => { await expectError('training', "compile({loss: 'hinge2'})", () => seedModel().compile({ loss: 'hinge2', optimizer: 'adam' }), /unknown loss 'hinge2', expected a Loss, a function \(yTrue, yPred\) => Tensor, or one of .*hinge/); });
  it("compile({optimizer: 'adamw2'})", async () => { await expectError('training', "compile({optimizer: 'adamw2'})", () => seedModel().compile({ loss: 'mse', optimizer: 'adamw2' }), /unknown optimizer 'adamw2'/); });
  it("compile({metrics: ['f7']})", async () => { await expectError('training', "compile({metrics: ['f7']})", () => seedModel().compile({ loss: 'mse', optimizer: 'adam', metrics: ['f7'] }), /unknown metric 'f7'/); });
  it('new Adam({learningRate: -1})', async () => { await expectError('training', 'new Adam({learningRate: -1})', () => new optimizers.Adam({ learningRate: -1 }), /Adam: learningRate must be a positive number or a LearningRateSchedule, got -1/); });
  it('fit with 4 samples of x and 3 of y', async () => { await expectError('training', 'fit with 4 samples of x and 3 of y', () => compiled().fit(dt.zeros([4, 28, 28]), dt.zeros([3])), /x and y must have the same number of samples, got x of shape \[4, 28, 28\] and y of shape \[3\]/); });
  it('fit with label 12 for 10 classes', async () => { await expectError('training', 'fit with label 12 for 10 classes', () => compiled().fit(dt.zeros([2, 28, 28]), dt.tensor([0, 12])), /y\[1\] = 12 is not a class of the model's output \(layer \".*\" has 10 units, so labels must be integers in \[0, 9\]\)/); });
  it('fit({batchSize: 0})', async () => { await expectError('training', 'fit({batchSize: 0})', () => compiled().fit(dt.zeros([2, 28, 28]), dt.tensor([0, 1]), { batchSize: 0 }), /fit: batchSize must be a positive integer, got 0/); });
  it('fit({epochs: -1})', async () => { await expectError('training', 'fit({epochs: -1})', () => compiled().fit(dt.zeros([2, 28, 28]), dt.tensor([0, 1]), { epochs: -1 }), /epochs must be a non-negative integer, got -1/); });
  it('fit({validationSplit: 1})', async () => { await expectError('training', 'fit({validationSplit: 1})', () => compiled().fit(dt.zeros([2, 28, 28]), dt.tensor([0, 1]), { validationSplit: 1 }), /validationSplit must be in \[0, 1\), got 1/); });
  it("EarlyStopping({mode: 'up'})", async () => { await expectError('training', "EarlyStopping({mode: 'up'})", () => new callbacks.EarlyStopping({ mode: 'up' as never }), /EarlyStopping: mode must be 'min', 'max' or 'auto', got 'up'/); });
  it('EarlyStopping({patience: -1})', async () => { await expectError('training', 'EarlyStopping({patience: -1})', () => new callbacks.EarlyStopping({ patience: -1 }), /EarlyStopping: patience must be an integer >= 0, got -1/); });
  it('new ModelCheckpoint({})', async () => { await expectError('training', 'new ModelCheckpoint({})', () => new callbacks.ModelCheckpoint({} as never), /ModelCheckpoint: filepath is required/); });
  it('predict({batchSize: 0})', async () => { await expectError('training', 'predict({batchSize: 0})', () => seedModel().predict(dt.zeros([2, 28, 28]), { batchSize: 0 }), /predict: batchSize must be a positive integer, got 0/); });
  it('readIdx of a missing file', async () => { await expectError('data', 'readIdx of a missing file', () => datasets.readIdx('/nonexistent/file.idx'), /IDX file \/nonexistent\/file.idx: cannot read it \(ENOENT/); });
  it('parseIdx of 2 bytes', async () => { await expectError('data', 'parseIdx of 2 bytes', () => datasets.parseIdx(new Uint8Array([0, 0]), 'x.idx'), /IDX file x.idx: too short for a header \(2 bytes\)/); });
  it('parseIdx with a bad magic number', async () => { await expectError('data', 'parseIdx with a bad magic number', () => datasets.parseIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 1, 5]), 'x.idx'), /bad magic number 0x01020801 \(the first two bytes must be zero\)/); });
  it('parseIdx of a truncated file', async () => { await expectError('data', 'parseIdx of a truncated file', () => datasets.parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 5]), 'x.idx'), /truncated: shape \[9\] needs 17 bytes, the file has 9/); });
  it('parseIdx with an unknown type code', async () => { await expectError('data', 'parseIdx with an unknown type code', () => datasets.parseIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 1, 5]), 'x.idx'), /unknown data type code 0x7/); });
  it("mnist.loadData('/nonexistent')", async () => { await expectError('data', "mnist.loadData('/nonexistent')", () => datasets.mnist.loadData('/nonexistent'), /IDX file \/nonexistent\/train-images-idx3-ubyte: cannot read it/); });
  it('loadModel of a .keras file with one weight byte changed', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const model = new models.Sequential([new layers.Input({ shape: [2] }), new layers.Dense({ units: 1 })]);
    model.setWeights([dt.tensor([[0.123456], [0.654321]]), dt.tensor([0.5])]);
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-errors-')), 'model.keras');
    await model.save(path);
    const bytes = readFileSync(path), at = bytes.indexOf(Buffer.from(new Float32Array([0.123456]).buffer));
    bytes[at] ^= 1; // a weight stored uncompressed: still a valid zip and a valid HDF5 file
    writeFileSync(path, bytes);
    await expectError('files', 'loadModel of a .keras file with one bit of a weight flipped', () => models.loadModel(path), /model.weights.h5 inside the .keras zip does not match its CRC-32: the file is damaged/);
  });
  it("loadModel('/nonexistent/dir')", async () => { await expectError('files', "loadModel('/nonexistent/dir')", () => models.loadModel('/nonexistent/dir'), /loadModel: cannot read \/nonexistent\/dir/); });
});
