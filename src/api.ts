// The API every entry shares (index.ts for Node, browser.ts for browsers): they add only what
// differs between them (io and utils).
import './backends/register.ts'; // first: the backends register themselves with the engine
import './ops/tensor-methods.ts'; // and Tensor gets its op methods (x.add(y), x.reshape(...))
import './io/model-json.ts'; // and models their toJSON()
export { Tensor, Variable, tensor, tensor1d, tensor2d, tensor3d, tensor4d, scalar, zeros, ones, fill, range, zerosLike, onesLike, isTensor, tidy, dispose, keep, variable } from './core/tensor.ts';
export type { DType, TypedArray } from './core/dtype.ts';
export { noGrad, setBackend, getBackend, withBackend, setThreads, getThreads, ready } from './core/engine.ts';
export { setRandomSeed } from './core/random.ts';
export * from './ops/index.ts';
export * as image from './ops/image.ts';
export * as fused from './ops/fused.ts';
export * as signal from './ops/signal.ts';
export * as math from './ops/math-namespace.ts';
export { valueAndGrads, valueAndGrad, grad, grads, variableGrads } from './ops/autograd.ts';
export * as layers from './layers/index.ts';
// TF.js spells these tf.regularizers, tf.constraints, tf.initializers (also under layers).
export { regularizers, constraints, initializers } from './layers/index.ts';
export * as models from './models/index.ts';
export * as applications from './applications/index.ts';
// TF.js's top-level spellings: tf.sequential, tf.model, tf.input, tf.loadLayersModel.
export { sequential, model, loadModel as loadLayersModel } from './models/index.ts';
export { input } from './layers/index.ts';
export { losses, optimizers, metrics, callbacks, schedules, train } from './training/index.ts';
export { Reduction } from './training/losses-tfjs.ts';
// TF.js's top-level classes, as deeptype's equivalents: tf.LayersModel is Model, tf.CustomCallback
// LambdaCallback (the same hooks), tf.LayerVariable the weights' Variable (assign, read, write).
export { Callback, History, EarlyStopping, LambdaCallback as CustomCallback } from './training/callbacks.ts';
export { Model as LayersModel, Sequential } from './models/index.ts';
export { SymbolicTensor } from './layers/index.ts';
export { InputSpec, type InputSpecArgs } from './layers/input-spec.ts';
export { Variable as LayerVariable } from './core/tensor.ts';
export * as datasets from './datasets/index.ts';
export * as plot from './plot/index.ts';
export * as data from './data/index.ts';
// TF.js's tf.browser.fromPixels / toPixels (ImageData-like objects in Node too).
export * as browser from './utils/pixels.ts';
export { nextFrame } from './utils/next-frame.ts';
export * as util from './utils/tfjs-util-namespace.ts';
export { time, print, version, enableProdMode } from './utils/tfjs-util.ts';
