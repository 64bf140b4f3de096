// fit / evaluate / predict on streamed data (Datasets, generators, Sequences), checked against
// the same model trained on the same batches from tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, Tensor, tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { Dataset, type Element } from '../src/data/index.ts';
import { Sequence } from '../src/training/data-adapter.ts';
import { progressLine, Progbar } from '../src/training/progbar.ts';
import { takeRows } from '../src/training/loop.ts';

function blobs(n: number, seed = 1): [Tensor, Tensor] {
  const rng = new Random(seed);
  const x = new Float32Array(n * 4), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (y[i] ? 1 : -1) * (j + 1) * 0.5 + rng.normal(0, 0.5);
  }
  return [tensor(x, [n, 4]), tensor(y, [n])];
}

function model(seed = 3): models.Sequential {
  dt.setRandomSeed(seed);
  const m = new models.Sequential([new layers.Input({ shape: [4] }), new layers.Dense({ units: 8, activation: 'relu' }), new layers.Dense({ units: 2, activation: 'softmax' })]);
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return m;
}

const weightsOf = (m: models.Sequential): number[] => m.getWeights().flatMap((w) => Array.from(w.data));
const [x, y] = blobs(52); // 52 = 6 batches of 8 and a short one of 4

test('a Dataset of batches trains exactly as the same batches from tensors (short last batch included)', async () => {
  const reference = model();
  const hRef = await reference.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const streamed = model();
  const seen: number[] = [];
  const h = await streamed.fit(Dataset.fromTensorSlices([x, y]).batch(8).prefetch(2), { epochs: 2, verbose: 0, callbacks: [{ onBatchEnd: (b, logs) => { seen.push(logs!.size); } }] });
  assert.deepEqual(weightsOf(streamed), weightsOf(reference));
  assert.deepEqual(h.history, hRef.history);
  assert.deepEqual(seen.slice(0, 7), [8, 8, 8, 8, 8, 8, 4]);
  assert.deepEqual(await streamed.evaluate(Dataset.fromTensorSlices([x, y]).batch(16), { verbose: 0 }), streamed.evaluate(x, y, { batchSize: 16, verbose: 0 }));
  assert.deepEqual(Array.from(((await streamed.predict(Dataset.fromTensorSlices(x).batch(10))) as Tensor).data), Array.from(streamed.predict(x, { batchSize: 10 }).data));
});

test('generators, async iterables and Sequences with stepsPerEpoch; validationData as a dataset', async () => {
  const batch = (i: number): [Tensor, Tensor] => [takeRows(x, null, i * 8, i * 8 + 8), takeRows(y, null, i * 8, i * 8 + 8)];
  const reference = model();
  const xs = takeRows(x, null, 0, 48), ys = takeRows(y, null, 0, 48);
  const hRef = await reference.fit(xs, ys, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, validationData: [x, y] });

  // An endless async generator: stepsPerEpoch cuts the epochs; each epoch continues the stream (Keras).
  const endless = model();
  async function* forever(): AsyncGenerator<[Tensor, Tensor]> { for (let i = 0; ; i = (i + 1) % 6) yield batch(i); }
  const h1 = await endless.fit(forever, { epochs: 2, stepsPerEpoch: 6, verbose: 0, validationData: Dataset.fromTensorSlices([x, y]).batch(32) });
  assert.deepEqual(weightsOf(endless), weightsOf(reference));
  assert.deepEqual(h1.history.loss, hRef.history.loss);
  // Validation batches differ (32 vs 8 rows), so the means agree to rounding, not bit for bit.
  h1.history.val_loss.forEach((v, i) => assert.ok(Math.abs(v - hRef.history.val_loss[i]) < 1e-5, `val_loss ${v} vs ${hRef.history.val_loss[i]}`));

  class Batches extends Sequence {
    epochsEnded = 0;
    get length(): number { return 6; }
    getItem(i: number): [Tensor, Tensor] { return batch(i); }
    override onEpochEnd(): void { this.epochsEnded++; }
  }
  const seq = new Batches(), fromSeq = model();
  await fromSeq.fit(seq, { epochs: 2, verbose: 0 });
  assert.deepEqual(weightsOf(fromSeq), weightsOf(reference));
  assert.equal(seq.epochsEnded, 2);

  // Objects keyed by the input's name, and uint8 inputs (converted to float as tensors are).
  const keyed = model();
  await keyed.fit(Dataset.fromTensorSlices([{ [keyed.inputNames[0]]: xs }, ys]).batch(8), { epochs: 2, verbose: 0 });
  await assert.rejects(model().fit(Dataset.fromTensorSlices([{ pixels: xs }, ys]).batch(8), { verbose: 0 }), /fit \(step 0\): x has a key 'pixels' that is not an input/);
  assert.deepEqual(weightsOf(keyed), weightsOf(reference));
});

test('stepsPerEpoch on a finite dataset that runs out stops training with a warning, as Keras does', async () => {
  const m = model();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (s: string) => { warnings.push(s); };
  try {
    const h = await m.fit(Dataset.fromTensorSlices([x, y]).batch(8), { epochs: 5, stepsPerEpoch: 4, verbose: 0 });
    assert.deepEqual(h.epoch, [0, 1], "the short epoch still ends (its logs are recorded), then training stops");
  } finally { console.warn = warn; }
  assert.match(warnings.join('\n'), /ran out of data after 3 steps of epoch 2/);
});

