import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';

describe('tensors', () => {
  it('create from nested arrays, typed arrays and shapes', () => {
    const t = dt.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(dt.tensor(new Uint8Array([1, 2, 3, 4]), [2, 2]).dtype, 'uint8');
    assert.throws(() => dt.tensor([[1, 2], [3]]), /ragged/);
    assert.throws(() => dt.tensor([1, 2, 3], [2, 2]), /3 values do not fit shape \[2, 2\]/);
  });

  it('index with integers and ranges on any axis, like NumPy', () => {
    const x = dt.range(0, 24).reshape([2, 3, 4]);
    assert.deepEqual(x.index(1).shape, [3, 4]);
    assert.deepEqual(x.index('1, 0:2, 1:3').toArray(), [[13, 14], [17, 18]]);
    assert.deepEqual(x.index(null, 2, '::2').toArray(), [[8, 10], [20, 22]]);
    assert.deepEqual(x.index(-1, -1, -1).toArray(), 23);
    assert.deepEqual(x.index([0, 1], [1, null]).shape, [1, 2, 4]);
    assert.throws(() => x.index(2), /index 2 is out of bounds for axis 0 with size 2/);
    assert.throws(() => x.index(0, 0, 0, 0), /4 indices given for a tensor of rank 3/);
  });

  it('broadcast arithmetic with tensors and numbers, promoting dtypes', () => {
    const img = dt.tensor(new Uint8Array([0, 51, 255]), [3]);
    const scaled = img.div(255);
    assert.equal(scaled.dtype, 'float32');
    assert.deepEqual(Array.from(scaled.data), [0, 0.20000000298023224, 1]);
    const a = dt.tensor([[1], [2]]), b = dt.tensor([10, 20, 30]);
    assert.deepEqual(a.add(b).toArray(), [[11, 21, 31], [12, 22, 32]]);
    assert.deepEqual(dt.sub(1, b).toArray(), [-9, -19, -29]);
    assert.throws(() => dt.tensor([1, 2]).add(dt.tensor([1, 2, 3])), /shapes \[2\] and \[3\] cannot be broadcast/);
  });

  it('reduce over axes and find argmax', () => {
    const x = dt.tensor([[1, 5, 3], [4, 2, 6]]);
    assert.deepEqual(x.sum().item(), 21);
    assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
    assert.deepEqual(x.mean(1, true).toArray(), [[3], [4]]);
    assert.deepEqual(x.max(1).toArray(), [5, 6]);
    assert.deepEqual(x.min().item(), 1);
    assert.deepEqual(x.argMax(1).toArray(), [1, 2]);
    assert.deepEqual(x.argMax(0).toArray(), [1, 0, 1]);
    assert.equal(x.argMax(0).dtype, 'int32');
  });

  it('reshape, transpose and squeeze', () => {
    const x = dt.range(6).reshape([2, -1]);
    assert.deepEqual(x.shape, [2, 3]);
    assert.deepEqual(x.transpose().toArray(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(x.reshape([1, 6, 1]).squeeze().shape, [6]);
    assert.throws(() => x.reshape([4, -1]), /cannot reshape 6 elements into shape \[4, -1\]/);
  });

  it('print readably, summarising big tensors', () => {
    assert.equal(dt.tensor([[1, 2], [3, 4]], null, 'int32').toString(), 'Tensor int32 [2, 2]\n[[1, 2],\n [3, 4]]');
    const big = dt.zeros([100, 100]).toString();
    assert.ok(big.includes('...') && big.split('\n').length < 12, big);
  });

  it('compute softmax rows that sum to one, stably', () => {
    const p = dt.softmax(dt.tensor([[1000, 1000, 0], [1, 2, 3]]));
    assert.deepEqual(Array.from(p.sum(1).data).map((v) => Math.round(v * 1e6) / 1e6), [1, 1]);
    assert.ok(Math.abs(p.data[0] - 0.5) < 1e-6);
  });
});

it('tidy and dispose exist for code ported from TensorFlow.js (the garbage collector owns memory)', () => {
  const x = dt.tensor([1, 2, 3]);
  const y = dt.tidy(() => x.mul(2).add(1));
  assert.deepEqual(Array.from(y.data), [3, 5, 7]);
  dt.dispose([x, y]);
  y.dispose();
  assert.deepEqual(Array.from(y.data), [3, 5, 7], 'values stay readable: dispose releases nothing');
  assert.throws(() => dt.tidy(42 as never), /tidy: expected a function, got number/);
});
