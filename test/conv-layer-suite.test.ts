// Every convolution layer through the layer test helper (Keras's run_layer_test): shapes,
// weights, configs, TF.js (or Keras's definition) for outputs and gradients, finite
// differences, wasm vs js, compiled vs eager, a training step, TF.js files, wasm plan kernels.
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

// TF.js has no gradients of dilated convolutions (its conv2d gradient refuses them), so
// dilated cases compare outputs with TF.js and gradients with finite differences here; their
// gradients against TF.js ops on a zero-spread kernel are in test/conv-ops.test.ts.
const NO_TFJS_DILATED_GRADIENTS = {
  oracleGrads: 'TF.js has no gradient of a dilated convolution (checked in conv-ops.test.ts against a zero-spread kernel)',
  tfjsFiles: 'TF.js cannot train a dilated convolution one step (files with dilated layers: conv-layers.test.ts)',
};

runLayerTest({
  name: 'Conv2D (dilationRate 2, same, relu)',
  make: () => new layers.Conv2D({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 7, 6, 3],
  tfjs: (tf) => tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
  skip: NO_TFJS_DILATED_GRADIENTS,
});

runLayerTest({
  name: 'Conv2D (groups 2, strides 2)',
  make: () => new layers.Conv2D({ filters: 6, kernelSize: 3, groups: 2, strides: 2, padding: 'same' }),
  inputShape: [2, 7, 6, 4],
  // TF.js has no groups: Keras's definition, each group's convolution, written out in float64.
  reference: (x, [w, b]) => {
    const [n, h, wd, c, f, g, oh, ow] = [2, 7, 6, 4, 6, 2, 4, 3];
    const cg = c / g, fg = f / g, out = new Float64Array(n * oh * ow * f);
    for (let i = 0; i < n; i++) for (let p = 0; p < oh; p++) for (let q = 0; q < ow; q++) for (let o = 0; o < f; o++) {
      let s = b[o];
      const grp = Math.floor(o / fg);
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
        const y = p * 2 - 1 + kh, z = q * 2 + kw; // 'same': 7 -> 4 needs 2 rows (1 above), 6 -> 3 needs 1 column (0 left)
        if (y < 0 || y >= h || z < 0 || z >= wd) continue;
        for (let k = 0; k < cg; k++) s += x[((i * h + y) * wd + z) * c + grp * cg + k] * w[((kh * 3 + kw) * cg + k) * f + o];
      }
      out[((i * oh + p) * ow + q) * f + o] = s;
    }
    return out;
  },
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'DepthwiseConv2D (depthMultiplier 2, strides 2)',
  make: () => new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 7, 6, 3],
  tfjs: (tf) => tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'DepthwiseConv2D (8 channels, valid)',
  make: () => new layers.DepthwiseConv2D({ kernelSize: [3, 2] }),
  inputShape: [2, 6, 5, 8],
  tfjs: (tf) => tf.layers.depthwiseConv2d({ kernelSize: [3, 2] }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'SeparableConv2D (depthMultiplier 2)',
  make: () => new layers.SeparableConv2D({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 6, 5, 3],
  tfjs: (tf) => tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 3, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv2DTranspose (strides 2, same)',
  make: () => new layers.Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 4, 3, 8],
  tfjs: (tf) => tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv2DTranspose (strides 3, valid, 2x2 kernel)',
  make: () => new layers.Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3 }),
  inputShape: [2, 3, 3, 3],
  tfjs: (tf) => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 3 }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv2DTranspose (outputPadding 1, strides 2, same)',
  make: () => new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, useBias: false }),
  inputShape: [1, 3, 2, 2],
  // TF.js has no outputPadding: Keras's definition, each input pixel scattering the kernel into
  // a 6x4 output (TensorFlow's 'same' rule puts the one padding row and column at the end).
  reference: (x, [w]) => {
    const [h, wd, c, oh, ow, f] = [3, 2, 2, 6, 4, 2];
    const out = new Float64Array(oh * ow * f);
    for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) for (let k = 0; k < c; k++) {
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let o = 0; o < f; o++) {
        const y = i * 2 + kh, z = j * 2 + kw;
        if (y < oh && z < ow) out[(y * ow + z) * f + o] += x[(i * wd + j) * c + k] * w[((kh * 3 + kw) * f + o) * c + k];
      }
    }
    return out;
  },
  weights: { trainable: 1, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv1D (strides 2, same)',
  make: () => new layers.Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 9, 3],
  tfjs: (tf) => tf.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv1D (causal, dilationRate 2)',
  make: () => new layers.Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2 }),
  inputShape: [2, 8, 2],
  // TF.js runs no causal Conv1D: Keras's definition, output t reading inputs t - 4, t - 2, t.
  reference: (x, [w, b]) => {
    const [n, len, c, f] = [2, 8, 2, 3];
    const out = new Float64Array(n * len * f);
    for (let i = 0; i < n; i++) for (let t = 0; t < len; t++) for (let o = 0; o < f; o++) {
      let s = b[o];
      for (let k = 0; k < 3; k++) {
        const at = t - (2 - k) * 2;
        if (at >= 0) for (let ch = 0; ch < c; ch++) s += x[(i * len + at) * c + ch] * w[(k * c + ch) * f + o];
      }
      out[(i * len + t) * f + o] = s;
    }
    return out;
  },
  weights: { trainable: 2, nonTrainable: 0 },
});
