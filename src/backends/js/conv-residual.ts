// The reference for the residual epilogue: a convolution, the residual added, the activation.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation, ConvInfo } from '../backend.ts';
import { conv2d } from './nn.ts';

export function conv2dResidual(x: TypedArray, w: TypedArray, bias: TypedArray | null, residual: TypedArray, out: TypedArray, info: ConvInfo, activation: ConvActivation | null): void {
  if (residual.length !== out.length) throw new Error(`conv2dResidual: the residual has ${residual.length} values, the output ${out.length}`);
  if (activation !== null && activation !== 'relu') throw new Error(`conv2dResidual: unknown activation '${activation as string}'`);
  conv2d(x, w, bias, out, info);
  for (let i = 0; i < out.length; i++) {
    const v = out[i] + residual[i];
    out[i] = activation === 'relu' ? (v > 0 ? v : 0) : v;
  }
}
