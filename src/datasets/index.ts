import * as mnist from './mnist.ts';
import { loadCifar10, loadCifar100, loadFashionMnist } from './downloads.ts';
export { mnist };
/** keras.datasets.fashion_mnist: downloaded on first use, then read from the cache. */
export const fashionMnist = { loadData: loadFashionMnist };
export const cifar10 = { loadData: loadCifar10 };
export const cifar100 = { loadData: loadCifar100 };
export { readIdx, parseIdx } from './idx.ts';
export { getFile, cacheRoot, type GetFileOptions } from './get-file.ts';
export { parseNpy, parseNpz } from './npy.ts';
export type { DownloadOptions } from './downloads.ts';
