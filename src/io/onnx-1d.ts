// ONNX export of the 1-D convolution layers (Conv1D, DepthwiseConv1D, SeparableConv1D,
// Conv1DTranspose) and global 1-D pooling: ONNX's Conv wants [n, c, steps], so each runs between
// two Transposes of its [n, steps, c] input and output (rank-3 values stay channels-last).
import type { GraphBuilder, Value } from './onnx-graph.ts';
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import type { Tensor } from '../core/tensor.ts';
import { Conv1D } from '../layers/conv-variants.ts';
import { Conv1DTranspose, DepthwiseConv1D, SeparableConv1D } from '../layers/conv1d-variants.ts';
import { GlobalAveragePooling1D, GlobalMaxPooling1D } from '../layers/pooling.ts';
import { convInfo, dilatedSize, outputSize } from '../ops/conv.ts';

/** ONNX's [out, in, k] weight from values indexed by `at(o, i, kk)`. */
function weight(g: GraphBuilder, name: string, dims: [number, number, number], at: (o: number, i: number, kk: number) => number): string {
  const [o0, i0, k0] = dims, w = new Float32Array(o0 * i0 * k0);
  for (let o = 0; o < o0; o++) for (let i = 0; i < i0; i++) for (let kk = 0; kk < k0; kk++) w[(o * i0 + i) * k0 + kk] = at(o, i, kk);
  return g.float(name, w, dims);
}

/** ONNX pads [before, after] of a forward 1-D convolution (causal: all of span - 1 before). */
function pads1d(layer: { name: string; kernelSize: number; strides: number; dilationRate: number; padding: string }, length: number | null): number[] {
  const span = dilatedSize(layer.kernelSize, layer.dilationRate);
  if (layer.padding === 'causal') return [span - 1, 0];
  if (layer.padding === 'valid') return [0, 0];
  if (length === null) throw new Error(`exportOnnx: layer "${layer.name}" has padding 'same', which needs a known input length; give the model's Input a fixed length`);
  const { out, padBefore } = outputSize(length, span, layer.strides, 'same');
  const total = Math.max((out - 1) * layer.strides + span - length, 0);
  return [padBefore, total - padBefore];
}

/**
 * The ONNX nodes of a 1-D layer on x (channels-last), before its activation; null when the
 * layer is not one of these. `activate` applies the layer's activation.
 */
export function emit1d(g: GraphBuilder, layer: Layer, x: Value, shape: ShapeSpec, opset: number, activate: (v: Value, name: string, layer: string) => Value): Value | null {
  const bias = (l: { name: string; bias?: Tensor }): string[] => (l.bias ? [g.float(`${l.name}/bias`, l.bias.data as Float32Array, [l.bias.size])] : []);
  const ncw = (v: Value): string => g.node('Transpose', [v.name], { perm: [0, 2, 1] });
  const back = (name: string, l: { activation: string; name: string }): Value => activate({ name: g.node('Transpose', [name], { perm: [0, 2, 1] }), nchw: false, shape }, l.activation, l.name);
  if (layer instanceof Conv1D) {
    const k = layer.kernel!, [kk, cg, f] = k.shape;
    const w = weight(g, `${layer.name}/kernel`, [f, cg, kk], (o, i, t) => k.data[(t * cg + i) * f + o]);
    const y = g.node('Conv', [ncw(x), w, ...bias(layer)], { kernel_shape: [kk], strides: [layer.strides], dilations: [layer.dilationRate], pads: pads1d(layer, x.shape[1]), group: layer.groups }, layer.name);
    return back(y, layer);
  }
  if (layer instanceof DepthwiseConv1D || layer instanceof SeparableConv1D) {
    // Depthwise: one group per channel, output channel c * m + j from w[:, c, j].
    const k = layer.depthwiseKernel!, [kk, c, m] = k.shape;
    const w = weight(g, `${layer.name}/depthwise_kernel`, [c * m, 1, kk], (o, _i, t) => k.data[(t * c + Math.floor(o / m)) * m + (o % m)]);
    const separable = layer instanceof SeparableConv1D;
    let y = g.node('Conv', [ncw(x), w, ...(separable ? [] : bias(layer))], { kernel_shape: [kk], strides: [layer.strides], dilations: [layer.dilationRate], pads: pads1d(layer, x.shape[1]), group: c },
      separable ? `${layer.name}/depthwise` : layer.name);
    if (separable) {
      const p = layer.pointwiseKernel!, f = p.shape[2];
      y = g.node('Conv', [y, weight(g, `${layer.name}/pointwise_kernel`, [f, c * m, 1], (o, i) => p.data[i * f + o]), ...bias(layer)], { kernel_shape: [1], strides: [1], pads: [0, 0] }, layer.name);
    }
    return back(y, layer);
  }
  if (layer instanceof Conv1DTranspose) {
    // As Conv2DTranspose's export: the leading pad of the forward convolution mapping the output
    // back to the input, the trailing one what is left (negative: output_padding).
    const [length, out] = [x.shape[1], shape[1]];
    if (length === null || out === null) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input length`);
    const k = layer.kernel!, [kk, f, c] = k.shape;
    const before = convInfo([1, 1, out, f], [1, kk, f, c], { strides: [1, layer.strides], padding: layer.padding as 'same' | 'valid', dilations: [1, layer.dilationRate] }).padLeft;
    const trailing = (length - 1) * layer.strides + dilatedSize(kk, layer.dilationRate) - before - out;
    // ConvTranspose's W is [in, out, k].
    const w = weight(g, `${layer.name}/kernel`, [c, f, kk], (i, o, t) => k.data[(t * f + o) * c + i]);
    const y = g.node('ConvTranspose', [ncw(x), w, ...bias(layer)], { kernel_shape: [kk], strides: [layer.strides], dilations: [layer.dilationRate],
      pads: [before, Math.max(trailing, 0)], output_padding: [Math.max(-trailing, 0)] }, layer.name);
    return back(y, layer);
  }
  if (layer instanceof GlobalMaxPooling1D || layer instanceof GlobalAveragePooling1D) {
    const op = layer instanceof GlobalMaxPooling1D ? 'ReduceMax' : 'ReduceMean', keepdims = layer.keepdims ? 1 : 0;
    // Opset 18 moved the reductions' axes from an attribute to an input.
    const name = opset >= 18 ? g.node(op, [x.name, g.int64(g.fresh('axes'), [1])], { keepdims }, layer.name) : g.node(op, [x.name], { axes: [1], keepdims }, layer.name);
    return { name, nchw: false, shape };
  }
  return null;
}
