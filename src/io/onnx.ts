// ONNX export (opset 13): the model as an ONNX graph that ONNX Runtime and other engines run.
// deeptype computes channels-last (NHWC) as Keras does; ONNX's Conv and MaxPool want NCHW, so
// the graph switches layout around runs of those layers, with one Transpose each way.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import type { Model } from '../models/model.ts';
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import { Input, Reshape, Flatten, Dense, Activation } from '../layers/core.ts';
import { Conv2D, MaxPooling2D } from '../layers/convolutional.ts';
import { Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../layers/conv-variants.ts';
import { convInfo, dilatedSize, outputSize } from '../ops/conv.ts';
import type { Tensor } from '../core/tensor.ts';
import { requireOptional } from '../core/node-only.ts';

// onnx-proto (protobufjs, 22 MB installed) is optional: loaded on the first export.
let onnxModule: typeof OnnxNamespace | undefined;
const onnxProto = (): typeof OnnxNamespace => (onnxModule ??= requireOptional<{ onnx: typeof OnnxNamespace }>('onnx-proto', 'ONNX export').onnx);

type Attr = number | number[] | string;

class GraphBuilder {
  readonly nodes: OnnxNamespace.INodeProto[] = [];
  readonly initializers: OnnxNamespace.ITensorProto[] = [];
  private count = 0;
  fresh(prefix: string): string { return `${prefix}_${this.count++}`; }

  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, name = this.fresh(opType)): string {
    const output = `${name}:0`;
    const attribute = Object.entries(attrs).map(([n, v]) =>
      Array.isArray(v) ? { name: n, type: onnxProto().AttributeProto.AttributeType.INTS, ints: v }
        : typeof v === 'string' ? { name: n, type: onnxProto().AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) }
          : Number.isInteger(v) ? { name: n, type: onnxProto().AttributeProto.AttributeType.INT, i: v } : { name: n, type: onnxProto().AttributeProto.AttributeType.FLOAT, f: v });
    this.nodes.push({ opType, name, input: inputs, output: [output], attribute });
    return output;
  }

  float(name: string, values: Float32Array, dims: number[]): string {
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    this.initializers.push({ name, dims, dataType: onnxProto().TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  int64(name: string, values: number[]): string {
    const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    this.initializers.push({ name, dims: [values.length], dataType: onnxProto().TensorProto.DataType.INT64, rawData: raw });
    return name;
  }
}

/** A HWIO kernel's values in ONNX's OIHW order. */
function oihw(w: Tensor): Float32Array {
  const [kh, kw, ci, co] = w.shape;
  const out = new Float32Array(w.size);
  for (let h = 0; h < kh; h++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + h) * kw + x] = w.data[((h * kw + x) * ci + i) * co + o];
  }
  return out;
}

/** A kernel [kh, kw, in, out] as ONNX's [out, in, kh, kw] tensor, named `name`. */
function convWeight(g: GraphBuilder, name: string, w: Tensor): string {
  return g.float(name, oihw(w), [w.shape[3], w.shape[2], w.shape[0], w.shape[1]]);
}

/** ONNX pads [top, left, bottom, right] reproducing TensorFlow's 'same' or 'valid' rule. */
function pads(inShape: ShapeSpec, kernel: [number, number], strides: [number, number], padding: 'same' | 'valid', layer: string, dilations: [number, number] = [1, 1]): number[] {
  const before: number[] = [], after: number[] = [];
  for (const a of [0, 1]) {
    const size = inShape[a + 1];
    if (size === null) throw new Error(`exportOnnx: layer "${layer}" needs a known input height and width`);
    const span = dilatedSize(kernel[a], dilations[a]);
    const { out, padBefore } = outputSize(size, span, strides[a], padding);
    const total = padding === 'same' ? Math.max((out - 1) * strides[a] + span - size, 0) : 0;
    before.push(padBefore);
    after.push(total - padBefore);
  }
  return [...before, ...after];
}

const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax', softplus: 'Softplus', elu: 'Elu' };

