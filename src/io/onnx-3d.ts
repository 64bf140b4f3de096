// ONNX forms of the 3-D layers (volumes [batch, depth, height, width, channels]). MaxPool and
// AveragePool take NCDHW, so each pooling sits between a Transpose each way (its value leaves
// channels-last again: the layout tracking of onnx.ts is for rank-4 images); Pad, Slice and
// Resize work on the NDHWC tensor as it is.
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import type { GraphBuilder, Value } from './onnx-graph.ts';
import { AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D } from '../layers/pooling3d.ts';
import { Cropping3D, UpSampling3D, ZeroPadding3D } from '../layers/reshaping-3d.ts';
import { outputSize } from '../ops/conv.ts';

const TO_NCDHW = [0, 4, 1, 2, 3], TO_NDHWC = [0, 2, 3, 4, 1];

/** The layer's ONNX nodes on x (NDHWC), or null where it is not a 3-D layer. */
export function emit3d(g: GraphBuilder, layer: Layer, x: Value, shape: ShapeSpec): Value | null {
  const ndhwc = (name: string): Value => ({ name, nchw: false, shape });
  const ncdhw = (): string => (x.nchw ? x.name : g.node('Transpose', [x.name], { perm: TO_NCDHW }));
  if (layer instanceof MaxPooling3D || layer instanceof AveragePooling3D) {
    const before: number[] = [], after: number[] = [];
    for (let a = 0; a < 3; a++) {
      const size = x.shape[a + 1];
      if (size === null) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input depth, height and width`);
      const k = layer.poolSize[a], s = layer.strides[a], { out, padBefore } = outputSize(size, k, s, layer.padding);
      before.push(padBefore);
      after.push(layer.padding === 'same' ? Math.max((out - 1) * s + k - size, 0) - padBefore : 0);
    }
    // AveragePool's count_include_pad 0 (the default): TF's 'same' mean of the elements inside.
    const op = layer instanceof MaxPooling3D ? 'MaxPool' : 'AveragePool';
    const pooled = g.node(op, [ncdhw()], { kernel_shape: layer.poolSize, strides: layer.strides, pads: [...before, ...after] }, layer.name);
    return ndhwc(g.node('Transpose', [pooled], { perm: TO_NDHWC }));
  }
  if (layer instanceof GlobalAveragePooling3D || layer instanceof GlobalMaxPooling3D) {
    const op = layer instanceof GlobalAveragePooling3D ? 'GlobalAveragePool' : 'GlobalMaxPool';
    const pooled = g.node(op, [ncdhw()], {}, layer.name); // [n, c, 1, 1, 1]
    return ndhwc(layer.keepdims ? g.node('Transpose', [pooled], { perm: TO_NDHWC }) : g.node('Flatten', [pooled], { axis: 1 }));
  }
  if (x.nchw) throw new Error(`exportOnnx: layer "${layer.name}" (${layer.className}) expects a channels-last volume`);
  if (layer instanceof ZeroPadding3D) {
    const p = layer.padding;
    const pads = g.int64(g.fresh(`${layer.name}/pads`), [0, p[0][0], p[1][0], p[2][0], 0, 0, p[0][1], p[1][1], p[2][1], 0]);
    return ndhwc(g.node('Pad', [x.name, pads], { mode: 'constant' }, layer.name));
  }
  if (layer instanceof Cropping3D) {
    const dims = shape.slice(1, 4);
    if (dims.some((d) => d === null)) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input depth, height and width`);
    const starts = layer.cropping.map((c) => c[0]), ends = starts.map((s, i) => s + (dims[i] as number));
    const name = g.node('Slice', [x.name, g.int64(g.fresh(`${layer.name}/starts`), starts), g.int64(g.fresh(`${layer.name}/ends`), ends), g.int64(g.fresh(`${layer.name}/axes`), [1, 2, 3])], {}, layer.name);
    return ndhwc(name);
  }
  if (layer instanceof UpSampling3D) {
    const scales = g.float(`${layer.name}/scales`, Float32Array.from([1, ...layer.size, 1]), [5]);
    return ndhwc(g.node('Resize', [x.name, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, layer.name));
  }
  return null;
}
