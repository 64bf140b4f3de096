// tf.data-style input pipelines.
export { Dataset, workerFunction, type Cardinality, type MapOptions, type ShuffleOptions, type WorkerFunction } from './dataset.ts';
export { releaseBatch, type Element } from './element.ts';
