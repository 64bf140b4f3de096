// The Dataset pipeline (src/data): sources, transformations, caching, worker-thread map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, Tensor } from '../src/index.ts';
import { Dataset, workerFunction, type Element } from '../src/data/index.ts';

const values = (e: Element): number[] => Array.from((e as Tensor).data);
const all = async (d: Dataset<Element>): Promise<number[][]> => (await d.toArray()).map(values);
const range = (n: number): Dataset<Element> => Dataset.fromTensorSlices(tensor(Array.from({ length: n }, (_, i) => i)));

test('fromTensorSlices: tensors, nested arrays, tuples and objects, sliced along the first axis', async () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const ds = Dataset.fromTensorSlices(x);
  assert.equal(ds.size, 3);
  const rows = await ds.toArray();
  assert.deepEqual((rows[1] as Tensor).shape, [2]);
  assert.deepEqual(rows.map(values), [[1, 2], [3, 4], [5, 6]]);
  const pairs = await Dataset.fromTensorSlices([x, [7, 8, 9]]).toArray();
  assert.deepEqual((pairs[2] as Tensor[]).map(values), [[5, 6], [9]]);
  assert.deepEqual((pairs[2] as Tensor[])[1].shape, []);
  const objs = await Dataset.fromTensorSlices({ a: x, b: new Int32Array([4, 5, 6]) }).toArray();
  const o = objs[0] as Record<string, Tensor>;
  assert.deepEqual([values(o.a), values(o.b), o.b.dtype], [[1, 2], [4], 'int32']);
  assert.throws(() => Dataset.fromTensorSlices([x, tensor([1, 2])]), /same first dimension.*\[0\] has 3 rows and \[1\] has 2/);
  assert.throws(() => Dataset.fromTensorSlices('abc'), /expected a Tensor/);
});

test('batch stacks elements (short last batch unless dropRemainder); unbatch undoes it', async () => {
  const ds = Dataset.fromTensorSlices([tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]), tensor([0, 1, 2, 3, 4], null, 'int32')]);
  const batches = await ds.batch(2).toArray() as Tensor[][];
  assert.equal(ds.batch(2).size, 3);
  assert.equal(ds.batch(2, { dropRemainder: true }).size, 2);
  assert.deepEqual(batches.map(([x, y]) => [x.shape, y.shape, y.dtype]), [[[2, 2], [2], 'int32'], [[2, 2], [2], 'int32'], [[1, 2], [1], 'int32']]);
  assert.deepEqual(values(batches[1][0]), [5, 6, 7, 8]);
  assert.equal((await ds.batch(2, { dropRemainder: true }).toArray()).length, 2);
  const back = await ds.batch(2).unbatch().toArray() as Tensor[][];
  assert.deepEqual(back.map(([x, y]) => [...values(x), ...values(y)]), [[1, 2, 0], [3, 4, 1], [5, 6, 2], [7, 8, 3], [9, 10, 4]]);
  const ragged = Dataset.fromArray([tensor([1, 2]), tensor([1, 2, 3])]);
  await assert.rejects(ragged.batch(2).toArray(), /batch 0.*different shapes.*element 0 is float32 \[2\], element 1 is float32 \[3\]/);
});

