// The datasets Keras downloads: the same upstream files, hashes and array layouts as
// keras.datasets, cached by getFile. `baseUrl` points at a mirror holding the same file names
// (tests use a local server); `fileHashes` replaces the upstream SHA-256s for a mirror of other files.
import { nodeBuiltin } from '../core/node-only.ts';
import { Tensor } from '../core/tensor.ts';
import { getFile } from './get-file.ts';
import { readIdx } from './idx.ts';
import { parseNpz } from './npy.ts';
import { unpickle, type PyValue } from './pickle.ts';

export interface DownloadOptions {
  /** A mirror's base URL (the file name is appended); default: Keras's upstream. */
  baseUrl?: string;
  /** SHA-256 per file name, replacing the upstream hashes (only for a mirror of different files). */
  fileHashes?: Record<string, string>;
  /** The cache root (default $DEEPTYPE_HOME/datasets or ~/.deeptype/datasets). */
  cacheDir?: string;
  verbose?: boolean;
}
export type Split = [[Tensor, Tensor], [Tensor, Tensor]];

const KERAS_BUCKET = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';
const TORONTO = 'https://www.cs.toronto.edu/~kriz/';

const HASHES: Record<string, string> = {
  'mnist.npz': '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1',
  'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
  'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
  't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
  'cifar-10-python.tar.gz': '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce',
  'cifar-100-python.tar.gz': '85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7',
};

const readFileSync = (p: string): Uint8Array => nodeBuiltin('node:fs', 'loading a dataset').readFileSync(p);
const join = (...parts: string[]): string => nodeBuiltin('node:path', 'loading a dataset').join(...parts);

const KNOWN = new Set(['baseUrl', 'fileHashes', 'cacheDir', 'verbose', 'labelMode']);

function fetchFile(fname: string, upstream: string, options: DownloadOptions, extra: { cacheSubdir?: string; extractTo?: string } = {}): Promise<string> {
  for (const k of Object.keys(options)) if (!KNOWN.has(k)) throw new Error(`datasets: unknown option '${k}' (known: ${[...KNOWN].join(', ')})`);
  const base = options.baseUrl ?? process.env.DEEPTYPE_DATASETS_URL ?? upstream;
  const origin = base.endsWith('/') ? base + fname : `${base}/${fname}`;
  return getFile(fname, origin, { fileHash: options.fileHashes?.[fname] ?? HASHES[fname], cacheDir: options.cacheDir, verbose: options.verbose, ...extra });
}

/** MNIST from Keras's mnist.npz (downloaded once), as keras.datasets.mnist.load_data(). */
export async function loadMnistNpz(options: DownloadOptions = {}): Promise<Split> {
  const path = await fetchFile('mnist.npz', KERAS_BUCKET, options);
  const a = parseNpz(readFileSync(path), path);
  for (const k of ['x_train', 'y_train', 'x_test', 'y_test']) if (!a[k]) throw new Error(`${path}: no array '${k}' (found ${Object.keys(a).join(', ')}); delete the file to download it again`);
  return [[a.x_train, a.y_train], [a.x_test, a.y_test]];
}

/** Fashion-MNIST: uint8 [60000, 28, 28], [60000], [10000, 28, 28], [10000] (keras.datasets.fashion_mnist). */
export async function loadFashionMnist(options: DownloadOptions = {}): Promise<Split> {
  const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  const paths: string[] = [];
  for (const n of names) paths.push(await fetchFile(n, KERAS_BUCKET, options, { cacheSubdir: 'fashion-mnist' }));
  const [xTrain, yTrain, xTest, yTest] = paths.map(readIdx);
  for (const [x, y, p] of [[xTrain, yTrain, paths[0]], [xTest, yTest, paths[2]]] as const) {
    if (x.rank !== 3 || y.rank !== 1 || x.shape[0] !== y.shape[0]) throw new Error(`Fashion-MNIST: ${p} holds images of shape [${x.shape}] for labels of shape [${y.shape}]`);
  }
  return [[xTrain, yTrain], [xTest, yTest]];
}

/** One CIFAR batch file: data [n, 3072] (channels first) -> [n, 32, 32, 3] uint8, labels [n, 1]. */
function cifarBatch(path: string, labelKey: string): [Tensor, Tensor] {
  let bytes: Uint8Array;
  try { bytes = readFileSync(path); } catch (e) { throw new Error(`CIFAR: cannot read ${path} (${(e as Error).message}); delete the cache folder to download it again`); }
  const d = unpickle(bytes, path);
  if (!(d instanceof Map)) throw new Error(`CIFAR: ${path} does not hold a dict`);
  const data = d.get('data'), labels = d.get(labelKey) as PyValue;
  if (!(data instanceof Tensor) || data.rank !== 2 || data.shape[1] !== 3072 || data.dtype !== 'uint8') throw new Error(`CIFAR: ${path}: 'data' must be a uint8 array [n, 3072]`);
  const n = data.shape[0];
  const labelValues = labels instanceof Tensor ? Array.from(labels.data) : Array.isArray(labels) ? labels.map(Number) : null;
  if (!labelValues || labelValues.length !== n) throw new Error(`CIFAR: ${path}: '${labelKey}' must hold ${n} labels`);
  // Keras's transpose(0, 2, 3, 1): channels last.
  const x = new Uint8Array(n * 3072), src = data.data;
  for (let i = 0; i < n; i++) {
    const base = i * 3072;
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) x[base + p * 3 + c] = src[base + c * 1024 + p];
  }
  return [new Tensor(x, [n, 32, 32, 3]), new Tensor(Uint8Array.from(labelValues), [n, 1])];
}

function concat(parts: [Tensor, Tensor][]): [Tensor, Tensor] {
  const cat = (ts: Tensor[]): Tensor => {
    const out = new Uint8Array(ts.reduce((s, t) => s + t.size, 0));
    let o = 0;
    for (const t of ts) { out.set(t.data, o); o += t.size; }
    return new Tensor(out, [ts.reduce((s, t) => s + t.shape[0], 0), ...ts[0].shape.slice(1)]);
  };
  return [cat(parts.map((p) => p[0])), cat(parts.map((p) => p[1]))];
}

/** CIFAR-10: uint8 [50000, 32, 32, 3], labels [50000, 1]; test [10000, ...] (keras.datasets.cifar10). */
export async function loadCifar10(options: DownloadOptions = {}): Promise<Split> {
  const dir = await fetchFile('cifar-10-python.tar.gz', TORONTO, options, { extractTo: 'cifar-10-batches-py-target' });
  const root = join(dir, 'cifar-10-batches-py');
  const train = concat([1, 2, 3, 4, 5].map((i) => cifarBatch(join(root, `data_batch_${i}`), 'labels')));
  return [train, cifarBatch(join(root, 'test_batch'), 'labels')];
}

/** CIFAR-100 with 'fine' (100 classes) or 'coarse' (20 superclasses) labels (keras.datasets.cifar100). */
export async function loadCifar100(options: DownloadOptions & { labelMode?: 'fine' | 'coarse' } = {}): Promise<Split> {
  const { labelMode = 'fine', ...rest } = options;
  if (labelMode !== 'fine' && labelMode !== 'coarse') throw new Error(`cifar100.loadData: labelMode must be 'fine' or 'coarse', got '${labelMode}'`);
  const dir = await fetchFile('cifar-100-python.tar.gz', TORONTO, rest, { extractTo: 'cifar-100-python-target' });
  const root = join(dir, 'cifar-100-python');
  return [cifarBatch(join(root, 'train'), `${labelMode}_labels`), cifarBatch(join(root, 'test'), `${labelMode}_labels`)];
}
