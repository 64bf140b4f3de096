// A ResNet-20 (He et al.'s CIFAR network) and a small U-Net, written with the functional API
// in TensorFlow.js's spelling, so the same builder runs with deeptype's `layers` or with
// `tf.layers` (the tests build both and compare parameter counts, steps and files).
//
//   node --import tsx examples/functional-models.ts [--steps 3] [--out out/functional]
import { parseArgs } from 'node:util';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** What a builder needs: a layers namespace (deeptype's or TF.js's), input() and model(). */
export interface Kit { layers: any; input: (args: { shape: number[]; name?: string }) => any; model: (args: { inputs: any; outputs: any; name?: string }) => any }

export interface ResNetOptions { inputShape?: number[]; classes?: number; blocksPerStage?: number; filters?: number[] }

/**
 * ResNet v1 for CIFAR (He et al. 2015, section 4.2): a 3x3 stem, then 3 stages of residual
 * blocks (conv-BN-ReLU-conv-BN, added to the shortcut, then ReLU); stages 2 and 3 start with
 * stride 2 and a 1x1 projection shortcut (conv-BN). With 3 blocks per stage: 6*3+2 = 20 layers.
 * Convolutions followed by BatchNormalization have no bias: BN subtracts the batch mean, so a
 * bias there only adds parameters whose gradient is zero.
 */
export function resnet(k: Kit, { inputShape = [32, 32, 3], classes = 10, blocksPerStage = 3, filters = [16, 32, 64] }: ResNetOptions = {}): any {
  const L = k.layers;
  let n = 0;
  const name = (s: string): string => `${s}_${++n}`;
  const convBn = (x: any, width: number, size: number, strides = 1): any => {
    const c = L.conv2d({ filters: width, kernelSize: size, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: name('conv') }).apply(x);
    return L.batchNormalization({ name: name('bn') }).apply(c);
  };
  const relu = (x: any): any => L.activation({ activation: 'relu', name: name('relu') }).apply(x);

  const inputs = k.input({ shape: inputShape, name: 'image' });
  let x = relu(convBn(inputs, filters[0], 3));
  filters.forEach((width, stage) => {
    for (let block = 0; block < blocksPerStage; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const y = convBn(relu(convBn(x, width, 3, strides)), width, 3);
      const shortcut = strides === 1 ? x : convBn(x, width, 1, strides);
      x = relu(L.add({ name: name('add') }).apply([shortcut, y]));
    }
  });
  x = L.globalAveragePooling2d({ name: 'pool' }).apply(x);
  const outputs = L.dense({ units: classes, activation: 'softmax', name: 'classes' }).apply(x);
  return k.model({ inputs, outputs, name: `resnet${6 * blocksPerStage + 2}` });
}

export interface UNetOptions { inputShape?: number[]; filters?: number[]; outChannels?: number; up?: 'upSampling2d' | 'conv2dTranspose' }

/** A small U-Net: two steps down (conv, conv, pool), a bottleneck, two steps up (upsample, Concatenate skip, conv). */
export function unet(k: Kit, { inputShape = [32, 32, 1], filters = [8, 16, 32], outChannels = 1, up: upKind = 'conv2dTranspose' }: UNetOptions = {}): any {
  const L = k.layers;
  let n = 0;
  const name = (s: string): string => `${s}_${++n}`;
  const conv = (x: any, width: number): any => L.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation: 'relu', name: name('conv') }).apply(x);
  const up = (x: any, width: number): any => (upKind === 'upSampling2d'
    ? L.upSampling2d({ size: [2, 2], name: name('up') }).apply(x)
    : L.conv2dTranspose({ filters: width, kernelSize: 2, strides: 2, padding: 'same', name: name('up') }).apply(x));
  const inputs = k.input({ shape: inputShape, name: 'image' });
  const skip1 = conv(conv(inputs, filters[0]), filters[0]);
  const skip2 = conv(conv(L.maxPooling2d({ poolSize: 2, name: 'down_1' }).apply(skip1), filters[1]), filters[1]);
  const bottom = conv(L.maxPooling2d({ poolSize: 2, name: 'down_2' }).apply(skip2), filters[2]);
  const u2 = conv(L.concatenate({ name: 'skip_2' }).apply([up(bottom, filters[1]), skip2]), filters[1]);
  const u1 = conv(L.concatenate({ name: 'skip_1' }).apply([up(u2, filters[0]), skip1]), filters[0]);
  const outputs = L.conv2d({ filters: outChannels, kernelSize: 1, activation: 'sigmoid', name: 'mask' }).apply(u1);
  return k.model({ inputs, outputs, name: 'unet' });
}

// Run as a script: build both, print summaries, train a few steps on random data, save.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { layers, models, tensor, setRandomSeed, ready, optimizers } = await import('deeptype');
  const { values: argv } = parseArgs({ options: { steps: { type: 'string', default: '3' }, out: { type: 'string', default: 'out/functional' } } });
  setRandomSeed(1);
  await ready();
  const kit: Kit = { layers, input: layers.input, model: models.model };
  const net = resnet(kit);
  net.summary();
  net.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 1e-3 }), metrics: ['accuracy'] });
  const batch = 16;
  const x = tensor(Float32Array.from({ length: batch * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.37)), [batch, 32, 32, 3]);
  const y = tensor(Int32Array.from({ length: batch }, (_, i) => i % 10), [batch]);
  for (let s = 0; s < Number(argv.steps); s++) {
    const t0 = performance.now();
    const [loss] = net.trainOnBatch(x, y);
    console.log(`step ${s + 1}: loss ${loss.toFixed(4)} (${(performance.now() - t0).toFixed(0)} ms)`);
  }
  await net.save(`${argv.out}/resnet`);
  console.log(`saved to ${argv.out}/resnet (loads in TensorFlow.js with tf.loadLayersModel)`);
  unet(kit).summary();
}