test('map (sequential and parallel keep order), filter, take, skip, repeat, concatenate, zip', async () => {
  const slowDouble = async (e: Element): Promise<Element> => {
    await new Promise((r) => setTimeout(r, (5 - values(e)[0]) * 2)); // later elements finish first
    return tensor([values(e)[0] * 2]);
  };
  assert.deepEqual((await all(range(5).map(slowDouble, { numParallelCalls: 4 }))).flat(), [0, 2, 4, 6, 8]);
  assert.deepEqual((await all(range(5).map((e) => tensor([values(e)[0] + 1])))).flat(), [1, 2, 3, 4, 5]);
  assert.deepEqual((await all(range(10).filter((e) => values(e)[0] % 3 === 0))).flat(), [0, 3, 6, 9]);
  assert.deepEqual((await all(range(10).skip(2).take(3))).flat(), [2, 3, 4]);
  assert.equal(range(10).skip(2).take(3).size, 3);
  assert.deepEqual((await all(range(3).repeat(2))).flat(), [0, 1, 2, 0, 1, 2]);
  assert.equal(range(3).repeat().size, Infinity);
  assert.deepEqual((await all(range(3).repeat().take(7))).flat(), [0, 1, 2, 0, 1, 2, 0]);
  assert.deepEqual(await Dataset.fromArray([]).repeat().toArray(), []);
  assert.deepEqual((await all(range(2).concatenate(range(3)))).flat(), [0, 1, 0, 1, 2]);
  const zipped = await Dataset.zip({ a: range(3), b: range(5).skip(1) }).toArray() as Record<string, Tensor>[];
  assert.deepEqual(zipped.map((z) => [values(z.a)[0], values(z.b)[0]]), [[0, 1], [1, 2], [2, 3]]);
  await assert.rejects(range(2).repeat().toArray(), /infinite/);
  assert.throws(() => range(2).map((e) => e, { numParallelCalls: 0 }), /numParallelCalls must be a positive integer/);
  assert.throws(() => range(2).batch(0), /batchSize must be a positive integer, got 0/);
});

