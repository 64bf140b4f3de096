// fit's sampleWeight/classWeight against a hand computation of Keras's definitions, validation
// options, evaluate's returnDict, History.params, verbose 2, toCategorical, NaN handling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';

const X = [[1, 2], [0.5, -1], [2, 0], [-1, 1], [0, 3], [1, 1]];
const Y = [[1], [0], [1], [0], [1], [0]];
const K0 = [[0.3], [-0.2]];

/** Dense(1) without bias, kernel K0: yhat_i = x_i . k. */
function linear(loss: string | dt.losses.Loss = 'mse', lr = 0.1): dt.models.Sequential {
  const m = new dt.models.Sequential([new dt.layers.Input({ shape: [2] }), new dt.layers.Dense({ units: 1, useBias: false })]);
  m.setWeights([dt.tensor(K0)]);
  m.compile({ loss, optimizer: new dt.optimizers.SGD({ learningRate: lr }) });
  return m;
}
/** Keras: loss = sum_i w_i (x_i k - y_i)^2 / n; one SGD step k -= lr * grad. */
function byHand(w: number[], lr = 0.1): { loss: number; k: number[] } {
  const k = K0.map((r) => r[0]), n = X.length;
  let loss = 0;
  const g = [0, 0];
  X.forEach((x, i) => {
    const e = x[0] * k[0] + x[1] * k[1] - Y[i][0];
    loss += (w[i] * e * e) / n;
    g[0] += (2 * w[i] * e * x[0]) / n; g[1] += (2 * w[i] * e * x[1]) / n;
  });
  return { loss, k: [k[0] - lr * g[0], k[1] - lr * g[1]] };
}
const close = (a: number, b: number, tol = 1e-6, what = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('fit options', () => {
  const x = dt.tensor(X), y = dt.tensor(Y);
  it('sampleWeight weights each sample\'s loss as Keras defines it (compiled and eager)', async () => {
    const w = [1, 2, 0.5, 0, 3, 1];
    const expected = byHand(w);
    for (const runEagerly of [false, true]) {
      const m = linear();
      m.runEagerly = runEagerly;
      const h = await m.fit(x, y, { sampleWeight: dt.tensor(w), batchSize: 6, shuffle: false, verbose: 0 });
      close(h.history.loss[0], expected.loss, 1e-6, 'loss');
      const k = m.getWeights()[0].data;
      close(k[0], expected.k[0], 1e-6, 'k0'); close(k[1], expected.k[1], 1e-6, 'k1');
    }
    const m = linear();
    close(m.evaluate(x, y, { sampleWeight: dt.tensor(w), batchSize: 6, verbose: 0 })[0], expected.loss, 1e-6, 'evaluate');
    // A second fit with other weights reuses the compiled step: the weights are its input, not a constant.
    const w2 = [0, 0, 0, 0, 0, 1];
    const m2 = linear();
    await m2.fit(x, y, { sampleWeight: dt.tensor(w), batchSize: 6, epochs: 1, shuffle: false, verbose: 0 });
    const before = Array.from(m2.getWeights()[0].data);
    const h2 = await m2.fit(x, y, { sampleWeight: dt.tensor(w2), batchSize: 6, epochs: 1, shuffle: false, verbose: 0 });
    const e = X[5][0] * before[0] + X[5][1] * before[1] - Y[5][0];
    close(h2.history.loss[0], (e * e) / 6, 1e-6, 'new weights used');
  });

  it('classWeight is the sample weight of each sample\'s class', async () => {
    const cw = { 0: 0.25, 1: 2 };
    const expected = byHand(Y.map(([c]) => (c === 1 ? 2 : 0.25)));
    const m = linear();
    const h = await m.fit(x, y, { classWeight: cw, batchSize: 6, shuffle: false, verbose: 0 });
    close(h.history.loss[0], expected.loss, 1e-6, 'loss');
    close(m.getWeights()[0].data[0], expected.k[0], 1e-6, 'k0');
    // One-hot labels: the class is the argmax; a class without a weight weighs 1.
    const soft = new dt.models.Sequential([new dt.layers.Input({ shape: [2] }), new dt.layers.Dense({ units: 3, activation: 'softmax' })]);
    soft.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
    const oneHot = dt.utils.toCategorical([0, 2, 1, 2, 0, 1], 3);
    const perSample = new dt.losses.CategoricalCrossentropy().call(oneHot, soft.predict(x)).data;
    const cw3 = { 2: 3 };
    const weightsOf = [0, 2, 1, 2, 0, 1].map((c) => (c === 2 ? 3 : 1));
    const ref = Array.from(perSample).reduce((s, v, i) => s + v * weightsOf[i], 0) / 6;
    const h3 = await soft.fit(x, oneHot, { classWeight: cw3, batchSize: 6, verbose: 0 });
    close(h3.history.loss[0], ref, 1e-5, 'one-hot class weights');
  });

  it('sequence outputs: sampleWeight and classWeight per timestep, as Keras broadcasts them', async () => {
    const seq = (loss: string): dt.models.Sequential => {
      const m = new dt.models.Sequential([new dt.layers.Input({ shape: [4, 2] }), new dt.layers.Dense({ units: 3, activation: 'softmax' })]);
      m.compile({ loss, optimizer: 'sgd', metrics: ['accuracy'] });
      return m;
    };
    const xs = dt.randomUniform([5, 4, 2], -1, 1, 'float32', 3);
    const labels = [[0, 1, 2, 1], [2, 2, 2, 2], [1, 1, 1, 1], [0, 0, 0, 0], [1, 2, 0, 1]];
    const sparse = dt.tensor(labels), oneHot = dt.oneHot(dt.tensor(labels, null, 'int32'), 3);
    const cw = { 0: 0.5, 2: 3 }, w = labels.flat().map((c) => (c === 0 ? 0.5 : c === 2 ? 3 : 1));
    for (const [loss, y] of [['categorical_crossentropy', oneHot], ['sparse_categorical_crossentropy', sparse]] as const) {
      const m = seq(loss);
      const ce = Array.from(new dt.losses.CategoricalCrossentropy().call(oneHot, m.predict(xs)).data);
      // sum_over_batch_size: the weighted sum over every position, divided by their number (20).
      const ref = ce.reduce((s, v, i) => s + v * w[i], 0) / 20;
      const start = m.getWeights();
      const h = await m.fit(xs, y, { classWeight: cw, batchSize: 5, verbose: 0 });
      close(h.history.loss[0], ref, 1e-5, `${loss}: class weights per timestep`);
      m.setWeights(start);
      const h2 = await m.fit(xs, y, { sampleWeight: dt.tensor(w, [5, 4]), batchSize: 5, verbose: 0 });
      close(h2.history.loss[0], ref, 1e-5, `${loss}: sampleWeight [5, 4]`);
    }
    await assert.rejects(seq('mse').fit(xs, oneHot, { sampleWeight: dt.ones([5, 3]), verbose: 0 }), /sampleWeight has shape \[5, 3\], expected one weight per sample: shape \[5\].*or per position of the sequence output: shape \[5, 4\]/);
    await assert.rejects(linear().fit(x, y, { sampleWeight: dt.ones([6, 2]), verbose: 0 }), /sampleWeight has shape \[6, 2\], expected one weight per sample: shape \[6\] \(y has 6 samples\)$/);
  });

  it('refuses bad weights with clear errors', async () => {
    const m = linear();
    await assert.rejects(m.fit(x, y, { sampleWeight: dt.tensor([1, 2, 3]), verbose: 0 }), /fit: sampleWeight has shape \[3\], expected one weight per sample: shape \[6\]/);
    await assert.rejects(m.fit(x, y, { classWeight: { 0: 1, 5: 2 }, verbose: 0 }), /fit: classWeight has class 5, but the model's output \(layer "dense.*", 1 unit\) has classes 0..1/);
    await assert.rejects(m.fit(x, y, { classWeight: { 0: 1 }, sampleWeight: dt.ones([6]), verbose: 0 }), /give sampleWeight or classWeight, not both/);
    await assert.rejects(m.fit(x, y, { validationFreq: 0, verbose: 0 }), /validationFreq must be a positive integer or a list/);
    await assert.rejects(m.fit(x, y, { validationBatchSize: 0, verbose: 0 }), /validationBatchSize must be a positive integer, got 0/);
  });

  it('validationFreq, validationBatchSize, returnDict, History.params', async () => {
    const m = linear();
    const h = await m.fit(x, y, { epochs: 4, batchSize: 2, validationData: [x, y], validationFreq: 2, validationBatchSize: 4, verbose: 0 });
    assert.equal(h.history.loss.length, 4);
    assert.equal(h.history.val_loss.length, 2);
    close(h.history.val_loss[1], m.evaluate(x, y, { verbose: 0 })[0], 1e-6, 'last val_loss is the final evaluation');
    const listed = await linear().fit(x, y, { epochs: 3, validationData: [x, y], validationFreq: [1, 3], verbose: 0 });
    assert.equal(listed.history.val_loss.length, 2);
    assert.deepEqual(h.params, { epochs: 4, steps: 3, batchSize: 2, verbose: 0 });
    const model = linear('mse');
    model.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['mae'] });
    const dict = model.evaluate(x, y, { verbose: 0, returnDict: true });
    assert.deepEqual(Object.keys(dict), ['loss', 'mae']);
    assert.deepEqual(Object.values(dict), model.evaluate(x, y, { verbose: 0 }));
  });

  it('verbose 2 prints one line per epoch without the bar', async () => {
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => { lines.push(String(s)); return true; }) as typeof process.stdout.write;
    try { await linear().fit(x, y, { epochs: 2, batchSize: 2, verbose: 2 }); } finally { process.stdout.write = write; }
    // The test runner reports on the same stdout while fit awaits: keep the progress logger's lines.
    const all = lines.join('').split('\n');
    const text = all.filter((l) => /^Epoch \d+\/\d+$/.test(l) || /^\d+\/\d+ /.test(l));
    assert.equal(text.length, 4, text.join('\n'));
    assert.equal(text[0], 'Epoch 1/2');
    assert.match(text[1], /^3\/3 - \d+s - \d+(us|ms)\/step - loss: \d\.\d{4}$/);
    assert.ok(!all.some((l) => l.includes('[=')), 'no bar');
  });

  it('metrics are weighted by the sample weights too (Keras passes them to the metrics)', async () => {
    const w = [1, 2, 0.5, 0, 3, 1];
    const m = linear();
    m.compile({ loss: 'mse', optimizer: new dt.optimizers.SGD({ learningRate: 0.1 }), metrics: ['mae'] });
    const k = K0.map((r) => r[0]);
    const errors = X.map((xi, i) => Math.abs(xi[0] * k[0] + xi[1] * k[1] - Y[i][0]));
    const h = await m.fit(x, y, { sampleWeight: dt.tensor(w), batchSize: 6, shuffle: false, verbose: 0 });
    close(h.history.mae[0], errors.reduce((s, e, i) => s + e * w[i], 0) / w.reduce((a, b) => a + b), 1e-6, 'weighted mae');
  });

  it('a loss with reduction none trains on the mean of its values', async () => {
    const none = linear(new dt.losses.MeanSquaredError({ reduction: 'none' }));
    const h = await none.fit(x, y, { batchSize: 6, shuffle: false, verbose: 0 });
    const expected = byHand([1, 1, 1, 1, 1, 1]);
    close(h.history.loss[0], expected.loss, 1e-6, 'loss');
    close(none.getWeights()[0].data[0], expected.k[0], 1e-6, 'k0');
  });

  it('utils.toCategorical', () => {
    const t = dt.utils.toCategorical(dt.tensor([[1], [0], [3]], null, 'int32'));
    assert.deepEqual(t.shape, [3, 4]);
    assert.deepEqual(Array.from(t.data), [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    assert.throws(() => dt.utils.toCategorical([0, 4], 3), /label 4 is not below numClasses 3/);
    assert.throws(() => dt.utils.toCategorical([0, 1.5]), /y\[1\] = 1.5; labels must be integers >= 0/);
  });
});

describe('NaN and Inf', () => {
  for (const backend of ['js', 'wasm']) {
    it(`maximum, minimum, clip and max propagate NaN (${backend})`, () => dt.withBackend(backend, () => {
      const big = 5000; // long enough for the wasm kernels
      const a = dt.fill([big], 1), b = dt.fill([big], 2);
      a.data[3] = NaN; b.data[7] = NaN;
      for (const r of [dt.maximum(a, b), dt.minimum(a, b), dt.maximum(b, a), dt.minimum(b, a)]) {
        assert.ok(Number.isNaN(r.data[3]) && Number.isNaN(r.data[7]) && r.data[0] !== 0 && !Number.isNaN(r.data[0]));
      }
      const c = dt.clip(a, 0, 0.5);
      assert.ok(Number.isNaN(c.data[3]) && c.data[0] === 0.5);
      assert.ok(Number.isNaN(dt.max(a).item()) && Number.isNaN(dt.min(a).item()));
    }));
  }

  it('verbose is 0, 1, 2 or auto (Keras); evaluate and predict name unknown options', async () => {
    const m = linear(), xs = dt.tensor(X), ys = dt.tensor(Y);
    await assert.rejects(m.fit(xs, ys, { verbose: 3 as never }), /fit: verbose must be 0 \(silent\), 1 \(progress bar\), 2 \(one line per epoch\) or 'auto', got 3/);
    await assert.rejects(m.fit(xs, ys, { verbose: true as never }), /fit: verbose must be .* got true/);
    assert.throws(() => m.evaluate(xs, ys, { verbose: -1 as never }), /evaluate: verbose must be .* got -1/);
    assert.throws(() => m.evaluate(xs, ys, { batchsize: 2 } as never), /evaluate: unknown option 'batchsize' \(known: batchSize, verbose, sampleWeight, returnDict\)/);
    assert.throws(() => m.predict(xs, { callbacks: [] } as never), /predict: unknown option 'callbacks' \(known: batchSize, verbose\)/);
    // 'auto' draws the bar as 1 does (it was silent).
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
    try { m.evaluate(xs, ys, { verbose: 'auto' }); } finally { process.stdout.write = write; }
    assert.match(out.join(''), /loss: /);
  });

  it('a NaN loss shows as nan in the bar, and TerminateOnNaN stops naming the epoch and batch', async () => {
    const xs = dt.tensor(X), ys = dt.tensor(Y);
    xs.data[7] = NaN; // sample 3, in the second batch of 2 without shuffling
    const m = linear();
    const stop = new dt.callbacks.TerminateOnNaN();
    const out: string[] = [];
    const write = process.stdout.write, log = console.log;
    process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
    console.log = (s: string) => { out.push(`${s}\n`); };
    let h: dt.callbacks.History;
    try { h = await m.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false, verbose: 2, callbacks: [stop] }); } finally { process.stdout.write = write; console.log = log; }
    assert.deepEqual(stop.stoppedAt, [0, 1]);
    const text = out.join('');
    assert.match(text, /Epoch 1, batch 1: invalid loss \(nan\), terminating training/);
    assert.match(text, /2\/3 - .* - loss: nan|3\/3 - .* - loss: nan/);
    assert.equal(h!.epoch.length, 1);
  });
});
