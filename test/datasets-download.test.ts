// Keras's dataset loaders, offline: a local HTTP server on 127.0.0.1 serves small archives made
// here in the upstream formats (gzip IDX, NumPy .npz, tar.gz of Python pickles, written by Python).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { datasets, Tensor } from '../src/index.ts';

const work = mkdtempSync(join(tmpdir(), 'deeptype-dl-'));
const files = new Map<string, Buffer>();
const requests: string[] = [];
let server: Server, baseUrl = '';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const hashes = (): Record<string, string> => Object.fromEntries([...files].map(([k, v]) => [k, sha(v)]));
const quiet = { verbose: false };

function idx(type: number, shape: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt16BE(0, 0); header[2] = type; header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, Buffer.from(values)]));
}

// Python writes the pickles and the .npz exactly as NumPy / pickle do, and the expected arrays.
const PY = `
import numpy as np, pickle, os, sys, json
out = sys.argv[1]
rng = np.random.RandomState(0)
expected = {}
def batch(path, n, keys):
    data = rng.randint(0, 256, size=(n, 3072)).astype('uint8')
    d = {b'batch_label': b'test batch', b'data': data, b'filenames': [b'f%d.png' % i for i in range(n)]}
    for k, hi in keys.items(): d[k.encode()] = rng.randint(0, hi, size=n).tolist()
    with open(path, 'wb') as f: pickle.dump(d, f, protocol=2)
    return data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1), {k: d[k.encode()] for k in keys}
os.makedirs(f'{out}/cifar-10-batches-py'); os.makedirs(f'{out}/cifar-100-python')
xs, ys = [], []
for i in range(1, 6):
    x, l = batch(f'{out}/cifar-10-batches-py/data_batch_{i}', 2, {'labels': 10}); xs.append(x); ys += l['labels']
expected['c10_train'] = [np.concatenate(xs).ravel()[:50].tolist(), ys, int(np.concatenate(xs).sum())]
x, l = batch(f'{out}/cifar-10-batches-py/test_batch', 3, {'labels': 10})
expected['c10_test'] = [x.ravel()[:50].tolist(), l['labels'], int(x.sum())]
x, l = batch(f'{out}/cifar-100-python/train', 4, {'fine_labels': 100, 'coarse_labels': 20})
expected['c100_train'] = [x.ravel()[:50].tolist(), l['fine_labels'], l['coarse_labels']]
x, l = batch(f'{out}/cifar-100-python/test', 2, {'fine_labels': 100, 'coarse_labels': 20})
expected['c100_test'] = [l['fine_labels'], l['coarse_labels']]
m = {'x_train': rng.randint(0, 256, size=(3, 28, 28)).astype('uint8'), 'y_train': np.array([1, 2, 3], 'uint8'),
     'x_test': rng.randint(0, 256, size=(2, 28, 28)).astype('uint8'), 'y_test': np.array([7, 9], 'uint8')}
np.savez_compressed(f'{out}/mnist.npz', **m)
expected['mnist'] = [m['x_train'].ravel()[:40].tolist(), m['y_test'].tolist()]
print(json.dumps(expected))`;
let expected: Record<string, number[][] | [number[], number[], number]>;