test('shuffle: a permutation; the same seed gives the same orders; reshuffleEachIteration', async () => {
  const order = async (d: Dataset<Element>): Promise<number[]> => (await all(d)).flat();
  const a = range(50).shuffle(50, { seed: 7 });
  const first = await order(a), second = await order(a);
  assert.deepEqual([...first].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(first, Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(first, second, 'a new order each iteration');
  const b = range(50).shuffle(50, { seed: 7 });
  assert.deepEqual([await order(b), await order(b)], [first, second], 'same seed, same sequence of orders');
  const fixed = range(50).shuffle(50, { seed: 7, reshuffleEachIteration: false });
  assert.deepEqual(await order(fixed), await order(fixed));
  assert.deepEqual(await order(range(10).shuffle(1, { seed: 3 })), Array.from({ length: 10 }, (_, i) => i), 'a buffer of one keeps the order');
  // A small buffer only moves elements forward a bounded distance: element i cannot appear before position i - bufferSize + 1... it can appear late, never early by more than the buffer.
  const local = await order(range(100).shuffle(5, { seed: 1 }));
  local.forEach((v, pos) => assert.ok(v <= pos + 4, `element ${v} at position ${pos} came from beyond the buffer`));
});

test('generators and async iterables; one-shot iterators refuse a second pass', async () => {
  const ds = Dataset.fromGenerator(function* () { for (let i = 0; i < 3; i++) yield tensor([i]); });
  assert.deepEqual((await all(ds)).flat(), [0, 1, 2]);
  assert.deepEqual((await all(ds)).flat(), [0, 1, 2], 'a generator function runs again each iteration');
  async function* gen(): AsyncGenerator<Element> { yield tensor([5]); yield tensor([6]); }
  const once = Dataset.fromAsyncIterable(gen());
  assert.deepEqual((await all(once)).flat(), [5, 6]);
  await assert.rejects(once.toArray(), /already consumed/);
  assert.throws(() => Dataset.fromGenerator(gen() as never), /expected a function/);
});

test('cache in memory runs the upstream once; a file cache survives a new pipeline; a stopped iteration caches nothing', async () => {
  let calls = 0;
  const counted = range(4).map((e) => { calls++; return e; });
  const mem = counted.cache();
  assert.deepEqual((await all(mem)).flat(), [0, 1, 2, 3]);
  assert.deepEqual((await all(mem)).flat(), [0, 1, 2, 3]);
  assert.equal(calls, 4);

  const dir = mkdtempSync(join(tmpdir(), 'deeptype-cache-'));
  try {
    const file = join(dir, 'c.bin');
    const source = (): Dataset<Element> => Dataset.fromTensorSlices({ x: tensor([[1.5, 2], [3, 4], [5, 6]]), y: new Int32Array([7, 8, 9]) });
    const partial = source().cache(file);
    for await (const _ of partial) break;
    assert.equal(existsSync(file), false, 'no cache file after an interrupted iteration');
    await source().cache(file).toArray();
    assert.ok(existsSync(file));
    const replay = await Dataset.fromArray<Element>([]).cache(file).toArray() as Record<string, Tensor>[];
    assert.deepEqual(replay.map((e) => [values(e.x), values(e.y), e.y.dtype]), [[[1.5, 2], [7], 'int32'], [[3, 4], [8], 'int32'], [[5, 6], [9], 'int32']]);
    writeFileSync(file, Buffer.from([10, 0, 0, 0, 1, 2]));
    await assert.rejects(Dataset.fromArray<Element>([]).cache(file).toArray(), /c\.bin is truncated at byte 4.*delete it/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('prefetch keeps order and overlaps slow upstream work with the consumer', async () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const log: string[] = [];
  const num = (e: unknown): number => (e instanceof Tensor ? e.data[0] : Number(e));
  const slow = range(6).map(async (e) => { log.push(`start ${num(e)}`); await sleep(5); return e; });
  assert.deepEqual((await all(slow.prefetch(2))).flat(), [0, 1, 2, 3, 4, 5]);
  // Overlap as an order of events, not a timing (timings fail on a loaded machine): while the
  // consumer works on element 0, a prefetching pipeline has already started on the next ones.
  const events = async (d: Dataset<Element>): Promise<string[]> => {
    log.length = 0;
    for await (const e of d) { log.push(`consume ${num(e)}`); await sleep(10); log.push(`done ${num(e)}`); }
    return [...log];
  };
  const serial = await events(slow), overlapped = await events(slow.prefetch(2));
  const before = (l: string[], a: string, b: string): boolean => l.indexOf(a) < l.indexOf(b);
  assert.ok(before(serial, 'done 0', 'start 1'), `without prefetch the next element starts only when asked: ${serial.join(', ')}`);
  assert.ok(before(overlapped, 'start 1', 'done 0') && before(overlapped, 'start 2', 'done 0'), `prefetch(2) works ahead of the consumer: ${overlapped.join(', ')}`);
});

test('map on worker threads: same results in order, on other threads; errors name the function', async () => {
  const module = new URL('./fixtures/data-map-worker.ts', import.meta.url);
  const ds = Dataset.fromTensorSlices([tensor([[1, 2], [3, 4], [5, 6], [7, 8]]), tensor([0, 1, 2, 3])]);
  const out = await ds.map(workerFunction(module, 'square'), { numParallelCalls: 2 }).toArray() as [Tensor, number, number][];
  assert.deepEqual(out.map(([t, label]) => [values(t), Array.from((label as unknown as Tensor).data)]), [[[1, 4], [0]], [[9, 16], [1]], [[25, 36], [2]], [[49, 64], [3]]]);
  assert.ok(out.every(([, , thread]) => thread > 0), 'ran on worker threads');
  await assert.rejects(ds.map(workerFunction(module, 'fail')).toArray(), /fail from .*data-map-worker\.ts.*bad element/);
  await assert.rejects(ds.map(workerFunction(module, 'nope')).toArray(), /no exported function 'nope'/);
});

test('batch buffers: a released batch\'s memory is reused for a later batch; kept batches are never overwritten', async () => {
  const { releaseBatch } = await import('../src/data/index.ts');
  async function* rows(): AsyncGenerator<Element> { for (let i = 0; i < 6; i++) yield tensor([i, -i]); }
  const it = Dataset.fromGenerator(rows).batch(2)[Symbol.asyncIterator]();
  const a = (await it.next()).value as Tensor;
  const buffer = a.data;
  releaseBatch(a);
  const b = (await it.next()).value as Tensor;
  assert.equal(b.data, buffer, 'the released buffer is reused');
  assert.deepEqual(values(b), [2, -2, 3, -3]);
  const c = (await it.next()).value as Tensor; // b was not released: c has memory of its own
  assert.notEqual(c.data, b.data);
  assert.deepEqual([values(b), values(c)], [[2, -2, 3, -3], [4, -4, 5, -5]]);
});

// TF.js's positional forms (session 26): batch(n, false) kept the short batch, shuffle(n, 'seed') ignored the seed.
test("TF.js's batch(n, smallLastBatch) and shuffle(n, seed, reshuffleEachIteration); unknown options refused", async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const order = async (d: Dataset<Element>): Promise<number[]> => (await d.toArray()).flatMap((e) => values(e));
  for (const small of [true, false]) {
    const theirs = await tf.data.array([0, 1, 2, 3, 4, 5, 6]).batch(3, small).toArray();
    const ours = await range(7).batch(3, small).toArray();
    assert.deepEqual(ours.map((b) => Array.from((b as Tensor).data)), theirs.map((b) => Array.from((b as unknown as { dataSync(): Float32Array }).dataSync())), `smallLastBatch ${small}`);
    assert.equal(range(7).batch(3, small).size, theirs.length);
  }
  const a = await order(range(20).shuffle(20, 'abc')), b = await order(range(20).shuffle(20, 'abc'));
  assert.deepEqual(a, b, 'a string seed fixes the order');
  assert.notDeepEqual(a, await order(range(20).shuffle(20, 'abd')), 'another seed, another order');
  const fixed = range(20).shuffle(20, 'abc', false);
  assert.deepEqual(await order(fixed), await order(fixed), 'reshuffleEachIteration false: the same order each iteration');
  const moving = range(20).shuffle(20, 'abc', true);
  assert.notDeepEqual(await order(moving), await order(moving), 'reshuffled each iteration');
  assert.throws(() => range(4).batch(2, { dropRemainer: true } as never), /Dataset\.batch: unknown option 'dropRemainer' \(known: dropRemainder\)/);
  assert.throws(() => range(4).shuffle(4, { sed: 3 } as never), /Dataset\.shuffle: unknown option 'sed' \(known: seed, reshuffleEachIteration\)/);
});

// A batch of (nested) number arrays was a tuple of per-position columns; TF.js stacks each into one tensor.
test('batch: arrays of numbers (nested, in objects) become one tensor per component, as in TF.js', async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const items = (): unknown[] => [0, 1, 2].map((i) => ({ x: [[i, i + 1], [i + 2, i + 3]], y: [i, 1 - i], flags: [true, i > 0], w: i }));
  const theirs = await tf.data.array(items() as never[]).batch(2).toArray() as unknown as Record<string, { shape: number[]; dtype: string; dataSync(): ArrayLike<number> }>[];
  const ours = await Dataset.fromArray(items() as Element[]).batch(2).toArray() as Record<string, Tensor>[];
  assert.equal(ours.length, theirs.length);
  ours.forEach((b, k) => {
    for (const key of ['x', 'y', 'flags', 'w']) {
      assert.ok(b[key] instanceof Tensor, `batch ${k} ${key} is one tensor`);
      assert.deepEqual([b[key].shape, b[key].dtype === 'uint8' ? 'bool' : b[key].dtype, values(b[key])], [theirs[k][key].shape, theirs[k][key].dtype, Array.from(theirs[k][key].dataSync(), Number)], `batch ${k} ${key}`);
    }
  });
  const flat = await Dataset.fromArray([[1, 2], [3, 4], [5, 6]] as Element[]).batch(3).toArray() as Tensor[];
  assert.deepEqual([flat[0].shape, values(flat[0])], [[3, 2], [1, 2, 3, 4, 5, 6]]);
  // A tensor beside a number is still an (x, label) tuple.
  const pairs = await Dataset.fromArray([[tensor([1, 2]), 0], [tensor([3, 4]), 1]] as Element[]).batch(2).toArray() as Tensor[][];
  assert.deepEqual(pairs[0].map((t) => t.shape), [[2, 2], [2]]);
  // A number array beside a number is a (features, label) tuple, as before (TF.js tensorifies the pair into a [2, 2, 3] tensor of padding).
  const rows = await Dataset.fromArray([[[1, 2, 3], 0], [[4, 5, 6], 1]] as Element[]).batch(2).toArray() as Tensor[][];
  assert.deepEqual(rows[0].map((t) => [t.shape, values(t)]), [[[2, 3], [1, 2, 3, 4, 5, 6]], [[2], [0, 1]]]);
  await assert.rejects(Dataset.fromArray([[1, 2], [3]] as Element[]).batch(2).toArray(), /batch 0.*different shapes.*element 0 is float32 \[2\], element 1 is float32 \[1\]/);
  await assert.rejects(Dataset.fromArray([[[1, 2], [3]]] as Element[]).batch(1).toArray(), /element 0: component element is a ragged nested array/);
});

// zip([]) and zip(3) were endless streams of [] / {} (size Infinity); nested structures were refused.
test('zip: nested structures of datasets as TF.js; nothing to zip is empty; a non-structure is refused', async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const nested = <D>(array: (v: number[]) => D) => ({ a: array([1, 2, 3]), b: [array([4, 5]), { c: array([6, 7, 8]) }] });
  const theirs = await tf.data.zip(nested((v) => tf.data.array(v)) as never).toArray();
  const ours = Dataset.zip(nested((v) => Dataset.fromArray<Element>(v)));
  assert.deepEqual(await ours.toArray(), theirs);
  assert.deepEqual(await ours.toArray(), [{ a: 1, b: [4, { c: 6 }] }, { a: 2, b: [5, { c: 7 }] }]);
  assert.equal(ours.size, 2);
  const none = Dataset.zip([]);
  assert.equal(none.size, 0);
  assert.deepEqual(await none.take(3).toArray(), []);
  assert.throws(() => Dataset.zip(3 as never), /Dataset\.zip: expected an array or object of Datasets \(nested as you like\), got number 3/);
  assert.throws(() => Dataset.zip({ a: range(2), b: [range(2), 7] } as never), /Dataset\.zip: component b\[1\] is number 7, not a Dataset/);
});

// take/skip/repeat refused the negative and undefined counts TF.js documents; repeat(0) of an unknown size was null.
test('take, skip, repeat: negative or undefined counts as TF.js documents; other counts refused by name', async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const five = (): Dataset<Element> => Dataset.fromArray([1, 2, 3, 4, 5]);
  for (const n of [-1, -3, undefined]) {
    assert.deepEqual(await five().take(n).toArray(), await tf.data.array([1, 2, 3, 4, 5]).take(n as number).toArray(), `take(${n})`);
    assert.equal(five().take(n).size, 5);
    // TF.js documents that skip(n < 0 or undefined) skips the whole dataset (its size says 0), yet
    // yields every element: the documented value, written here, not TF.js's output.
    assert.deepEqual([await five().skip(n).toArray(), five().skip(n).size], [[], 0], `skip(${n})`);
    assert.deepEqual(await five().repeat(n).take(12).toArray(), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2], `repeat(${n})`);
    assert.equal(five().repeat(n).size, tf.data.array([1, 2, 3, 4, 5]).repeat(n as number).size);
  }
  const unknown = Dataset.fromGenerator(function* () { yield 1; });
  assert.equal(unknown.repeat(0).size, 0);
  assert.deepEqual(await unknown.repeat(-1).take(3).toArray(), [1, 1, 1]);
  assert.throws(() => five().repeat().skip(-1), /Dataset\.skip: cannot skip -1 \(all\) elements of an infinite dataset/);
  for (const [m, bad, shown] of [['take', 1.5, '1.5'], ['skip', NaN, 'NaN'], ['repeat', -Infinity, '-Infinity'], ['take', '2', 'string 2']] as const) {
    assert.throws(() => (five() as unknown as Record<string, (n: unknown) => unknown>)[m](bad), new RegExp(`Dataset\\.${m}: count must be an integer or Infinity \\(negative or undefined: [a-z ]+\\), got ${shown}$`));
  }
  assert.throws(() => five().batch('2' as never), /Dataset\.batch: batchSize must be a positive integer, got string 2$/);
});

