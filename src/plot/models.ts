// Pictures of a network: its kernels, its feature maps for one input, how training went, and
// how a classifier confuses its classes.
import { Tensor } from '../core/tensor.ts';
import type { Layer } from '../layers/layer.ts';
import type { Model } from '../models/model.ts';
import { noGrad } from '../core/engine.ts';
import { Figure } from './figure.ts';

const gridOf = (n: number): [number, number] => { const cols = Math.ceil(Math.sqrt(n)); return [Math.ceil(n / cols), cols]; };

/** Each filter of a Conv2D layer (its first input channel) as a small image, in a grid. */
export function plotKernels(layer: Layer, { cmap = 'gray', channel = 0 } = {}): Figure {
  const kernel = layer.weights.find((w) => w.name.endsWith('/kernel'));
  if (!kernel || kernel.rank !== 4) throw new Error(`plotKernels: layer "${layer.name}" has no 4-D (convolution) kernel`);
  const [kh, kw, cin, filters] = kernel.shape;
  if (channel < 0 || channel >= cin) throw new Error(`plotKernels: channel ${channel} is outside the layer's ${cin} input channels`);
  const [rows, cols] = gridOf(filters);
  const fig = new Figure({ figsize: [cols * 1.2, rows * 1.2 + 0.6] });
  fig.suptitle(`${layer.name}: ${filters} kernels ${kh}x${kw} (input channel ${channel})`);
  for (let f = 0; f < filters; f++) {
    const img = new Tensor(Float32Array.from({ length: kh * kw }, (_, i) => kernel.data[(i * cin + channel) * filters + f]), [kh, kw]);
    fig.subplot(rows, cols, f + 1).axisOff().imshow(img, { cmap });
  }
  return fig;
}

/** The output of one layer (by index or name) for one input sample, one channel per panel. */
export function plotFeatureMaps(model: Model, x: Tensor, layer: number | string, { cmap = 'viridis', maxMaps = 32 } = {}): Figure {
  const index = typeof layer === 'number' ? layer : model.layers.findIndex((l) => l.name === layer);
  if (index < 0 || index >= model.layers.length) throw new Error(`plotFeatureMaps: no layer ${String(layer)} in model "${model.name}"`);
  const out = noGrad(() => model.layers.slice(0, index + 1).reduce((h, l) => l.apply(h), x.rank === model.batchInputShape?.length ? x : x.expandDims(0)));
  if (out.rank !== 4) throw new Error(`plotFeatureMaps: layer "${model.layers[index].name}" outputs shape [${out.shape}], not feature maps [1, h, w, c]`);
  const [, h, w, c] = out.shape, n = Math.min(c, maxMaps);
  const [rows, cols] = gridOf(n);
  const fig = new Figure({ figsize: [cols * 1.3, rows * 1.3 + 0.6] });
  fig.suptitle(`${model.layers[index].name}: ${c} feature maps ${h}x${w}`);
  for (let k = 0; k < n; k++) {
    const img = new Tensor(Float32Array.from({ length: h * w }, (_, i) => out.data[i * c + k]), [h, w]);
    fig.subplot(rows, cols, k + 1).axisOff().imshow(img, { cmap });
  }
  return fig;
}

/** Loss and accuracy per epoch (and their validation curves, when present), as Keras users plot History. */
export function plotHistory(history: { epoch: number[]; history: Record<string, number[]> }): Figure {
  const fig = new Figure({ figsize: [10, 4] });
  const metrics = Object.keys(history.history).filter((k) => !k.startsWith('val_'));
  const epochs = history.epoch.map((e) => e + 1);
  metrics.forEach((m, i) => {
    const ax = fig.subplot(1, metrics.length, i + 1).setTitle(m).setXlabel('epoch').setYlabel(m);
    ax.plot(epochs, history.history[m], { label: `train ${m}`, marker: 'o' });
    if (history.history[`val_${m}`]) ax.plot(epochs, history.history[`val_${m}`], { label: `validation ${m}`, marker: 'o' });
    ax.legend();
  });
  return fig;
}

/** Counts of (true class, predicted class) pairs, with the counts written in the cells. */
export function confusionMatrix(yTrue: Tensor, yPred: Tensor, classes: number): number[][] {
  if (yTrue.size !== yPred.size) throw new Error(`confusionMatrix: ${yTrue.size} labels but ${yPred.size} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.size; i++) {
    const t = yTrue.data[i], p = yPred.data[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new Error(`confusionMatrix: class ${t} or ${p} is outside [0, ${classes})`);
    m[t][p]++;
  }
  return m;
}

export function plotConfusionMatrix(yTrue: Tensor, yPred: Tensor, { classes = 10 }: { classes?: number } = {}): Figure {
  const m = confusionMatrix(yTrue, yPred, classes);
  const fig = new Figure({ figsize: [7, 6] });
  const ax = fig.subplot(1, 1, 1).setTitle('Confusion matrix').setXlabel('predicted').setYlabel('true');
  const image = ax.imshow(m, { cmap: 'Blues' });
  const max = Math.max(...m.flat());
  m.forEach((row, t) => row.forEach((count, p) => ax.text(p, t, String(count), { color: count > max / 2 ? 'white' : 'black', size: classes > 10 ? 6 : 8 })));
  fig.colorbar(image);
  return fig;
}