test('bad streams: mismatched x/y, a shape change mid-epoch, infinite without stepsPerEpoch, wrong labels', async () => {
  const m = model();
  const gen = (bad: number, make: () => [Tensor, Tensor]) => function* (): Generator<[Tensor, Tensor]> {
    for (let i = 0; i < 4; i++) yield i === bad ? make() : [takeRows(x, null, 0, 8), takeRows(y, null, 0, 8)];
  };
  await assert.rejects(m.fit(gen(2, () => [takeRows(x, null, 0, 8), takeRows(y, null, 0, 7)]), { verbose: 0 }),
    /fit, step 2: x and y have different batch sizes: x has shape \[8, 4\], y has shape \[7\]/);
  await assert.rejects(m.fit(gen(3, () => [tensor(new Float32Array(24), [8, 3]), takeRows(y, null, 0, 8)]), { verbose: 0 }),
    /fit, step 3: x changed shape mid-epoch: earlier batches had samples of shape \[4\], this one \[3\]/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, y]).batch(8).repeat(), { verbose: 0 }), /infinite.*stepsPerEpoch/);
  await assert.rejects(m.evaluate(Dataset.fromTensorSlices([x, y]).batch(8).repeat(), { verbose: 0 }), /infinite.*steps/);
  await assert.rejects(m.fit(gen(1, () => [takeRows(x, null, 0, 8), tensor(new Int32Array(8).fill(5))]), { verbose: 0 }), /fit \(step 1\): y\[0\] = 5 is not a class/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, y]).batch(8), { batchSize: 8 } as never), /batchSize cannot be given with a dataset/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices([x, y]).batch(8), { validationSplit: 0.2 } as never), /validationSplit works only with tensors/);
  await assert.rejects(m.fit(Dataset.fromTensorSlices(x).batch(8), { verbose: 0 }), /fit, step 0: the batch has no targets/);
});

test('progress bar: unknown totals print as Keras does, and the finished line shows the count', () => {
  assert.match(progressLine(3, null, 0.5, { loss: 0.5 }), /^      3\/Unknown - \d+s \d+ms\/step - loss: 0\.5000$/);
  let text = '';
  const bar = new Progbar(null, { write: (s: string) => { text += s; }, isTTY: false }, false);
  bar.update(5, { loss: 1 });
  bar.finish();
  assert.match(text, /^5\/5 \[==============================\] - \d+s/);
});

test('two inputs and two outputs from a Dataset of objects keyed by name: the same training as from tensors', async () => {
  const twoHeaded = (): models.Model => {
    dt.setRandomSeed(4);
    const a = layers.input({ shape: [4], name: 'a' }), b = layers.input({ shape: [3], name: 'b' });
    const h = layers.dense({ units: 6, activation: 'relu', name: 'h' }).apply(layers.concatenate([a, b]));
    const cls = layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h);
    const reg = layers.dense({ units: 1, name: 'reg' }).apply(h);
    const m = new models.Model({ inputs: [a, b], outputs: [cls, reg] });
    m.compile({ loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' }, optimizer: 'sgd', metrics: { cls: ['accuracy'] } });
    return m;
  };
  const xb = takeRows(x, null, 0, 52).index(null, [0, 3]), yr = takeRows(x, null, 0, 52).index(null, [3, 4]);
  const reference = twoHeaded();
  const hRef = await reference.fit({ a: x, b: xb }, { cls: y, reg: yr }, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const streamed = twoHeaded();
  const h = await streamed.fit(Dataset.fromTensorSlices([{ a: x, b: xb }, { cls: y, reg: yr }]).batch(8), { epochs: 2, verbose: 0 });
  assert.deepEqual(Object.keys(h.history), ['loss', 'cls_loss', 'reg_loss', 'cls_accuracy']);
  assert.deepEqual(h.history, hRef.history);
  assert.deepEqual(streamed.getWeights().flatMap((w) => Array.from(w.data)), reference.getWeights().flatMap((w) => Array.from(w.data)));
  const [pc, pr] = await streamed.predict(Dataset.fromTensorSlices({ a: x, b: xb }).batch(16)) as Tensor[];
  const [rc, rr] = streamed.predict({ a: x, b: xb }) as Tensor[];
  assert.deepEqual([Array.from(pc.data), Array.from(pr.data)], [Array.from(rc.data), Array.from(rr.data)]);
});

// fitDataset refused TF.js's batchesPerEpoch / validationBatches and evaluateDataset its batches ("unknown option").
test("fitDataset's batchesPerEpoch / validationBatches and evaluateDataset's batches: TF.js's names for steps", async () => {
  const rows = (): Dataset<Element> => Dataset.fromArray(Array.from({ length: 32 }, (_, i) => ({ xs: Array.from(x.data.subarray(i * 4, i * 4 + 4)), ys: y.data[i] }))).batch(8);
  const keras = model(), tfjs = model();
  const batches = (logs: number[]) => ({ onBatchEnd: () => { logs.push(1); } });
  const seenK: number[] = [], seenT: number[] = [];
  const hK = await keras.fitDataset(rows(), { epochs: 2, stepsPerEpoch: 2, validationData: rows(), validationSteps: 1, verbose: 0, callbacks: [batches(seenK)] });
  const hT = await tfjs.fitDataset(rows(), { epochs: 2, batchesPerEpoch: 2, validationData: rows(), validationBatches: 1, verbose: 0, callbacks: [batches(seenT)] });
  assert.deepEqual([weightsOf(tfjs), hT.history, seenT.length], [weightsOf(keras), hK.history, 4]);
  const first = await rows().take(1).toArray() as unknown as { xs: Tensor; ys: Tensor }[];
  assert.deepEqual(await tfjs.evaluateDataset(rows(), { batches: 1, verbose: 0 }), tfjs.evaluate(first[0].xs, first[0].ys, { verbose: 0 }));
  await assert.rejects(tfjs.fitDataset(rows(), { batchesPerEpoch: 2, stepsPerEpoch: 2, verbose: 0 }), /fitDataset: give batchesPerEpoch \(TF\.js's name\) or stepsPerEpoch, not both/);
});
