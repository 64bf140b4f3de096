// A convolution's forward pass with each epilogue the kernels fuse, called on a backend directly
// (tests of the conv kernels: Winograd, 16-channel, wide-GEMM paths).
import type * as dt from '../../src/index.ts';
import type { ConvInfo } from '../../src/backends/backend.ts';
import type { WasmBackend } from '../../src/backends/wasm/index.ts';
import type { JsBackend } from '../../src/backends/js/index.ts';

export type Epilogue = 'none' | 'bias' | 'relu' | 'relu6' | 'residual';
export const EPILOGUES: Epilogue[] = ['none', 'bias', 'relu', 'relu6', 'residual'];

/** y = epilogue(conv(x, k)) into a NaN-filled output, so an unwritten value fails ('residual': relu(conv + b + r)). */
export function convForward(be: WasmBackend | JsBackend, x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, r: dt.Tensor, info: ConvInfo, ep: Epilogue): Float32Array {
  const out = new Float32Array(info.batch * info.outH * info.outW * info.outC).fill(NaN);
  if (ep === 'none') be.conv2d(x.data, k.data, null, out, info);
  else if (ep === 'bias') be.conv2d(x.data, k.data, b.data, out, info);
  else if (ep === 'residual') be.conv2dResidual(x.data, k.data, b.data, r.data, out, info, 'relu');
  else be.conv2dActivation(x.data, k.data, b.data, out, info, ep);
  return out;
}
