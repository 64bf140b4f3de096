// ONNX export (opset 13): the model as an ONNX graph that ONNX Runtime and other engines run.
// deeptype computes channels-last (NHWC) as Keras does; ONNX's Conv and MaxPool want NCHW, so
// the graph switches layout around runs of those layers, with one Transpose each way.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { partialName, removeStalePartials } from './partials.ts';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { Model } from '../models/model.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import { Concatenate } from '../layers/merge.ts';
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import { Input, Reshape, Flatten, Dense, Activation } from '../layers/core.ts';
import { Conv2D, MaxPooling2D } from '../layers/convolutional.ts';
import { Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../layers/conv-variants.ts';
import { Conv3D, Conv3DTranspose } from '../layers/conv3d.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { ReLU } from '../layers/advanced-activations.ts';
import { GlobalAveragePooling2D } from '../layers/pooling.ts';
import { UpSampling2D } from '../layers/reshaping.ts';
import { Embedding } from '../layers/embedding.ts';
import { Identity, UnitNormalization } from '../layers/unit-norm.ts';
import { emit1d } from './onnx-1d.ts';
import type { Value } from './onnx-graph.ts';
import { TimeDistributed } from '../layers/wrappers.ts';
import { convInfo, dilatedSize, outputSize } from '../ops/conv.ts';
import type { Tensor } from '../core/tensor.ts';
import { requireOptional } from '../core/node-only.ts';
import { emit3d } from './onnx-3d.ts';

// onnx-proto (protobufjs, 22 MB installed) is optional: loaded on the first export.
let onnxModule: typeof OnnxNamespace | undefined;
const onnxProto = (): typeof OnnxNamespace => (onnxModule ??= requireOptional<{ onnx: typeof OnnxNamespace }>('onnx-proto', 'ONNX export').onnx);

/** An attribute; `{ float }` for FLOAT ones whose value may be whole (ONNX checks the type: Elu's alpha 1 must not be INT). */
type Attr = number | number[] | string | { float: number };

class GraphBuilder {
  readonly nodes: OnnxNamespace.INodeProto[] = [];
  readonly initializers: OnnxNamespace.ITensorProto[] = [];
  private count = 0;
  fresh(prefix: string): string { return `${prefix}_${this.count++}`; }

  private readonly nodeNames = new Set<string>();
  private readonly floats = new Map<string, Uint8Array>();
  /** A name not taken yet (a shared layer or nested model emits its layers once per call). */
  private unique(name: string, taken: { has(n: string): boolean }): string {
    let k = 1, out = name;
    while (taken.has(out)) out = `${name}_${k++}`;
    return out;
  }

  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, wanted = this.fresh(opType)): string {
    const name = this.unique(wanted, this.nodeNames);
    this.nodeNames.add(name);
    const output = `${name}:0`;
    const attribute = Object.entries(attrs).map(([n, v]) =>
      typeof v === 'object' && !Array.isArray(v) ? { name: n, type: onnxProto().AttributeProto.AttributeType.FLOAT, f: v.float }
        : Array.isArray(v) ? { name: n, type: onnxProto().AttributeProto.AttributeType.INTS, ints: v }
        : typeof v === 'string' ? { name: n, type: onnxProto().AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) }
          : Number.isInteger(v) ? { name: n, type: onnxProto().AttributeProto.AttributeType.INT, i: v } : { name: n, type: onnxProto().AttributeProto.AttributeType.FLOAT, f: v });
    this.nodes.push({ opType, name, input: inputs, output: [output], attribute });
    return output;
  }

  /** An initializer; the same name with the same bytes (a shared layer's weight) is stored once. */
  float(wanted: string, values: Float32Array, dims: number[]): string {
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    const same = this.floats.get(wanted);
    if (same && same.length === raw.length && same.every((b, i) => b === raw[i])) return wanted;
    const name = this.unique(wanted, this.floats);
    this.floats.set(name, raw);
    this.initializers.push({ name, dims, dataType: onnxProto().TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  int64(name: string, values: number[]): string {
    const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    this.initializers.push({ name, dims: [values.length], dataType: onnxProto().TensorProto.DataType.INT64, rawData: raw });
    return name;
  }
}

/** A HWIO (or DHWIO) kernel's values in ONNX's OIHW (OIDHW) order. */
function oihw(w: Tensor): Float32Array {
  const r = w.shape.length, ci = w.shape[r - 2], co = w.shape[r - 1], taps = w.size / (ci * co);
  const out = new Float32Array(w.size);
  for (let s = 0; s < taps; s++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[(o * ci + i) * taps + s] = w.data[(s * ci + i) * co + o];
  return out;
}

/** A kernel [kh, kw, in, out] (or [kd, kh, kw, in, out]) as ONNX's [out, in, kh, kw] tensor, named `name`. */
function convWeight(g: GraphBuilder, name: string, w: Tensor): string {
  const r = w.shape.length; // (depthwise kernels come as plain {data, shape, size} views)
  return g.float(name, oihw(w), [w.shape[r - 1], w.shape[r - 2], ...w.shape.slice(0, -2)]);
}

/** ONNX pads [top, left, bottom, right] (3-D: [front, top, left, back, bottom, right]) reproducing TensorFlow's 'same' or 'valid' rule. */
function pads(inShape: ShapeSpec, kernel: readonly number[], strides: readonly number[], padding: 'same' | 'valid', layer: string, dilations: readonly number[] = kernel.map(() => 1)): number[] {
  const before: number[] = [], after: number[] = [];
  for (let a = 0; a < kernel.length; a++) {
    const size = inShape[a + 1];
    if (size === null) throw new Error(`exportOnnx: layer "${layer}" needs a known input ${kernel.length === 3 ? 'depth, ' : ''}height and width`);
    const span = dilatedSize(kernel[a], dilations[a]);
    const { out, padBefore } = outputSize(size, span, strides[a], padding);
    const total = padding === 'same' ? Math.max((out - 1) * strides[a] + span - size, 0) : 0;
    before.push(padBefore);
    after.push(total - padBefore);
  }
  return [...before, ...after];
}

// relu6 is Clip(x, 0, 6), its bounds inputs (opset 11 on).
const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', relu6: 'Clip', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax', softplus: 'Softplus', elu: 'Elu' };


/** Layers that are the identity at inference. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout']);

const MERGES: Record<string, string> = { Add: 'Add', Subtract: 'Sub', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min', Average: 'Mean' };

/**
 * The model as a serialized ONNX ModelProto: its graph's nodes in run order, each layer one
 * or a few ONNX nodes. One input and one output are named 'input' and 'output'; with several,
 * each takes its layer's name.
 */
export function toOnnx(model: Model, { opset = 13 } = {}): Uint8Array {
  if (opset < 13) throw new Error(`exportOnnx: opset ${opset} is too old; deeptype writes opset 13 or later`);
  if (!model.isFunctional) throw new Error(`exportOnnx: model "${model.name}" has no known input shape: give it an Input first (a subclassed model has no graph to export)`);
  const g = new GraphBuilder();
  // Rank 4 (images) or 5 (volumes: NDHWC <-> NCDHW).
  const spatialAxes = (v: Value): number[] => Array.from({ length: v.shape.length - 2 }, (_, i) => i + 1);
  const toNchw = (v: Value): Value => (v.nchw ? v : { ...v, name: g.node('Transpose', [v.name], { perm: [0, v.shape.length - 1, ...spatialAxes(v)] }), nchw: true });
  const toNhwc = (v: Value): Value => (v.nchw ? { ...v, name: g.node('Transpose', [v.name], { perm: [0, ...spatialAxes(v).map((a) => a + 1), 1] }), nchw: false } : v);
  const activate = (v: Value, name: string, layer: string): Value => {
    if (!(name in ACTIVATIONS)) throw new Error(`exportOnnx: layer "${layer}": activation '${name}' has no ONNX form here`);
    const op = ACTIVATIONS[name];
    if (!op) return v;
    if (op === 'Clip') return clip(v, 6);
    const x = op === 'Softmax' ? toNhwc(v) : v;
    return { ...x, name: g.node(op, [x.name], op === 'Softmax' ? { axis: -1 } : op === 'Elu' ? { alpha: { float: 1 } } : {}) };
  };
  /** min(max(v, 0), max) as ONNX's Clip, in either layout (its bounds are scalar initializers). */
  const clip = (v: Value, max: number, name?: string): Value =>
    ({ ...v, name: g.node('Clip', [v.name, g.float('clip_min_0', Float32Array.of(0), []), g.float(`clip_max_${max}`, Float32Array.of(max), [])], {}, name) });

  const emit = (layer: Layer, ins: Value[]): Value => {
    const shape = layer.computeOutputShape(ins.length === 1 ? ins[0].shape : ins.map((v) => v.shape)) as ShapeSpec;
    const [x] = ins;
    const bias = (l: { name: string; bias?: Tensor }): string[] => (l.bias ? [g.float(`${l.name}/bias`, l.bias.data as Float32Array, [l.bias.size])] : []);
    if (layer instanceof Reshape) {
      const v = toNhwc(x);
      return { name: g.node('Reshape', [v.name, g.int64(g.fresh('shape'), [0, ...layer.targetShape])]), nchw: false, shape };
    }
    if (layer instanceof Flatten) {
      // channelsLast flattens the channels-last tensor; channelsFirst flattens deeptype's own channels-last value too (its call moves axis 1 last first).
      const v = toNhwc(x), r = x.shape.length;
      const ordered = layer.dataFormat === 'channelsFirst' && r > 2 ? g.node('Transpose', [v.name], { perm: [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1] }) : v.name;
      return { name: g.node('Flatten', [ordered], { axis: 1 }), nchw: false, shape };
    }
    if (layer instanceof Conv2D) {
      const v = toNchw(x);
      const name = g.node('Conv', [v.name, convWeight(g, `${layer.name}/kernel`, layer.kernel!), ...bias(layer)], {
        kernel_shape: layer.kernelSize, strides: layer.strides, pads: pads(x.shape, layer.kernelSize, layer.strides, layer.padding, layer.name, layer.dilationRate),
        dilations: layer.dilationRate, group: layer.groups,
      }, layer.name);
      return activate({ name, nchw: true, shape }, layer.activation, layer.name);
    }
    if (layer instanceof DepthwiseConv2D || layer instanceof SeparableConv2D) {
      // Depthwise: a Conv with one group per channel; [kh, kw, c, m] is the grouped [kh, kw, 1, c*m].
      const v = toNchw(x);
      const k = layer.depthwiseKernel!, [kh, kw, c, m] = k.shape;
      const depthwise = { data: k.data, shape: [kh, kw, 1, c * m], size: k.size } as Tensor;
      let name = g.node('Conv', [v.name, convWeight(g, `${layer.name}/depthwise_kernel`, depthwise), ...(layer instanceof DepthwiseConv2D ? bias(layer) : [])], {
        kernel_shape: layer.kernelSize, strides: layer.strides, pads: pads(x.shape, layer.kernelSize, layer.strides, layer.padding, layer.name, layer.dilationRate),
        dilations: layer.dilationRate, group: c,
      }, layer instanceof DepthwiseConv2D ? layer.name : `${layer.name}/depthwise`);
      if (layer instanceof SeparableConv2D) {
        name = g.node('Conv', [name, convWeight(g, `${layer.name}/pointwise_kernel`, layer.pointwiseKernel!), ...bias(layer)],
          { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] }, layer.name);
      }
      return activate({ name, nchw: true, shape }, layer.activation, layer.name);
    }
    if (layer instanceof Conv2DTranspose) {
      // ConvTranspose with explicit pads: the leading ones of the forward convolution that maps
      // the output back to the input (as deeptype computes it), the trailing ones what is left.
      const v = toNchw(x);
      const [h, w] = [x.shape[1], x.shape[2]], [oh, ow] = [shape[1], shape[2]];
      if (h === null || w === null || oh === null || ow === null) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input height and width`);
      const k = layer.kernel!, [kh, kw, f, c] = k.shape;
      const info = convInfo([1, oh, ow, f], k.shape, { strides: layer.strides, padding: layer.padding, dilations: layer.dilationRate });
      const before = [info.padTop, info.padLeft], sizes = [[h, oh], [w, ow]];
      const trailing = [0, 1].map((a) => (sizes[a][0] - 1) * layer.strides[a] + dilatedSize(layer.kernelSize[a], layer.dilationRate[a]) - before[a] - sizes[a][1]);
      // ConvTranspose's W is [in, out, kh, kw]: our [kh, kw, f, c] read as HWOI.
      const weight = new Float32Array(k.size);
      for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let o = 0; o < f; o++) for (let i = 0; i < c; i++) {
        weight[((i * f + o) * kh + y) * kw + xx] = k.data[((y * kw + xx) * f + o) * c + i];
      }
      const name = g.node('ConvTranspose', [v.name, g.float(`${layer.name}/kernel`, weight, [c, f, kh, kw]), ...bias(layer)], {
        kernel_shape: layer.kernelSize, strides: layer.strides, dilations: layer.dilationRate,
        pads: [...before, ...trailing.map((t) => Math.max(t, 0))], output_padding: trailing.map((t) => Math.max(-t, 0)),
      }, layer.name);
      return activate({ name, nchw: true, shape }, layer.activation, layer.name);
    }
    if (layer instanceof Conv3D) {
      const name = g.node('Conv', [toNchw(x).name, convWeight(g, `${layer.name}/kernel`, layer.kernel!), ...bias(layer)], {
        kernel_shape: layer.kernelSize, strides: layer.strides, pads: pads(x.shape, layer.kernelSize, layer.strides, layer.padding, layer.name, layer.dilationRate),
        dilations: layer.dilationRate, group: layer.groups,
      }, layer.name);
      return activate({ name, nchw: true, shape }, layer.activation, layer.name);
    }
    if (layer instanceof Conv3DTranspose) {
      // As Conv2DTranspose: the leading pads of the convolution mapping the output back to the input, the rest trailing.
      const sizes = [1, 2, 3].map((a) => [x.shape[a], shape[a]]);
      if (sizes.some(([i, o]) => i === null || o === null)) throw new Error(`exportOnnx: layer "${layer.name}" needs a known input depth, height and width`);
      const spans = layer.kernelSize.map((k, a) => dilatedSize(k, layer.dilationRate[a]));
      const before = sizes.map(([, o], a) => outputSize(o!, spans[a], layer.strides[a], layer.padding).padBefore);
      const trailing = sizes.map(([i, o], a) => (i! - 1) * layer.strides[a] + spans[a] - before[a] - o!);
      // ConvTranspose's W is [in, out, kd, kh, kw]: our [kd, kh, kw, f, c] read as DHWOI.
      const name = g.node('ConvTranspose', [toNchw(x).name, convWeight(g, `${layer.name}/kernel`, layer.kernel!), ...bias(layer)], {
        kernel_shape: layer.kernelSize, strides: layer.strides, dilations: layer.dilationRate,
        pads: [...before, ...trailing.map((t) => Math.max(t, 0))], output_padding: trailing.map((t) => Math.max(-t, 0)),
      }, layer.name);
      return activate({ name, nchw: true, shape }, layer.activation, layer.name);
    }
    if (layer instanceof MaxPooling2D) {
      const v = toNchw(x);
      const name = g.node('MaxPool', [v.name], {
        kernel_shape: layer.poolSize, strides: layer.strides, pads: pads(x.shape, layer.poolSize, layer.strides, layer.padding, layer.name),
      }, layer.name);
      return { name, nchw: true, shape };
    }
    if (layer instanceof Dense) {
      const v = toNhwc(x), k = layer.kernel!;
      let name = g.node('MatMul', [v.name, g.float(`${layer.name}/kernel`, k.data as Float32Array, k.shape)], {}, layer.name);
      if (layer.bias) name = g.node('Add', [name, g.float(`${layer.name}/bias`, layer.bias.data as Float32Array, [layer.bias.size])]);
      return activate({ name, nchw: false, shape }, layer.activation, layer.name);
    }
    if (layer instanceof Activation) return activate({ ...x, shape }, layer.activation, layer.name);
    if (layer instanceof ReLU) {
      // Keras's ReLU without a threshold or a negative slope: Relu, or Clip with maxValue (ReLU(6): MobileNet's relu6).
      if (layer.threshold !== 0 || layer.negativeSlope !== 0) throw new Error(`exportOnnx: layer "${layer.name}": ReLU is exported with threshold 0 and negativeSlope 0 only (got threshold ${layer.threshold}, negativeSlope ${layer.negativeSlope})`);
      return layer.maxValue === null ? { ...x, shape, name: g.node('Relu', [x.name], {}, layer.name) } : clip({ ...x, shape }, layer.maxValue, layer.name);
    }
    if (layer.className in MERGES) {
      // Element-wise: every operand in one layout (NCHW only when all spatial operands already are).
      const rank4 = ins.every((v) => v.shape.length === 4);
      const inNchw = rank4 && ins.every((v) => v.nchw);
      const operands = ins.map((v) => (inNchw ? v : toNhwc(v)));
      return { name: g.node(MERGES[layer.className], operands.map((v) => v.name), {}, layer.name), nchw: inNchw, shape };
    }
    if (layer instanceof Concatenate) {
      const rank = ins[0].shape.length, axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
      const inNchw = rank === 4 && ins.every((v) => v.nchw);
      const operands = ins.map((v) => (inNchw ? v : toNhwc(v)));
      const onnxAxis = inNchw ? [0, 2, 3, 1][axis] : axis; // NHWC axis -> its place in NCHW
      return { name: g.node('Concat', operands.map((v) => v.name), { axis: onnxAxis }, layer.name), nchw: inNchw, shape };
    }
    if (INFERENCE_IDENTITY.has(layer.className)) return { ...x, shape };
    if (layer.className === 'RandomWidth' || layer.className === 'RandomHeight') return x; // the identity at inference, the size kept
    if (layer instanceof BatchNormalization) {
      // Inference form: the moving statistics. ONNX normalizes axis 1, NCHW's channels.
      const rank = x.shape.length, axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
      if (axis !== rank - 1 || (rank !== 2 && rank !== 4 && rank !== 5)) throw new Error(`exportOnnx: layer "${layer.name}": BatchNormalization is exported on the channels axis of rank-2, 4 or 5 inputs only (got axis ${layer.axis} of rank ${rank})`);
      const v = rank >= 4 ? toNchw(x) : x, c = layer.movingMean!.size;
      const vector = (suffix: string, t: Tensor | undefined, fill: number): string => g.float(`${layer.name}/${suffix}`, t ? Float32Array.from(t.data as Float32Array) : new Float32Array(c).fill(fill), [c]);
      const name = g.node('BatchNormalization', [v.name, vector('gamma', layer.gamma, 1), vector('beta', layer.beta, 0), vector('moving_mean', layer.movingMean, 0), vector('moving_variance', layer.movingVariance, 1)],
        { epsilon: { float: layer.epsilon } }, layer.name);
      return { name, nchw: v.nchw, shape };
    }
    if (layer instanceof GlobalAveragePooling2D) {
      const name = g.node('GlobalAveragePool', [toNchw(x).name], {}, layer.name); // [n, c, 1, 1]
      return layer.keepdims ? { name, nchw: true, shape } : { name: g.node('Flatten', [name], { axis: 1 }), nchw: false, shape };
    }
    if (layer instanceof UpSampling2D) {
      if (layer.interpolation !== 'nearest') throw new Error(`exportOnnx: layer "${layer.name}": UpSampling2D is exported with interpolation 'nearest' only (got '${layer.interpolation}')`);
      const v = toNchw(x);
      const scales = g.float(`${layer.name}/scales`, Float32Array.from([1, 1, ...layer.size]), [4]);
      const name = g.node('Resize', [v.name, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, layer.name);
      return { name, nchw: true, shape };
    }
    const volume = emit3d(g, layer, x, shape);
    if (volume) return volume;
    if (layer instanceof Embedding) {
      // The float ids truncated to int64 (as the layer's cast), then rows of the table.
      const ids = g.node('Cast', [toNhwc(x).name], { to: onnxProto().TensorProto.DataType.INT64 });
      const table = layer.embeddings!;
      return { name: g.node('Gather', [g.float(`${layer.name}/embeddings`, table.data as Float32Array, table.shape), ids], { axis: 0 }, layer.name), nchw: false, shape };
    }
    if (layer instanceof Identity) return { ...x, shape };
    if (layer instanceof UnitNormalization) {
      // x / sqrt(max(sum(x^2 over axes), 1e-12)), in Keras's layout (axes are NHWC's).
      const v = toNhwc(x), rank = x.shape.length;
      const axes = (Array.isArray(layer.axis) ? layer.axis : [layer.axis]).map((a) => (a < 0 ? a + rank : a));
      // Opset 18 moved ReduceSumSquare's axes from an attribute to an input.
      const squares = opset >= 18 ? g.node('ReduceSumSquare', [v.name, g.int64(g.fresh('axes'), axes)], { keepdims: 1 }) : g.node('ReduceSumSquare', [v.name], { axes, keepdims: 1 });
      const norm = g.node('Sqrt', [g.node('Max', [squares, g.float('unit_norm_floor', Float32Array.of(1e-12), [])])]);
      return { name: g.node('Div', [v.name, norm], {}, layer.name), nchw: false, shape };
    }
    const oneD = emit1d(g, layer, x, shape, opset, activate); // the 1-D convolutions and global pooling
    if (oneD) return oneD;
    if (layer instanceof TimeDistributed) {
      // Time folded into the batch, as deeptype runs it: Reshape [-1, ...frame], the inner layer (or model), Reshape [-1, time, ...].
      const [, time, ...frame] = x.shape, outFrame = shape.slice(2);
      if ([time, ...frame, ...outFrame].some((d) => d === null)) throw new Error(`exportOnnx: layer "${layer.name}": TimeDistributed is exported with known time steps and frame sizes only (input ${JSON.stringify(x.shape)}, output ${JSON.stringify(shape)})`);
      const frames: Value = { name: g.node('Reshape', [toNhwc(x).name, g.int64(g.fresh('shape'), [-1, ...frame as number[]])]), nchw: false, shape: [null, ...frame] };
      const inner = toNhwc(layer.layer instanceof Model ? walk(layer.layer, [frames])[0] : emit(layer.layer, [frames]));
      return { name: g.node('Reshape', [inner.name, g.int64(g.fresh('shape'), [-1, time as number, ...outFrame as number[]])], {}, layer.name), nchw: false, shape };
    }
    throw new Error(`exportOnnx: layer "${layer.name}" (${layer.className}) has no ONNX form yet`);
  };

  /** Emits a graph model's nodes on these input values; a nested model's are inlined the same way. */
  const walk = (m: Model, inputs: Value[]): Value[] => {
    if (!m.isFunctional) throw new Error(`exportOnnx: model "${m.name}" is a subclassed model (its own call()); only graph models (functional or Sequential) export to ONNX`);
    const values = new Map<SymbolicTensor, Value>();
    m.inputs.forEach((t, i) => values.set(t, inputs[i]));
    for (const node of m.graphNodes) {
      const ins = node.inputs.map((t) => values.get(t)!);
      if (node.layer instanceof Input) { values.set(node.outputs[0], ins[0]); continue; }
      const outs = node.layer instanceof Model ? walk(node.layer, ins) : [emit(node.layer, ins)];
      node.outputs.forEach((t, i) => values.set(t, outs[i]));
    }
    return m.outputs.map((t) => values.get(t)!);
  };
  const single = model.inputs.length === 1 && model.outputs.length === 1;
  const inputNames = model.inputs.map((t) => (single ? 'input' : t.node.layer.name));
  const results = walk(model, model.inputs.map((t, i) => ({ name: inputNames[i], nchw: false, shape: t.shape })));
  const outputNames = model.outputs.map((t) => (single ? 'output' : t.node.layer.name));
  const outputs = model.outputs.map((t, i) => {
    const v = toNhwc(results[i]);
    g.nodes.push({ opType: 'Identity', name: `${outputNames[i]}_identity`, input: [v.name], output: [outputNames[i]] });
    return v;
  });

  const valueInfo = (name: string, s: ShapeSpec): OnnxNamespace.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnxProto().TensorProto.DataType.FLOAT, shape: { dim: s.map((d, i) => (d === null ? { dimParam: i === 0 ? 'batch' : `dim_${i}` } : { dimValue: d })) } } },
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
      input: model.inputs.map((t, i) => valueInfo(inputNames[i], t.shape)),
      output: outputs.map((v, i) => valueInfo(outputNames[i], v.shape)),
    },
  });
  return onnxProto().ModelProto.encode(proto).finish();
}

/** Writes the model as an ONNX file (atomically: a crash never leaves half a file at `path`). */
export function exportOnnx(model: Model, path: string, options: { opset?: number } = {}): void {
  const bytes = toOnnx(model, options);
  removeStalePartials(dirname(path), (t) => t === basename(path)); // of exports killed before
  const partial = join(dirname(path), partialName(basename(path)));
  const fd = openSync(partial, 'w');
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
}
