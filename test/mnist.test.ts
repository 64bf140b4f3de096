import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasets } from '../src/index.ts';

/** An IDX file: magic 0x0000 0x08 rank, big-endian dims, then uint8 values. */
function idx(dims: number[], values: number[], magic = [0, 0, 8, dims.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  magic.forEach((b, i) => header.writeUInt8(b, i));
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

describe('MNIST and IDX files', () => {
  it('loads the four MNIST files with Keras shapes and dtypes', () => {
    const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
    assert.deepEqual([xTrain.shape, yTrain.shape, xTest.shape, yTest.shape], [[60000, 28, 28], [60000], [10000, 28, 28], [10000]]);
    assert.deepEqual([xTrain.dtype, yTrain.dtype], ['uint8', 'uint8']);
    assert.deepEqual(Array.from(yTrain.data.subarray(0, 5)), [5, 0, 4, 1, 9]);
    assert.equal(xTrain.max().item(), 255);
  });

  it('reads IDX files of other types and refuses broken ones, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    const file = (name: string, bytes: Buffer) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
    assert.deepEqual(datasets.readIdx(file('ok', idx([2, 3], [1, 2, 3, 4, 5, 6]))).toArray(), [[1, 2, 3], [4, 5, 6]]);
    const f32 = Buffer.alloc(12); f32.writeUInt32BE(0x00000d01, 0); f32.writeUInt32BE(1, 4); f32.writeFloatBE(1.5, 8);
    assert.deepEqual(datasets.readIdx(file('f32', f32)).toArray(), [1.5]);
    const bad = file('bad-magic', idx([2], [1, 2], [1, 2, 8, 1]));
    assert.throws(() => datasets.readIdx(bad), new RegExp(`IDX file ${bad}: bad magic number 0x01020801`));
    const short = file('short', idx([2, 3], [1, 2, 3]));
    assert.throws(() => datasets.readIdx(short), new RegExp(`IDX file ${short}: truncated: shape \\[2,3\\] needs 18 bytes, the file has 15`));
    assert.throws(() => datasets.readIdx(file('type', idx([1], [0], [0, 0, 0x42, 1]))), /unknown data type code 0x42/);
    assert.throws(() => datasets.readIdx(join(dir, 'missing')), /IDX file .*missing: cannot read it/);
  });

  it('refuses image and label files whose counts differ', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    mkdirSync(dir, { recursive: true });
    const images = idx([3, 2, 2], new Array(12).fill(0)), labels = idx([3], [1, 2, 3]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [1, 2]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
    assert.throws(() => datasets.mnist.loadData(dir), /train-images-idx3-ubyte holds 3 images but .*train-labels-idx1-ubyte holds 2 labels/);
  });
});
