// TF.js's tf.fused: conv2d, depthwiseConv2d and matMul with a bias and an activation after.
// Compositions of the core ops: a per-channel bias goes into the convolution kernel's own bias
// pass, and a relu or relu6 behind a convolution becomes its epilogue in a compiled plan
// (conv2dActivation), so tf.fused code gets the fused kernels there; the other activations
// and biases of other shapes are the ops themselves. Gradients come from the composition.
import { Tensor } from '../core/tensor.ts';
import { broadcastShapes, formatShape } from '../core/shape.ts';
import { checkKnownOptions } from '../core/options.ts';
import { add, relu, relu6, sigmoid } from './elementwise.ts';
import { elu, leakyRelu, prelu } from './activations.ts';
import { conv2d as conv2dOp, type Pair } from './conv.ts';
import { depthwiseConv2d as depthwiseOp } from './conv-variants.ts';
import { matMul as matMulOp } from './nn.ts';
import { onImages, tfjsGeometry, withRounding, type RoundingMode, type TfjsPad } from './positional.ts';

export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'prelu' | 'leakyrelu' | 'sigmoid';
const ACTIVATIONS: readonly FusedActivation[] = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'];

interface Epilogue { bias?: Tensor; activation?: FusedActivation; preluActivationWeights?: Tensor; leakyreluAlpha?: number }
export interface FusedConv2dArgs extends Epilogue {
  x: Tensor; filter: Tensor; strides: Pair; pad: TfjsPad; dataFormat?: 'NHWC'; dilations?: Pair; dimRoundingMode?: RoundingMode;
}
export interface FusedMatMulArgs extends Epilogue { a: Tensor; b: Tensor; transposeA?: boolean; transposeB?: boolean }

const CONV_KEYS = ['x', 'filter', 'strides', 'pad', 'dataFormat', 'dilations', 'dimRoundingMode', 'bias', 'activation', 'preluActivationWeights', 'leakyreluAlpha'];
const MATMUL_KEYS = ['a', 'b', 'transposeA', 'transposeB', 'bias', 'activation', 'preluActivationWeights', 'leakyreluAlpha'];

function checkTensor(what: string, name: string, t: unknown, optional = false): void {
  if (optional && (t === undefined || t === null)) return;
  if (!(t instanceof Tensor)) throw new Error(`${what}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

/** Checks the epilogue's arguments before any work (TF.js checks the activation only in its kernel). */
function checkEpilogue(what: string, { bias, activation = 'linear', preluActivationWeights, leakyreluAlpha }: Epilogue): void {
  checkTensor(what, 'bias', bias, true);
  checkTensor(what, 'preluActivationWeights', preluActivationWeights, true);
  if (!ACTIVATIONS.includes(activation)) throw new Error(`${what}: activation must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(activation)}`);
  if (activation === 'prelu' && !preluActivationWeights) throw new Error(`${what}: activation 'prelu' needs preluActivationWeights (the slopes for negative values)`);
  if (activation !== 'prelu' && preluActivationWeights) throw new Error(`${what}: preluActivationWeights is given but activation is '${activation}', not 'prelu'`);
  if (leakyreluAlpha !== undefined && !(typeof leakyreluAlpha === 'number' && Number.isFinite(leakyreluAlpha))) throw new Error(`${what}: leakyreluAlpha must be a finite number, got ${leakyreluAlpha}`);
}

const fitsOutput = (out: number[], t: number[]): boolean => {
  try { return formatShape(broadcastShapes(out, t)) === formatShape(out); } catch { return false; }
};

/** y + bias, then the activation, as TF.js's fused kernels apply them; bias and the prelu weights broadcast against y. */
function epilogue(what: string, y: Tensor, { bias, activation = 'linear', preluActivationWeights, leakyreluAlpha = 0.2 }: Epilogue, biasDone: boolean): Tensor {
  for (const [name, t] of [['bias', biasDone ? undefined : bias], ['preluActivationWeights', preluActivationWeights]] as const) {
    if (t && !fitsOutput(y.shape, t.shape)) {
      throw new Error(`${what}: ${name} of shape ${formatShape(t.shape)} must broadcast to the output's shape ${formatShape(y.shape)}`);
    }
  }
  const z = bias && !biasDone ? add(y, bias) : y;
  switch (activation) {
    case 'linear': return z;
    case 'relu': return relu(z);
    case 'relu6': return relu6(z);
    case 'elu': return elu(z);
    case 'sigmoid': return sigmoid(z);
    case 'leakyrelu': return leakyRelu(z, leakyreluAlpha);
    case 'prelu': return prelu(z, preluActivationWeights!);
  }
}

function fusedConv(what: string, op: typeof conv2dOp | typeof depthwiseOp, args: FusedConv2dArgs): Tensor {
  checkKnownOptions(args, CONV_KEYS, what);
  checkTensor(what, 'x', args.x);
  checkTensor(what, 'filter', args.filter);
  checkEpilogue(what, args);
  const { x, filter, strides, pad, dataFormat, dilations, dimRoundingMode, bias } = args;
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${what}: x must be [batch, height, width, channels] or [height, width, channels], got shape ${formatShape(x.shape)}`);
  const geometry = withRounding(what, tfjsGeometry(what, strides, pad, dataFormat, dilations), pad, dimRoundingMode, x.shape.slice(x.rank - 3, x.rank - 1), filter.shape.slice(0, 2));
  const outC = op === depthwiseOp ? filter.shape[2] * filter.shape[3] : filter.shape[3];
  // A bias of one value per output channel goes into the convolution's own bias pass.
  const inKernel = bias !== undefined && bias !== null && bias.rank === 1 && bias.shape[0] === outC;
  return onImages(x, (xs) => {
    const y = op(xs, filter, { ...geometry, ...(inKernel ? { bias } : {}) } as never);
    return epilogue(what, y, args, inKernel);
  });
}

/** tf.fused.conv2d({x, filter, strides, pad, dataFormat?, dilations?, bias?, activation?, preluActivationWeights?, leakyreluAlpha?}). */
export const conv2d = (args: FusedConv2dArgs): Tensor => fusedConv('fused.conv2d', conv2dOp, args);

/** tf.fused.depthwiseConv2d: the same arguments, the filter [kh, kw, channels, multiplier]. */
export const depthwiseConv2d = (args: FusedConv2dArgs): Tensor => fusedConv('fused.depthwiseConv2d', depthwiseOp, args);

/** tf.fused.matMul({a, b, transposeA?, transposeB?, bias?, activation?, preluActivationWeights?, leakyreluAlpha?}). */
export function matMul(args: FusedMatMulArgs): Tensor {
  const what = 'fused.matMul';
  checkKnownOptions(args, MATMUL_KEYS, what);
  checkTensor(what, 'a', args.a);
  checkTensor(what, 'b', args.b);
  checkEpilogue(what, args);
  const { a, b, transposeA = false, transposeB = false } = args;
  for (const [name, v] of [['transposeA', transposeA], ['transposeB', transposeB]] as const) {
    if (typeof v !== 'boolean') throw new Error(`${what}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  }
  return epilogue(what, matMulOp(a, b, { transposeA, transposeB }), args, false);
}
