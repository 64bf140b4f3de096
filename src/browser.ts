// deeptype for browsers: everything but what needs Node.js (the file system for datasets and
// model files, resvg for pictures). Bundled by `npm run build:browser` into dist/deeptype.js.
// The wasm kernels use all cores on a cross-origin isolated page (COOP: same-origin, COEP:
// require-corp), one thread elsewhere; `await ready()` before the first op.
export { Tensor, Variable, tensor, scalar, zeros, ones, fill, range, zerosLike, onesLike, isTensor } from './core/tensor.ts';
export type { DType, TypedArray } from './core/dtype.ts';
export { noGrad, setBackend, getBackend, withBackend, setThreads, getThreads, ready } from './core/engine.ts';
export { setRandomSeed } from './core/random.ts';
export * from './ops/index.ts';
export { valueAndGrads, valueAndGrad, grad } from './ops/autograd.ts';
export * as layers from './layers/index.ts';
export * as models from './models/index.ts';
export { losses, optimizers, metrics, callbacks } from './training/index.ts';
// Keras's .keras / .h5 files from an ArrayBuffer, a File or a Blob, and to bytes.
export * as io from './io/keras-bytes.ts';
