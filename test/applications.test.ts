// Keras's applications: the architectures against Keras's own figures (model.summary()'s
// parameter counts, which pin every layer's width and kernel), Keras's layer names, the
// weights round trip through Keras's .h5 layout and the 'imagenet' cache, the preprocessings
// against their formulas in float64, and a transfer-learning step on the fast engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { applications as A, layers, tensor, type Tensor } from '../src/index.ts';
import { assertClose } from './helpers/oracle.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { backend } from '../src/core/engine.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-apps-'));
const nonTrainable = (m: dt.models.Model): number => m.nonTrainableWeights.reduce((s, w) => s + w.size, 0);
const names = (m: dt.models.Model): string[] => m.layers.map((l) => l.name);

describe('applications: the architectures are Keras\'s', () => {
  // Total and non-trainable parameters as Keras's model.summary() prints them (the top's
  // Dense/conv_preds of 1000 classes removed where includeTop is false: 2048*1000+1000 for the
  // ResNets, which matches Keras's 25,636,712 / 25,613,800 totals with the top).
  const cases: [string, () => Promise<dt.models.Model>, number, number, [number | null, ...(number | null)[]]][] = [
    ['VGG16 (no top)', () => A.VGG16({ weights: null, includeTop: false, inputShape: [64, 64, 3] }), 14_714_688, 0, [null, 2, 2, 512]],
    ['ResNet50 (no top)', () => A.ResNet50({ weights: null, includeTop: false }), 25_636_712 - 2_049_000, 53_120, [null, null, null, 2048]],
    ['ResNet50V2 (no top)', () => A.ResNet50V2({ weights: null, includeTop: false, pooling: 'avg' }), 25_613_800 - 2_049_000, 45_440, [null, 2048]],
    ['MobileNet', () => A.MobileNet({ weights: null }), 4_253_864, 21_888, [null, 1000]],
    ['MobileNetV2', () => A.MobileNetV2({ weights: null }), 3_538_984, 34_112, [null, 1000]],
    ['DenseNet121', () => A.DenseNet121({ weights: null }), 8_062_504, 83_648, [null, 1000]],
  ];
  for (const [name, build, total, frozen, outShape] of cases) {
    it(`${name}: ${total.toLocaleString('en-US')} parameters, ${frozen.toLocaleString('en-US')} non-trainable`, async () => {
      const m = await build();
      assert.equal(m.countParams(), total);
      assert.equal(nonTrainable(m), frozen);
      assert.deepEqual(m.outputs[0].shape, outShape);
    });
  }

  it('layers carry Keras\'s names (what its weight files are keyed by)', async () => {
    const r = names(await A.ResNet50({ weights: null, includeTop: true, classes: 10 }));
    for (const n of ['conv1_pad', 'conv1_conv', 'conv1_bn', 'pool1_pool', 'conv2_block1_0_conv', 'conv2_block1_3_bn', 'conv3_block4_add', 'conv4_block6_out', 'conv5_block3_out', 'avg_pool', 'predictions']) assert.ok(r.includes(n), n);
    const v2 = names(await A.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [96, 96, 3], includeTop: false }));
    for (const n of ['Conv1', 'bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'expanded_conv_project_BN', 'block_1_pad', 'block_2_add', 'block_16_project_BN', 'Conv_1', 'Conv_1_bn', 'out_relu']) assert.ok(v2.includes(n), n);
    assert.ok(!v2.includes('block_1_add'), 'a strided block has no residual add');
    const v1 = await A.MobileNet({ weights: null, alpha: 0.25, inputShape: [128, 128, 3] });
    for (const n of ['conv1', 'conv1_bn', 'conv_pad_2', 'conv_dw_13', 'conv_pw_13_bn', 'conv_preds', 'reshape_2', 'predictions']) assert.ok(names(v1).includes(n), n);
    assert.equal(v1.name, 'mobilenet_0.25_128');
    const d = names(await A.DenseNet121({ weights: null, includeTop: false, inputShape: [32, 32, 3] }));
    for (const n of ['conv1_conv', 'conv1_bn', 'pool1', 'conv2_block1_0_bn', 'conv2_block6_concat', 'pool2_conv', 'pool4_pool', 'conv5_block16_2_conv', 'bn', 'relu']) assert.ok(d.includes(n), n);
    assert.deepEqual(names(await A.VGG19({ weights: null, includeTop: false, inputShape: [32, 32, 3] })).filter((n) => n.startsWith('block5')), ['block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_conv4', 'block5_pool']);
  });

  it("model.layers in Keras's order: ResNet50V2's weighted layers as a Keras checkpoint numbers them", async () => {
    // layer_with_weights-0 ... -8 of a Keras ResNet50V2 checkpoint (google-research's RepNet
    // name mapping): the shortcut 0_conv comes after the main path's 2_bn, not first.
    const m = await A.ResNet50V2({ weights: null, includeTop: false, inputShape: [32, 32, 3] });
    assert.deepEqual(m.layers.filter((l) => l.weights.length > 0).slice(0, 9).map((l) => l.name), ['conv1_conv', 'conv2_block1_preact_bn',
      'conv2_block1_1_conv', 'conv2_block1_1_bn', 'conv2_block1_2_conv', 'conv2_block1_2_bn', 'conv2_block1_0_conv', 'conv2_block1_3_conv', 'conv2_block2_preact_bn']);
  });

  it('MobileNetV2 widths follow Keras\'s _make_divisible (alpha 0.35: 16-channel stem, 8-channel first block)', async () => {
    const m = await A.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [96, 96, 3], includeTop: false });
    const width = (n: string): number | null => (m.getLayer(n).output as dt.layers.SymbolicTensor).shape.at(-1) as number | null;
    assert.equal(width('Conv1'), 16);
    assert.equal(width('expanded_conv_project'), 8);
    assert.equal(width('block_16_project'), 112);
    assert.equal(width('Conv_1'), 1280);
    // correct_pad: 48x48 (even) pads one less at the top/left before the stride-2 depthwise (6 x 8 channels).
    assert.deepEqual((m.getLayer('block_1_pad').output as dt.layers.SymbolicTensor).shape, [null, 49, 49, 48]);
  });
});

