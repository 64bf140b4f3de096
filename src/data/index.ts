// tf.data-style input pipelines.
export { Dataset, workerFunction, type ZipStructure, type Cardinality, type MapOptions, type ShuffleOptions, type WorkerFunction } from './dataset.ts';
export { releaseBatch, type Element } from './element.ts';
// TF.js's tf.data spellings.
import { Dataset } from './dataset.ts';
/** tf.data.array(items): a dataset of the items. */
export const array = Dataset.fromArray;
/** tf.data.generator(fn): a dataset of what fn's iterator yields, each time it is iterated. */
export const generator = Dataset.fromGenerator;
/** tf.data.zip(datasets): elements side by side, as lists or keyed objects. */
export const zip = Dataset.zip;
/** tf.data.func(f): a dataset of f()'s {value, done} results until done. */
export const func = Dataset.fromFunction;
/** tf.data.csv(source, config): a CSV file's rows (see csv.ts). */
export { csv, type CSVConfig, type CSVDataset, type ColumnConfig } from './csv.ts';
