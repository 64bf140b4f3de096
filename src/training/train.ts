// TF.js's optimizer factories (tf.train.adam(0.01), tf.train.sgd(0.1), ...): its positional
// arguments and defaults, on deeptype's optimizers (the same updates as TF.js's, checked in
// test/tfjs-train.test.ts, except adadelta: Keras's rule, where TF.js reads its accumulator stale).
import { Adadelta, Adagrad, Adam, RMSprop, SGD, tfjsAdamax, type Adamax } from './optimizers.ts';

const lr = (where: string, v: number | undefined): number => {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`tf.train.${where}: learningRate must be a number > 0, got ${String(v)}`);
  return v;
};

export const sgd = (learningRate: number): SGD => new SGD({ learningRate: lr('sgd', learningRate) });
/** SGD with momentum: TF.js's accumulator a = momentum a + g, w -= lr a (Keras's form is the same for a fixed rate). */
export const momentum = (learningRate: number, momentum: number, useNesterov = false): SGD =>
  new SGD({ learningRate: lr('momentum', learningRate), momentum, nesterov: useNesterov });
export const adam = (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): Adam =>
  new Adam({ learningRate: lr('adam', learningRate), beta1, beta2, epsilon });
export const adagrad = (learningRate: number, initialAccumulatorValue = 0.1): Adagrad =>
  new Adagrad({ learningRate: lr('adagrad', learningRate), initialAccumulatorValue });
export const adadelta = (learningRate = 0.001, rho = 0.95, epsilon?: number): Adadelta =>
  new Adadelta({ learningRate: lr('adadelta', learningRate), rho, epsilon });
/** decay as TF.js's: lr / (1 + decay t) at step t from 0 (an InverseTimeDecay schedule). */
export const adamax = (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon?: number, decay = 0): Adamax =>
  tfjsAdamax('tf.train.adamax', lr('adamax', learningRate), beta1, beta2, epsilon, decay);
/** TF.js's RMSprop: `decay` is Keras's rho. */
export const rmsprop = (learningRate: number, decay = 0.9, momentum = 0, epsilon?: number, centered = false): RMSprop =>
  new RMSprop({ learningRate: lr('rmsprop', learningRate), rho: decay, momentum, epsilon, centered });
