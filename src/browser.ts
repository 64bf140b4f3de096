// deeptype for browsers (the package's `browser` export; `npm run build:browser` bundles it
// into one file): everything the Node entry has; what needs the file system (datasets'
// loadData/readIdx, model.save/loadModel from folders, exportOnnx, savefig, Report) throws
// an error saying so, and figures are drawn as SVG (toSVG()). The wasm kernels use all cores
// on a cross-origin isolated page (COOP: same-origin, COEP: require-corp), one thread
// elsewhere; `await ready()` before the first op.
import './backends/register.ts'; // first: the backends register themselves with the engine
import './ops/tensor-methods.ts'; // and Tensor gets its op methods (x.add(y), x.reshape(...))
import './io/model-json.ts'; // and models their toJSON()
export { Tensor, Variable, tensor, scalar, zeros, ones, fill, range, zerosLike, onesLike, isTensor, tidy, dispose } from './core/tensor.ts';
export type { DType, TypedArray } from './core/dtype.ts';
export { noGrad, setBackend, getBackend, withBackend, setThreads, getThreads, ready } from './core/engine.ts';
export { setRandomSeed } from './core/random.ts';
export * from './ops/index.ts';
export { valueAndGrads, valueAndGrad, grad } from './ops/autograd.ts';
export * as layers from './layers/index.ts';
export * as models from './models/index.ts';
export * as datasets from './datasets/index.ts';
export * as plot from './plot/index.ts';
export * as data from './data/index.ts';
export * as utils from './utils/browser.ts'; // images from Files, Blobs and URLs, decoded by the browser
export { losses, optimizers, metrics, callbacks, schedules } from './training/index.ts';
// Keras's .keras / .h5 files from an ArrayBuffer, a File or a Blob, and to bytes.
export * as io from './io/keras-bytes.ts';