describe('applications: weights', () => {
  const small = (weights: string | null): Promise<dt.models.Model> => A.MobileNetV2({ weights, alpha: 0.35, inputShape: [96, 96, 3], includeTop: false, pooling: 'avg' });
  const x = dt.randomUniform([2, 96, 96, 3], -1, 1, 'float32', 3);

  it('a Keras 2 .h5 weights file loads by layer name and predicts the same', async () => {
    const dir = tmp();
    const a = await small(null);
    await a.saveWeights(join(dir, 'w.h5'));
    const b = await small(join(dir, 'w.h5'));
    assert.deepEqual((b.predict(x) as Tensor).dataSync(), (a.predict(x) as Tensor).dataSync());
  });

  it("weights 'imagenet' come from the cache under Keras's file name (no download when cached)", async () => {
    const home = tmp();
    const a = await small(null);
    mkdirSync(join(home, 'models'), { recursive: true });
    await a.saveWeights(join(home, 'w.h5'));
    copyFileSync(join(home, 'w.h5'), join(home, 'models', 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5'));
    const before = process.env.DEEPTYPE_HOME;
    process.env.DEEPTYPE_HOME = home;
    try {
      const b = await small('imagenet');
      assert.deepEqual((b.predict(x) as Tensor).dataSync(), (a.predict(x) as Tensor).dataSync());
    } finally {
      if (before === undefined) delete process.env.DEEPTYPE_HOME; else process.env.DEEPTYPE_HOME = before;
    }
  });

  it('a file without some of the model\'s layers is an error naming them', async () => {
    const dir = tmp();
    const other = await A.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [96, 96, 3], includeTop: true, classes: 3 });
    await other.saveWeights(join(dir, 'top.h5'));
    // The file has every layer of the no-top model plus 'predictions': fine the other way round only.
    await small(join(dir, 'top.h5'));
    const noTop = await small(null);
    await noTop.saveWeights(join(dir, 'notop.h5'));
    await assert.rejects(A.MobileNetV2({ weights: join(dir, 'notop.h5'), alpha: 0.35, inputShape: [96, 96, 3], classes: 3 }), /no weights for 1 of the model's layers \(predictions\)/);
  });
});

describe('applications: errors name the argument', () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['classes with imagenet and a top', () => A.ResNet50({ classes: 10 }), /classes must be 1000/],
    ['a non-default size with imagenet and a top', () => A.VGG16({ inputShape: [64, 64, 3] }), /the input must be \[224,224,3\]/],
    ['2 channels with imagenet', () => A.MobileNetV2({ includeTop: false, inputShape: [96, 96, 2] }), /need 3 input channels/],
    ['an input under 32', () => A.ResNet50({ weights: null, includeTop: false, inputShape: [16, 16, 3] }), /at least 32/],
    ['an unknown option', () => A.MobileNet({ weights: null, depth_multiplier: 2 } as never), /depth_multiplier/],
    ['alpha without imagenet weights', () => A.MobileNetV2({ alpha: 0.9 }), /alpha 0.35, 0.5, 0.75, 1, 1.3, 1.4/],
    ['pooling', () => A.VGG16({ weights: null, includeTop: false, pooling: 'mean' as never }), /pooling must be null, 'avg' or 'max'/],
    ['a free-size input with a top', () => A.VGG16({ weights: null, inputShape: [null, null, 3] }), /must be fixed/],
    ['weights of the wrong type', () => A.VGG16({ weights: 3 as never }), /weights must be null, 'imagenet' or the path/],
  ];
  for (const [what, f, message] of cases) it(what, async () => { await assert.rejects(f(), message); });
});

