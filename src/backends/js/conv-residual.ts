// The reference for the residual epilogue: a convolution, the residual added, the activation.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation, ConvInfo } from '../backend.ts';
import { conv2d } from './nn.ts';
import { epilogueActivation } from './epilogue.ts';

export function conv2dResidual(x: TypedArray, w: TypedArray, bias: TypedArray | null, residual: TypedArray, out: TypedArray, info: ConvInfo, activation: ConvActivation | null): void {
  if (residual.length !== out.length) throw new Error(`conv2dResidual: the residual has ${residual.length} values, the output ${out.length}`);
  const act = activation === null ? (v: number) => v : epilogueActivation('conv2dResidual', activation);
  conv2d(x, w, bias, out, info);
  for (let i = 0; i < out.length; i++) out[i] = act(out[i] + residual[i]);
}