/** The model as a serialized ONNX ModelProto. */
export function toOnnx(model: Model & { layers: Layer[] }, { opset = 13 } = {}): Uint8Array {
  if (opset < 13) throw new Error(`exportOnnx: opset ${opset} is too old; deeptype writes opset 13 or later`);
  if (!model.batchInputShape) throw new Error(`exportOnnx: model "${model.name}" has no known input shape: give it an Input first`);
  const g = new GraphBuilder();
  let current = 'input';
  let nchw = false; // the layout `current` is in (spatial tensors only)
  let shape: ShapeSpec = model.batchInputShape; // Keras (NHWC) shape of `current`
  const toNchw = (): void => { if (!nchw) { current = g.node('Transpose', [current], { perm: [0, 3, 1, 2] }); nchw = true; } };
  const toNhwc = (): void => { if (nchw) { current = g.node('Transpose', [current], { perm: [0, 2, 3, 1] }); nchw = false; } };
  const activate = (name: string, layer: string): void => {
    if (!(name in ACTIVATIONS)) throw new Error(`exportOnnx: layer "${layer}": activation '${name}' has no ONNX form here`);
    const op = ACTIVATIONS[name];
    if (!op) return;
    if (op === 'Softmax') toNhwc();
    current = g.node(op, [current], op === 'Softmax' ? { axis: -1 } : op === 'Elu' ? { alpha: 1 } : {});
  };

  for (const layer of model.layers) {
    const out = layer.computeOutputShape(shape) as ShapeSpec;
    if (layer instanceof Input) {
      // nothing: the graph input is the model input
    } else if (layer instanceof Reshape) {
      toNhwc();
      current = g.node('Reshape', [current, g.int64(g.fresh('shape'), [0, ...layer.targetShape])]);
    } else if (layer instanceof Flatten) {
      toNhwc(); // Keras flattens channels-last
      current = g.node('Flatten', [current], { axis: 1 });
    } else if (layer instanceof Conv2D) {
      toNchw();
      const inputs = [current, convWeight(g, `${layer.name}/kernel`, layer.kernel!)];
      if (layer.bias) inputs.push(g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size]));
      current = g.node('Conv', inputs, {
        kernel_shape: layer.kernelSize, strides: layer.strides, pads: pads(shape, layer.kernelSize, layer.strides, layer.padding, layer.name, layer.dilationRate),
        dilations: layer.dilationRate, group: layer.groups,
      }, layer.name);
      activate(layer.activation, layer.name);
    } else if (layer instanceof DepthwiseConv2D || layer instanceof SeparableConv2D) {
      // Depthwise: a Conv with one group per channel; [kh, kw, c, m] is the grouped [kh, kw, 1, c*m].
      toNchw();
      const k = layer.depthwiseKernel!, [kh, kw, c, m] = k.shape;
      const depthwise = { data: k.data, shape: [kh, kw, 1, c * m], size: k.size } as Tensor;
      const inputs = [current, convWeight(g, `${layer.name}/depthwise_kernel`, depthwise)];
      if (layer.bias && layer instanceof DepthwiseConv2D) inputs.push(g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size]));
      current = g.node('Conv', inputs, {
        kernel_shape: layer.kernelSize, strides: layer.strides, pads: pads(shape, layer.kernelSize, layer.strides, layer.padding, layer.name, layer.dilationRate),
        dilations: layer.dilationRate, group: c,
      }, layer instanceof DepthwiseConv2D ? layer.name : `${layer.name}/depthwise`);
      if (layer instanceof SeparableConv2D) {
        const pointwise = [current, convWeight(g, `${layer.name}/pointwise_kernel`, layer.pointwiseKernel!)];
        if (layer.bias) pointwise.push(g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size]));
        current = g.node('Conv', pointwise, { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] }, layer.name);
      }
      activate(layer.activation, layer.name);
    } else if (layer instanceof Conv2DTranspose) {
      // ConvTranspose with explicit pads: the leading ones of the forward convolution that maps
      // the output back to the input (as deeptype computes it), the trailing ones what is left.
      toNchw();
      const [h, w] = [shape[1], shape[2]], [oh, ow] = [out[1], out[2]];
      if (h === null || w === null || oh === null || ow === null) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input height and width`);
      const k = layer.kernel!, [kh, kw, f, c] = k.shape;
      const info = convInfo([1, oh, ow, f], k.shape, { strides: layer.strides, padding: layer.padding, dilations: layer.dilationRate });
      const before = [info.padTop, info.padLeft], sizes = [[h, oh], [w, ow]];
      const trailing = [0, 1].map((a) => (sizes[a][0] - 1) * layer.strides[a] + dilatedSize(layer.kernelSize[a], layer.dilationRate[a]) - before[a] - sizes[a][1]);
      // ConvTranspose's W is [in, out, kh, kw]: our [kh, kw, f, c] read as HWOI.
      const weight = new Float32Array(k.size);
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let o = 0; o < f; o++) for (let i = 0; i < c; i++) {
        weight[((i * f + o) * kh + y) * kw + x] = k.data[((y * kw + x) * f + o) * c + i];
      }
      const inputs = [current, g.float(`${layer.name}/kernel`, weight, [c, f, kh, kw])];
      if (layer.bias) inputs.push(g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size]));
      current = g.node('ConvTranspose', inputs, {
        kernel_shape: layer.kernelSize, strides: layer.strides, dilations: layer.dilationRate,
        pads: [...before, ...trailing.map((t) => Math.max(t, 0))], output_padding: trailing.map((t) => Math.max(-t, 0)),
      }, layer.name);
      activate(layer.activation, layer.name);
    } else if (layer instanceof MaxPooling2D) {
      toNchw();
      current = g.node('MaxPool', [current], {
        kernel_shape: layer.poolSize, strides: layer.strides, pads: pads(shape, layer.poolSize, layer.strides, layer.padding, layer.name),
      }, layer.name);
    } else if (layer instanceof Dense) {
      toNhwc();
      const k = layer.kernel!;
      current = g.node('MatMul', [current, g.float(`${layer.name}/kernel`, k.data as Float32Array, k.shape)], {}, layer.name);
      if (layer.bias) current = g.node('Add', [current, g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size])]);
      activate(layer.activation, layer.name);
    } else if (layer instanceof Activation) {
      activate(layer.activation, layer.name);
    } else {
      throw new Error(`exportOnnx: layer "${layer.name}" (${layer.className}) has no ONNX form yet`);
    }
    shape = out;
  }
  toNhwc();
  g.nodes.push({ opType: 'Identity', name: 'output', input: [current], output: ['output'] });

  const valueInfo = (name: string, s: ShapeSpec): OnnxNamespace.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnxProto().TensorProto.DataType.FLOAT, shape: { dim: s.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })) } } },
  });
  const proto = onnxProto().ModelProto.create({
    irVersion: 7,
    producerName: 'deeptype',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', model.batchInputShape)],
      output: [valueInfo('output', shape)],
    },
  });
  return onnxProto().ModelProto.encode(proto).finish();
}

/** Writes the model as an ONNX file (atomically: a crash never leaves half a file at `path`). */
export function exportOnnx(model: Model & { layers: Layer[] }, path: string, options: { opset?: number } = {}): void {
  const bytes = toOnnx(model, options);
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
}