describe('applications: preprocessInput and decodePredictions', () => {
  const rgb = [[10, 200, 30], [255, 0, 128]];
  const x = tensor(rgb.flat(), [1, 1, 2, 3]);
  const f64 = (t: Tensor): number[] => Array.from(t.dataSync());
  const close = (a: number[], b: number[]): void => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])), `${i}: ${v} vs ${b[i]}`));

  it("caffe: BGR, minus ImageNet's mean per channel", () => {
    const mean = [103.939, 116.779, 123.68]; // B, G, R
    close(f64(A.resnet50.preprocessInput(x)), rgb.flatMap(([r, g, b]) => [b - mean[0], g - mean[1], r - mean[2]]));
    close(f64(A.vgg16.preprocessInput(x)), f64(A.imagenetUtils.preprocessInput(x, { mode: 'caffe' })));
  });
  it("tf: to [-1, 1]; torch: to [0, 1] then ImageNet's mean and std", () => {
    close(f64(A.mobilenetV2.preprocessInput(x)), rgb.flat().map((v) => v / 127.5 - 1));
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    close(f64(A.imagenetUtils.preprocessInput(x, { mode: 'torch' })), rgb.flatMap((p) => p.map((v, c) => (v / 255 - mean[c]) / std[c])));
  });
  it('channelsFirst and integer inputs', () => {
    const first = tensor([10, 255, 200, 0, 30, 128], [1, 3, 1, 2]); // the same two pixels, channels first
    const mean = [103.939, 116.779, 123.68];
    close(f64(A.imagenetUtils.preprocessInput(first, { dataFormat: 'channelsFirst' })), [30 - mean[0], 128 - mean[0], 200 - mean[1], 0 - mean[1], 10 - mean[2], 255 - mean[2]]);
    close(f64(A.mobilenet.preprocessInput(tensor(new Int32Array([0, 255, 51]), [1, 1, 1, 3]))), [-1, 1, -0.6]);
    assert.throws(() => A.imagenetUtils.preprocessInput(tensor([1, 2], [1, 1, 1, 2])), /3 channels on axis 3/);
    assert.throws(() => A.imagenetUtils.preprocessInput(x, { mode: 'keras' as never }), /mode must be 'caffe', 'tf' or 'torch'/);
    assert.throws(() => A.resnet50.preprocessInput(x, { mode: 'tf' } as never), /this application's mode is 'caffe'/);
  });
  it('decodePredictions: the top classes by score, best first, from a class index', async () => {
    const index = Object.fromEntries(Array.from({ length: 1000 }, (_, c) => [String(c), [`n${String(c).padStart(8, '0')}`, `class${c}`]])) as Record<string, [string, string]>;
    const scores = new Float32Array(2000);
    scores[7] = 0.5; scores[3] = 0.3; scores[999] = 0.2; scores[1000 + 42] = 0.9;
    const out = await A.imagenetUtils.decodePredictions(tensor(scores, [2, 1000]), { top: 3, classIndex: index });
    assert.deepEqual(out[0].map(([id, name]) => [id, name]), [['n00000007', 'class7'], ['n00000003', 'class3'], ['n00000999', 'class999']]);
    assert.equal(out[1][0][1], 'class42');
    assertClose(tensor(out[0].map((p) => p[2])), tensor([0.5, 0.3, 0.2]), 1e-7);
    const file = join(tmp(), 'index.json');
    writeFileSync(file, JSON.stringify(index));
    assert.equal((await A.mobilenet.decodePredictions(tensor(scores, [2, 1000]), { top: 1, classIndex: file }))[1][0][1], 'class42');
    await assert.rejects(A.imagenetUtils.decodePredictions(tensor(scores.subarray(0, 10), [1, 10]), { classIndex: index }), /shape \[samples, 1000\]. Received shape \[1, 10\]/);
    await assert.rejects(A.imagenetUtils.decodePredictions(tensor(scores, [2, 1000]), { classIndex: { 0: ['a', 'b'] } as never }), /no \[wordnetId, name\] entry for class 1/);
  });
});