// tf.data.generator takes () => Promise<Iterator>; tf.data.func and toArrayForTest were missing.
test("TF.js's generator returning a promise of an iterator, data.func, toArrayForTest", async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const { generator, func } = await import('../src/data/index.ts');
  const counter = () => { let i = 0; return { next: () => (i < 3 ? { value: i++, done: false } : { value: undefined, done: true }) }; };
  const viaPromise = generator(async () => counter());
  assert.deepEqual(await viaPromise.toArray(), await tf.data.generator(async () => counter() as never).toArray());
  assert.deepEqual(await viaPromise.toArray(), [0, 1, 2], 'a fresh iterator per iteration');
  const f = () => { let i = 0; return () => (i < 3 ? { value: i++ * 10, done: false } : { value: null, done: true }); };
  assert.deepEqual(await func(f()).toArray(), await tf.data.func(f() as never).toArray());
  assert.deepEqual(await func(async () => ({ value: 1, done: true })).toArray(), []);
  await assert.rejects(func(() => 5 as never).toArray(), /data\.func: the function returned number 5, not \{value, done\}/);
  assert.deepEqual(await Dataset.fromArray([1, 2, 3]).toArrayForTest(), await tf.data.array([1, 2, 3]).toArrayForTest());
});

// Typed-array elements failed to batch ("element 0 is an object (Float32Array), element 0's is ..."); TF.js stacks them.
test('batch: typed arrays stack as TF.js does; unbatchable leaves are named; shuffle(n, null, false)', async () => {
  const { tf } = await import('./helpers/oracle.ts');
  for (const make of [(v: number[]) => new Float32Array(v), (v: number[]) => new Int32Array(v)]) {
    const rows = (): ArrayBufferView[] => [make([1, 2]), make([3, 4]), make([5, 6])];
    const theirs = await tf.data.array(rows() as never[]).batch(2).toArray() as unknown as { shape: number[]; dtype: string; dataSync(): ArrayLike<number> }[];
    const ours = await Dataset.fromArray(rows() as unknown as Element[]).batch(2).toArray() as Tensor[];
    assert.deepEqual(ours.map((t) => [t.shape, t.dtype, values(t)]), theirs.map((t) => [t.shape, t.dtype, Array.from(t.dataSync())]));
  }
  await assert.rejects(Dataset.fromArray([{ a: null }, { a: null }] as unknown as Element[]).batch(2).toArray(), /Dataset\.batch \(batch 0\): component a of element 0 is null; a batch stacks tensors, numbers/);
  const fixed = Dataset.fromArray(Array.from({ length: 20 }, (_, i) => i)).shuffle(20, null, false);
  assert.deepEqual(await fixed.toArray(), await fixed.toArray(), 'no seed, the same order each iteration');
  assert.throws(() => range(3).shuffle(3, 's', 'x' as never), /Dataset\.shuffle: reshuffleEachIteration must be a boolean, got string x/);
});

// iterator().next() ended with {value: undefined, done: true}; TF.js's iterators end with value null.
test("iterator(): TF.js's {value, done} protocol, value null once done", async () => {
  const { tf } = await import('./helpers/oracle.ts');
  const steps = async (it: { next(): Promise<IteratorResult<unknown>> }) => { const out = []; for (let i = 0; i < 4; i++) out.push(await it.next()); return out; };
  const ours = await steps(await Dataset.fromArray([1, 2]).iterator()), theirs = await steps(await tf.data.array([1, 2]).iterator());
  assert.deepEqual(ours, theirs);
  assert.deepEqual(ours.slice(2), [{ value: null, done: true }, { value: null, done: true }]);
});