before(async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY, src], { encoding: 'utf8' }));
  await tar.c({ gzip: true, file: join(src, 'cifar-10-python.tar.gz'), cwd: src }, ['cifar-10-batches-py']);
  await tar.c({ gzip: true, file: join(src, 'cifar-100-python.tar.gz'), cwd: src }, ['cifar-100-python']);
  for (const f of ['cifar-10-python.tar.gz', 'cifar-100-python.tar.gz', 'mnist.npz']) files.set(f, readFileSync(join(src, f)));
  files.set('train-images-idx3-ubyte.gz', idx(8, [3, 28, 28], Array.from({ length: 3 * 784 }, (_, i) => i % 251)));
  files.set('train-labels-idx1-ubyte.gz', idx(8, [3], [4, 0, 9]));
  files.set('t10k-images-idx3-ubyte.gz', idx(8, [2, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => (i * 3) % 256)));
  files.set('t10k-labels-idx1-ubyte.gz', idx(8, [2], [1, 8]));
  server = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.split('/').pop()!);
    requests.push(name);
    const body = name === 'corrupt.bin' ? Buffer.from('not what was expected') : files.get(name);
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}/files/`;
});
after(() => { server.close(); rmSync(work, { recursive: true, force: true }); });

const head = (t: Tensor, n: number): number[] => Array.from(t.data.subarray(0, n));

test('fashionMnist: first load downloads, verifies and caches; the second reads the cache without a request', async () => {
  const cacheDir = join(work, 'cache-fashion');
  const [[x, y], [xt, yt]] = await datasets.fashionMnist.loadData({ baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  assert.deepEqual([x.shape, x.dtype, Array.from(y.data), xt.shape, Array.from(yt.data)], [[3, 28, 28], 'uint8', [4, 0, 9], [2, 28, 28], [1, 8]]);
  assert.deepEqual(head(x, 5), [0, 1, 2, 3, 4]);
  assert.equal(requests.filter((r) => r.endsWith('ubyte.gz')).length, 4);
  assert.deepEqual(readdirSync(join(cacheDir, 'fashion-mnist')).sort(), ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  const before = requests.length;
  const [[x2]] = await datasets.fashionMnist.loadData({ baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  assert.equal(requests.length, before, 'no request on the second load');
  assert.deepEqual(head(x2, 5), head(x, 5));
  // A cached file whose hash no longer matches is downloaded again.
  writeFileSync(join(cacheDir, 'fashion-mnist', 'train-labels-idx1-ubyte.gz'), 'damaged');
  const warn = console.warn; console.warn = () => {};
  try { await datasets.fashionMnist.loadData({ baseUrl, fileHashes: hashes(), cacheDir, ...quiet }); } finally { console.warn = warn; }
  assert.equal(requests.length, before + 1);
  // readIdx reads the .gz files themselves.
  assert.deepEqual(Array.from(datasets.readIdx(join(cacheDir, 'fashion-mnist', 'train-labels-idx1-ubyte.gz')).data), [4, 0, 9]);
});

test('cifar10 / cifar100 (fine and coarse) from tar.gz of pickles, and mnist.npz: Keras\'s arrays', async () => {
  const cacheDir = join(work, 'cache-cifar');
  const [[x, y], [xt, yt]] = await datasets.cifar10.loadData({ baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  const [trainHead, trainLabels, trainSum] = expected.c10_train as [number[], number[], number];
  assert.deepEqual([x.shape, y.shape, x.dtype, y.dtype], [[10, 32, 32, 3], [10, 1], 'uint8', 'uint8']);
  assert.deepEqual(head(x, 50), trainHead);
  assert.equal(Array.from(x.data).reduce((a, b) => a + b, 0), trainSum);
  assert.deepEqual(Array.from(y.data), trainLabels);
  assert.deepEqual([xt.shape, head(xt, 50), Array.from(yt.data)], [[3, 32, 32, 3], (expected.c10_test as number[][])[0], (expected.c10_test as number[][])[1]]);
  const [[fx, fy], [, fyt]] = await datasets.cifar100.loadData({ baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  const [c100Head, fine, coarse] = expected.c100_train as number[][];
  assert.deepEqual([fx.shape, head(fx, 50), Array.from(fy.data), Array.from(fyt.data)], [[4, 32, 32, 3], c100Head, fine, (expected.c100_test as number[][])[0]]);
  const before = requests.length;
  const [[, cy], [, cyt]] = await datasets.cifar100.loadData({ labelMode: 'coarse', baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  assert.equal(requests.length, before, 'the extracted cache is reused');
  assert.deepEqual([Array.from(cy.data), Array.from(cyt.data)], [coarse, (expected.c100_test as number[][])[1]]);
  await assert.rejects(datasets.cifar100.loadData({ labelMode: 'medium' as never, baseUrl, cacheDir }), /labelMode must be 'fine' or 'coarse'/);
  const [[mx, my], [, myt]] = await datasets.mnist.loadData({ download: true, baseUrl, fileHashes: hashes(), cacheDir, ...quiet });
  const [mHead, mTest] = expected.mnist as number[][];
  assert.deepEqual([mx.shape, head(mx, 40), Array.from(my.data), Array.from(myt.data)], [[3, 28, 28], mHead, [1, 2, 3], mTest]);
});

test('a corrupted download is rejected and removed; no server gives a clear offline error; a full disk is named', async () => {
  const cacheDir = join(work, 'cache-bad');
  const fileHash = sha(files.get('mnist.npz')!);
  await assert.rejects(datasets.getFile('corrupt.bin', `${baseUrl}corrupt.bin`, { fileHash, cacheDir, ...quiet }),
    /corrupted or not the expected one: its sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}\. It was removed/);
  assert.deepEqual(readdirSync(cacheDir), [], 'neither the file nor its .part is left');
  await assert.rejects(datasets.getFile('missing.bin', `${baseUrl}missing.bin`, { cacheDir, ...quiet }), /the server answered 404/);

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(datasets.fashionMnist.loadData({ baseUrl: `http://127.0.0.1:${port}/`, cacheDir, ...quiet }),
    /cannot download http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: the connection was refused\. Are you offline\?/);

  symlinkSync('/dev/full', join(cacheDir, 'mnist.npz.part'));
  await assert.rejects(datasets.getFile('mnist.npz', `${baseUrl}mnist.npz`, { fileHash, cacheDir, ...quiet }), /no space left on the device while writing .*mnist\.npz\.part.*DEEPTYPE_HOME/);
  assert.equal(existsSync(join(cacheDir, 'mnist.npz')), false);
});

test('the cache folder is DEEPTYPE_HOME/datasets when set', () => {
  const old = process.env.DEEPTYPE_HOME;
  process.env.DEEPTYPE_HOME = '/somewhere';
  try { assert.equal(datasets.cacheRoot(), '/somewhere/datasets'); } finally { if (old === undefined) delete process.env.DEEPTYPE_HOME; else process.env.DEEPTYPE_HOME = old; }
  assert.match(datasets.cacheRoot(), /\.deeptype\/datasets$/);
});