describe('applications: transfer learning on the fast engine', () => {
  it('a frozen MobileNetV2 base with a new head: compiled predict = eager, and a fit step lowers the loss', async () => {
    dt.setRandomSeed(5);
    const base = await A.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [64, 64, 3], includeTop: false, pooling: 'avg' });
    base.trainable = false;
    const inputs = dt.input({ shape: [64, 64, 3] });
    const features = base.apply(inputs, { training: false }) as dt.layers.SymbolicTensor;
    const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(features) as dt.layers.SymbolicTensor;
    const model = dt.model({ inputs, outputs });
    const x = dt.randomUniform([8, 64, 64, 3], -1, 1, 'float32', 1);
    const y = tensor(new Float32Array([0, 1, 2, 0, 1, 2, 0, 1]), [8]);
    const eager = dt.noGrad(() => model.apply(x) as Tensor);
    assertClose(model.predict(x) as Tensor, eager, 1e-4);
    model.compile({ optimizer: new dt.optimizers.Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    assert.equal(model.trainableWeights.length, 2, 'only the head trains');
    const h = await model.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.ok(loss[3] < loss[0], `loss ${loss.join(' -> ')}`);
  });
});

describe('applications: whole models train on wasm\'s own kernels', () => {
  const builds: [string, () => Promise<dt.models.Model>][] = [
    ['MobileNetV2 (alpha 0.35)', () => A.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [32, 32, 3], classes: 3 })],
    ['DenseNet121', () => A.DenseNet121({ weights: null, inputShape: [32, 32, 3], classes: 3 })],
  ];
  for (const [name, build] of builds) {
    it(`${name}: one compiled Adam step, every kernel of the plan WasmBackend's own`, async () => {
      await dt.withBackend('wasm', () => dt.ready());
      const kernels = await dt.withBackend('wasm', async () => {
        dt.setRandomSeed(2);
        const m = await build();
        m.compile({ optimizer: new dt.optimizers.Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
        await m.fit(dt.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 4), tensor(new Float32Array([0, 2]), [2]), { epochs: 1, batchSize: 2, verbose: 0 });
        const plans = (m as unknown as { plans: Map<string, { calls: { kernel: string }[] }> }).plans;
        const train = [...plans.entries()].filter(([key]) => key.includes('|train|')).map(([, p]) => p);
        assert.equal(train.length, 1, 'one compiled train plan');
        return new Set(train[0].calls.map((c) => c.kernel));
      });
      const reference = new JsBackend() as unknown as Record<string, unknown>;
      const active = dt.withBackend('wasm', () => backend()) as unknown as Record<string, unknown>;
      assert.deepEqual([...kernels].filter((k) => active[k] === reference[k]), [], `kernels: ${[...kernels].join(', ')}`);
    });
  }
});
