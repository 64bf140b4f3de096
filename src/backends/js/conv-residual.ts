// The references for the residual epilogues: a convolution, the residual added, the activation;
// an input gradient with a gradient added.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation, ConvInfo } from '../backend.ts';
import { conv2d, conv2dBackpropInput } from './nn.ts';
import { epilogueActivation } from './epilogue.ts';

export function conv2dResidual(x: TypedArray, w: TypedArray, bias: TypedArray | null, residual: TypedArray, out: TypedArray, info: ConvInfo, activation: ConvActivation | null): void {
  if (residual.length !== out.length) throw new Error(`conv2dResidual: the residual has ${residual.length} values, the output ${out.length}`);
  const act = activation === null ? (v: number) => v : epilogueActivation('conv2dResidual', activation);
  conv2d(x, w, bias, out, info);
  for (let i = 0; i < out.length; i++) out[i] = act(out[i] + residual[i]);
}

export function conv2dBackpropInputAdd(dy: TypedArray, w: TypedArray, addend: TypedArray, dx: TypedArray, info: ConvInfo): void {
  if (addend.length !== dx.length) throw new Error(`conv2dBackpropInputAdd: the addend has ${addend.length} values, the input gradient ${dx.length}`);
  conv2dBackpropInput(dy, w, dx, info);
  for (let i = 0; i < dx.length; i++) dx[i] += addend[i];
}
