// Every loss against Keras's documented formula (written here in float64, independently of
// src/), against TensorFlow.js where it has the loss, and its gradient by finite differences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients } from './helpers/gradcheck.ts';
import { tf } from './helpers/oracle.ts';

const { losses } = dt;
const EPS = 1e-7;
const rng = new Random(11);
const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
const f64 = (values: number[][]): dt.Tensor => dt.tensor(values, null, 'float64');
const uniform = (r: number, c: number, lo: number, hi: number): number[][] =>
  Array.from({ length: r }, () => Array.from({ length: c }, () => rng.uniform(lo, hi)));
const binaryLabels = (r: number, c: number): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, () => (rng.uniform(0, 1) < 0.5 ? 0 : 1)));
const oneHotRows = (r: number, c: number): number[][] => Array.from({ length: r }, () => { const k = rng.int(c); return Array.from({ length: c }, (_, j) => +(j === k)); });
const softmaxRows = (x: number[][]): number[][] => x.map((row) => { const m = Math.max(...row); const e = row.map((v) => Math.exp(v - m)); const s = sum(e); return e.map((v) => v / s); });
/** Probabilities including the edge values 0 and 1. */
const probsWithEdges = (r: number, c: number): number[][] => { const p = uniform(r, c, 0.01, 0.99); p[0][0] = 0; p[1][0] = 1; return p; };

function assertValues(actual: dt.Tensor, expected: number[], tol: number, what: string): void {
  assert.equal(actual.size, expected.length, `${what}: size`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual.data[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    assert.ok(err < tol, `${what}[${i}]: ${actual.data[i]} vs ${expected[i]} (${err.toExponential(2)})`);
  }
}

// Keras's formulas, per sample (rows of the last axis).
const bceElem = (z: number, p: number): number => { const q = clip(p, EPS, 1 - EPS); return -(z * Math.log(q) + (1 - z) * Math.log(1 - q)); };
const bceLogitElem = (z: number, x: number): number => Math.max(x, 0) - x * z + Math.log(1 + Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const normalize = (a: number[]): number[] => { const n = Math.sqrt(Math.max(sum(a.map((v) => v * v)), 1e-12)); return a.map((v) => v / n); };

interface Case {
  name: string;
  loss: () => dt.losses.Loss;
  yTrue: number[][];
  yPred: number[][];
  ref: (t: number[], p: number[]) => number;
  /** Inputs for the gradient check (away from clipping bounds and kinks); defaults to the above. */
  grad?: [number[][], number[][]];
}

const R = 6, C = 4;
const smooth = (z: number, s: number): number => z * (1 - s) + 0.5 * s;
const cases: Case[] = [
  { name: 'BinaryCrossentropy', loss: () => new losses.BinaryCrossentropy(), yTrue: binaryLabels(R, C), yPred: probsWithEdges(R, C),
    ref: (t, p) => mean(t.map((z, i) => bceElem(z, p[i]))), grad: [binaryLabels(R, C), uniform(R, C, 0.05, 0.95)] },
  { name: 'BinaryCrossentropy(fromLogits, labelSmoothing 0.2)', loss: () => new losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }),
    yTrue: binaryLabels(R, C), yPred: uniform(R, C, -30, 30), ref: (t, p) => mean(t.map((z, i) => bceLogitElem(smooth(z, 0.2), p[i]))) },
  { name: 'BinaryFocalCrossentropy(gamma 2, balancing)', loss: () => new losses.BinaryFocalCrossentropy({ applyClassBalancing: true, alpha: 0.3 }),
    yTrue: binaryLabels(R, C), yPred: probsWithEdges(R, C),
    ref: (t, p) => mean(t.map((z, i) => { const pt = z * p[i] + (1 - z) * (1 - p[i]); return (z * 0.3 + (1 - z) * 0.7) * (1 - pt) ** 2 * bceElem(z, p[i]); })),
    grad: [binaryLabels(R, C), uniform(R, C, 0.05, 0.95)] },
  { name: 'BinaryFocalCrossentropy(fromLogits, labelSmoothing 0.1)', loss: () => new losses.BinaryFocalCrossentropy({ fromLogits: true, labelSmoothing: 0.1, gamma: 1.5 }),
    yTrue: binaryLabels(R, C), yPred: uniform(R, C, -5, 5),
    ref: (t, p) => mean(t.map((z0, i) => { const z = smooth(z0, 0.1), q = sigmoid(p[i]); const pt = z * q + (1 - z) * (1 - q); return (1 - pt) ** 1.5 * bceLogitElem(z, p[i]); })) },
  { name: 'CategoricalCrossentropy', loss: () => new losses.CategoricalCrossentropy(), yTrue: oneHotRows(R, C), yPred: probsWithEdges(R, C),
    ref: (t, p) => { const s = sum(p); return -sum(t.map((z, i) => z * Math.log(clip(p[i] / s, EPS, 1 - EPS)))); }, grad: [oneHotRows(R, C), uniform(R, C, 0.1, 0.9)] },
  { name: 'CategoricalCrossentropy(fromLogits, labelSmoothing 0.1), all-equal logits', loss: () => new losses.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }),
    yTrue: oneHotRows(R, C), yPred: [[2, 2, 2, 2], ...uniform(R - 1, C, -10, 10)],
    ref: (t, p) => { const m = Math.max(...p); const lse = m + Math.log(sum(p.map((v) => Math.exp(v - m)))); return -sum(t.map((z, i) => (z * 0.9 + 0.1 / C) * (p[i] - lse))); } },
  { name: 'CategoricalFocalCrossentropy', loss: () => new losses.CategoricalFocalCrossentropy({ labelSmoothing: 0.1 }), yTrue: oneHotRows(R, C), yPred: softmaxRows(uniform(R, C, -3, 3)),
    ref: (t, p) => { const s = sum(p); return sum(t.map((z0, i) => { const z = z0 * 0.9 + 0.1 / C, q = clip(p[i] / s, EPS, 1 - EPS); return 0.25 * (1 - q) ** 2 * -z * Math.log(q); })); } },
  { name: 'MeanSquaredError', loss: () => new losses.MeanSquaredError(), yTrue: uniform(R, C, -2, 2), yPred: uniform(R, C, -2, 2), ref: (t, p) => mean(t.map((z, i) => (p[i] - z) ** 2)) },
  { name: 'MeanAbsoluteError', loss: () => new losses.MeanAbsoluteError(), yTrue: uniform(R, C, -2, 2), yPred: uniform(R, C, -2, 2), ref: (t, p) => mean(t.map((z, i) => Math.abs(p[i] - z))) },
  { name: 'MeanAbsolutePercentageError', loss: () => new losses.MeanAbsolutePercentageError(), yTrue: [[0, 1, -2, 3], ...uniform(R - 1, C, 0.5, 2)], yPred: uniform(R, C, -2, 2),
    ref: (t, p) => 100 * mean(t.map((z, i) => Math.abs((z - p[i]) / Math.max(Math.abs(z), EPS)))), grad: [uniform(R, C, 0.5, 2), uniform(R, C, -2, 2)] },
  { name: 'MeanSquaredLogarithmicError', loss: () => new losses.MeanSquaredLogarithmicError(), yTrue: uniform(R, C, 0, 3), yPred: [[-1, 0, 1, 2], ...uniform(R - 1, C, 0, 3)],
    ref: (t, p) => mean(t.map((z, i) => (Math.log(Math.max(p[i], EPS) + 1) - Math.log(Math.max(z, EPS) + 1)) ** 2)), grad: [uniform(R, C, 0.1, 3), uniform(R, C, 0.1, 3)] },
  { name: 'Huber(delta 0.7)', loss: () => new losses.Huber({ delta: 0.7 }), yTrue: uniform(R, C, -2, 2), yPred: uniform(R, C, -2, 2),
    ref: (t, p) => mean(t.map((z, i) => { const e = Math.abs(p[i] - z); return e <= 0.7 ? 0.5 * e * e : 0.7 * e - 0.5 * 0.49; })) },
  { name: 'LogCosh', loss: () => new losses.LogCosh(), yTrue: uniform(R, C, -2, 2), yPred: [[100, -100, 0, 1], ...uniform(R - 1, C, -2, 2)],
    ref: (t, p) => mean(t.map((z, i) => { const x = p[i] - z; return Math.abs(x) + Math.log1p(Math.exp(-2 * Math.abs(x))) - Math.LN2; })) },
  { name: 'KLDivergence', loss: () => new losses.KLDivergence(), yTrue: softmaxRows(uniform(R, C, -2, 2)), yPred: probsWithEdges(R, C),
    ref: (t, p) => sum(t.map((z, i) => { const a = clip(z, EPS, 1), b = clip(p[i], EPS, 1); return a * Math.log(a / b); })), grad: [softmaxRows(uniform(R, C, -2, 2)), uniform(R, C, 0.1, 0.9)] },
  { name: 'Poisson', loss: () => new losses.Poisson(), yTrue: uniform(R, C, 0, 3), yPred: uniform(R, C, 0.1, 3), ref: (t, p) => mean(t.map((z, i) => p[i] - z * Math.log(p[i] + EPS))) },
  { name: 'Hinge (0/1 labels)', loss: () => new losses.Hinge(), yTrue: binaryLabels(R, C), yPred: uniform(R, C, -2, 2), ref: (t, p) => mean(t.map((z, i) => Math.max(1 - (2 * z - 1) * p[i], 0))) },
  { name: 'Hinge (-1/1 labels)', loss: () => new losses.Hinge(), yTrue: binaryLabels(R, C).map((r) => r.map((z) => 2 * z - 1)), yPred: uniform(R, C, -2, 2), ref: (t, p) => mean(t.map((z, i) => Math.max(1 - z * p[i], 0))) },
  { name: 'SquaredHinge', loss: () => new losses.SquaredHinge(), yTrue: binaryLabels(R, C), yPred: uniform(R, C, -2, 2), ref: (t, p) => mean(t.map((z, i) => Math.max(1 - (2 * z - 1) * p[i], 0) ** 2)) },
  { name: 'CategoricalHinge', loss: () => new losses.CategoricalHinge(), yTrue: oneHotRows(R, C), yPred: uniform(R, C, -2, 2),
    ref: (t, p) => Math.max(Math.max(...t.map((z, i) => (1 - z) * p[i])) - sum(t.map((z, i) => z * p[i])) + 1, 0) },
  { name: 'CosineSimilarity', loss: () => new losses.CosineSimilarity(), yTrue: uniform(R, C, -2, 2), yPred: uniform(R, C, -2, 2),
    ref: (t, p) => { const a = normalize(t), b = normalize(p); return -sum(a.map((v, i) => v * b[i])); } },
];

describe('losses match Keras\'s formulas (float64)', () => {
  for (const c of cases) {
    it(c.name, () => dt.withBackend('js', () => {
      const loss = c.loss();
      const yT = f64(c.yTrue), yP = f64(c.yPred);
      const expected = c.yTrue.map((t, r) => c.ref(t, c.yPred[r]));
      assertValues(loss.call(yT, yP), expected, 1e-9, `${c.name} per sample`);
      assertValues(loss.apply(yT, yP), [mean(expected)], 1e-9, `${c.name} sum_over_batch_size`);
      const sw = Array.from({ length: R }, () => rng.uniform(0, 2));
      assertValues(loss.apply(yT, yP, dt.tensor(sw, null, 'float64')), [sum(expected.map((v, i) => v * sw[i])) / R], 1e-9, `${c.name} with sample weights`);
      // float32 (the default backend) within 1e-6 of the float64 values, relative to max(1, |v|).
      const f32 = dt.withBackend('wasm', () => c.loss().call(dt.tensor(c.yTrue), dt.tensor(c.yPred)));
      assertValues(f32, expected, 1e-6, `${c.name} float32`);
    }));
    it(`${c.name}: gradient by finite differences`, () => dt.withBackend('js', () => {
      const [t, p] = c.grad ?? [c.yTrue, c.yPred];
      checkGradients((yp) => c.loss().call(f64(t), yp), [f64(p)], { tol: 1e-6 });
    }));
  }

  it('reductions sum and none, and Keras\'s snake_case names', () => dt.withBackend('js', () => {
    const t = f64(uniform(3, 2, -1, 1)), p = f64(uniform(3, 2, -1, 1));
    const per = new losses.MeanSquaredError().call(t, p);
    assertValues(new losses.MeanSquaredError({ reduction: 'sum' }).apply(t, p), [sum(Array.from(per.data))], 1e-12, 'sum');
    assertValues(new losses.MeanSquaredError({ reduction: 'none' }).apply(t, p), Array.from(per.data), 1e-12, 'none');
    for (const [name, cls] of [['binary_crossentropy', losses.BinaryCrossentropy], ['BinaryCrossentropy', losses.BinaryCrossentropy], ['binaryCrossentropy', losses.BinaryCrossentropy],
      ['kl_divergence', losses.KLDivergence], ['KLDivergence', losses.KLDivergence], ['log_cosh', losses.LogCosh], ['huber', losses.Huber], ['mape', losses.MeanAbsolutePercentageError],
      ['categorical_focal_crossentropy', losses.CategoricalFocalCrossentropy], ['cosine_similarity', losses.CosineSimilarity]] as const) {
      assert.ok(losses.getLoss(name) instanceof cls, name);
    }
    assert.throws(() => losses.getLoss('binary_crossentropyy'), /unknown loss 'binary_crossentropyy'.*one of binary_crossentropy, .*poisson/);
    assert.throws(() => new losses.MeanSquaredError({ reduction: 'avg' as never }), /MeanSquaredError: unknown reduction 'avg', expected one of sum_over_batch_size, sum, none, mean, mean_with_sample_weight/);
    assert.throws(() => new losses.BinaryCrossentropy({ fromLogit: true } as never), /BinaryCrossentropy: unknown option 'fromLogit'/);
    assert.throws(() => new losses.BinaryCrossentropy({ labelSmoothing: 2 }), /labelSmoothing must be in \[0, 1\], got 2/);
    // Wrong types are errors, not coerced ('true' read as true, [0.1] as 0.1, '0.5' as NaN).
    const bad: [() => unknown, RegExp][] = [
      [() => new losses.BinaryCrossentropy({ fromLogits: 'false' as never }), /BinaryCrossentropy: fromLogits must be true or false, got 'false'/],
      [() => new losses.SparseCategoricalCrossentropy({ fromLogits: 1 as never }), /SparseCategoricalCrossentropy: fromLogits must be true or false, got 1/],
      [() => new losses.BinaryFocalCrossentropy({ applyClassBalancing: 'yes' as never }), /BinaryFocalCrossentropy: applyClassBalancing must be true or false, got 'yes'/],
      [() => new losses.BinaryFocalCrossentropy({ alpha: '0.5' as never }), /BinaryFocalCrossentropy: alpha must be a finite number, got '0.5'/],
      [() => new losses.CategoricalFocalCrossentropy({ gamma: [2] as never }), /CategoricalFocalCrossentropy: gamma must be a number >= 0, got \[2\]/],
      [() => new losses.CategoricalCrossentropy({ labelSmoothing: [0.1] as never }), /CategoricalCrossentropy: labelSmoothing must be in \[0, 1\], got \[0.1\]/],
      [() => new losses.Huber({ delta: NaN }), /Huber: delta must be a positive number, got NaN/],
      [() => new losses.MeanSquaredError({ name: 3 as never }), /MeanSquaredError: name must be a string, got 3/],
    ];
    for (const [make, message] of bad) assert.throws(make, message);
    assert.equal(new losses.BinaryFocalCrossentropy({ fromLogits: null as never, alpha: null as never }).alpha, 0.25, 'null is the default');
  }));

  it('Keras 3\'s other reductions: null is none, mean, mean_with_sample_weight (by the weights\' own sum)', () => dt.withBackend('js', () => {
    // Sequence outputs: values [2, 3], weights per sample [2] or per timestep [2, 3].
    const t = dt.tensor(uniform(6, 2, -1, 1), null, 'float64').reshape([2, 3, 2]), p = dt.tensor(uniform(6, 2, -1, 1), null, 'float64').reshape([2, 3, 2]);
    const v = Array.from(new losses.MeanSquaredError({ reduction: 'none' }).call(t, p).data);
    assertValues(new losses.MeanSquaredError({ reduction: null }).apply(t, p), v, 1e-12, 'null is none');
    assertValues(new losses.MeanSquaredError({ reduction: 'mean' }).apply(t, p), [mean(v)], 1e-12, 'mean');
    const mws = (w?: dt.Tensor) => new losses.MeanSquaredError({ reduction: 'mean_with_sample_weight' }).apply(t, p, w).data[0];
    assertValues(dt.tensor([mws()], null, 'float64'), [mean(v)], 1e-12, 'no weights: mean');
    assertValues(dt.tensor([mws(dt.tensor([0.5, 2], null, 'float64'))], null, 'float64'), [sum(v.map((x, i) => x * [0.5, 2][Math.floor(i / 3)])) / 2.5], 1e-12, 'weights [2]');
    const w2 = [1, 0, 2, 0.5, 0, 1];
    assertValues(dt.tensor([mws(dt.tensor(w2, [2, 3], 'float64'))], null, 'float64'), [sum(v.map((x, i) => x * w2[i])) / sum(w2)], 1e-12, 'weights [2, 3]');
    assertValues(dt.tensor([mws(dt.tensor([0, 0], null, 'float64'))], null, 'float64'), [0], 1e-12, 'zero weights: 0, not NaN');
    // Weights [2, 3, 1] fit values [2, 3] (Keras squeezes the trailing 1).
    assertValues(new losses.MeanSquaredError({ reduction: 'sum' }).apply(t, p, dt.tensor(w2, [2, 3, 1], 'float64')), [sum(v.map((x, i) => x * w2[i]))], 1e-12, 'weights [2, 3, 1]');
    // ignoreClass: the mask joins the weights, so the divisor is the weight of the valid entries.
    const logits = f64(uniform(4, 3, -2, 2)), y = dt.tensor([0, -1, 2, 1], null, 'int32'), w = dt.tensor([1, 3, 2, 0.5], null, 'float64');
    const ref = [0, -1, 2, 1].map((l, r) => (l < 0 ? 0 : -Math.log(softmaxRows([Array.from(logits.data.slice(r * 3, r * 3 + 3))])[0][l])));
    const masked = new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1, reduction: 'mean_with_sample_weight' });
    assertValues(masked.apply(y, logits, w), [(ref[0] + 2 * ref[2] + 0.5 * ref[3]) / 3.5], 1e-9, 'masked, weighted');
    assertValues(masked.apply(y, logits), [(ref[0] + ref[2] + ref[3]) / 3], 1e-9, 'masked');
  }));

  it('axis: crossentropies and cosine similarity along axis 1 of [b, classes, t], as Keras', () => dt.withBackend('js', () => {
    const B = 2, K = 3, T = 2, at = (b: number, c: number, t: number): number => (b * K + c) * T + t;
    const logits = uniform(1, B * K * T, -2, 2)[0], probs = uniform(1, B * K * T, 0.05, 0.95)[0];
    const onehot = new Array(B * K * T).fill(0), bin = binaryLabels(1, B * K * T)[0];
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) onehot[at(b, rng.int(K), t)] = 1;
    const T3 = (d: number[]): dt.Tensor => dt.tensor(d, [B, K, T], 'float64');
    // One value per (b, t): f of the K entries along axis 1.
    const perBT = (f: (c: (k: number) => number[]) => number): number[] => {
      const out: number[] = [];
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.push(f((k) => [onehot[at(b, k, t)], probs[at(b, k, t)], logits[at(b, k, t)], bin[at(b, k, t)]]));
      return out;
    };
    const ks = [0, 1, 2], s = 0.1;
    const cce = perBT((c) => { const z = sum(ks.map((k) => c(k)[1])); return -sum(ks.map((k) => (c(k)[0] * (1 - s) + s / K) * Math.log(clip(c(k)[1] / z, EPS, 1 - EPS)))); });
    assertValues(new losses.CategoricalCrossentropy({ axis: 1, labelSmoothing: s }).call(T3(onehot), T3(probs)), cce, 1e-9, 'cce axis 1, smoothing over the 3 classes');
    const cceLogits = perBT((c) => { const m = Math.max(...ks.map((k) => c(k)[2])); const lse = m + Math.log(sum(ks.map((k) => Math.exp(c(k)[2] - m)))); return -sum(ks.map((k) => c(k)[0] * (c(k)[2] - lse))); });
    assertValues(new losses.CategoricalCrossentropy({ axis: 1, fromLogits: true }).call(T3(onehot), T3(logits)), cceLogits, 1e-9, 'cce axis 1 from logits');
    const focal = perBT((c) => { const z = sum(ks.map((k) => c(k)[1])); return sum(ks.map((k) => { const q = clip(c(k)[1] / z, EPS, 1 - EPS); return -0.25 * (1 - q) ** 2 * c(k)[0] * Math.log(q); })); });
    assertValues(new losses.CategoricalFocalCrossentropy({ axis: -2 }).call(T3(onehot), T3(probs)), focal, 1e-9, 'categorical focal axis -2');
    assertValues(new losses.BinaryCrossentropy({ axis: 1 }).call(T3(bin), T3(probs)), perBT((c) => mean(ks.map((k) => bceElem(c(k)[3], c(k)[1])))), 1e-9, 'bce axis 1');
    const bfce = perBT((c) => mean(ks.map((k) => { const [, p, , z] = c(k); const pt = z * p + (1 - z) * (1 - p); return (z * 0.3 + (1 - z) * 0.7) * (1 - pt) ** 1.5 * bceElem(z, p); })));
    assertValues(new losses.BinaryFocalCrossentropy({ axis: 1, gamma: 1.5, alpha: 0.3, applyClassBalancing: true }).call(T3(bin), T3(probs)), bfce, 1e-9, 'binary focal axis 1');
    const cos = perBT((c) => { const a = normalize(ks.map((k) => c(k)[1])), q = normalize(ks.map((k) => c(k)[2])); return -sum(a.map((v, i) => v * q[i])); });
    assertValues(new losses.CosineSimilarity({ axis: 1 }).call(T3(probs), T3(logits)), cos, 1e-9, 'cosine axis 1');
    assert.throws(() => new losses.CosineSimilarity({ axis: 0.5 }), /CosineSimilarity: axis must be an integer, got 0.5/);
    assert.throws(() => new losses.BinaryCrossentropy({ axis: 3 }).call(T3(bin), T3(probs)), /BinaryCrossentropy: axis 3 is out of range for y_pred of shape \[2, 3, 2\] \(rank 3\)/);
  }));

  it('SparseCategoricalCrossentropy: fused path, ignoreClass as Keras masks it', () => dt.withBackend('js', () => {
    const logits = uniform(R, C, -3, 3), labels = [0, 3, -1, 2, -1, 1];
    const ref = labels.map((l, r) => (l < 0 ? 0 : -Math.log(softmaxRows([logits[r]])[0][l])));
    const loss = new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 });
    const y = dt.tensor(labels, null, 'int32');
    assertValues(loss.call(y, f64(logits)), ref, 1e-9, 'per sample');
    // Keras: sum / (valid + epsilon).
    assertValues(loss.apply(y, f64(logits)), [sum(ref) / (4 + EPS)], 1e-9, 'mean over the 4 valid');
    const probs = dt.softmax(f64(logits));
    assertValues(new losses.SparseCategoricalCrossentropy({ ignoreClass: -1 }).call(y, probs), ref, 1e-9, 'from probabilities');
    checkGradients((x) => loss.apply(y, x), [f64(logits)]);
  }));
});

describe('losses match TensorFlow.js (float32)', () => {
  const t = dt.tensor(binaryLabels(R, C)), p = dt.tensor(probsWithEdges(R, C));
  const tfv = (x: tf.Tensor): number[] => Array.from(x.dataSync());
  const tt = tf.tensor(Array.from(t.data), t.shape), tp = tf.tensor(Array.from(p.data), p.shape);
  it('binary, categorical, sparse crossentropy; mse, mae, mape; huber; cosine', () => {
    assertValues(new losses.BinaryCrossentropy().call(t, p), tfv(tf.metrics.binaryCrossentropy(tt, tp)), 1e-5, 'bce');
    const oh = dt.tensor(oneHotRows(R, C)), q = dt.tensor(softmaxRows(uniform(R, C, -3, 3)));
    const toh = tf.tensor(Array.from(oh.data), oh.shape), tq = tf.tensor(Array.from(q.data), q.shape);
    assertValues(new losses.CategoricalCrossentropy().call(oh, q), tfv(tf.metrics.categoricalCrossentropy(toh, tq)), 1e-5, 'cce');
    const a = dt.tensor(uniform(R, C, -2, 2)), b = dt.tensor(uniform(R, C, 0.5, 2));
    const ta = tf.tensor(Array.from(a.data), a.shape), tb = tf.tensor(Array.from(b.data), b.shape);
    assertValues(new losses.MeanSquaredError().call(b, a), tfv(tf.metrics.meanSquaredError(tb, ta)), 1e-5, 'mse');
    assertValues(new losses.MeanAbsoluteError().call(b, a), tfv(tf.metrics.meanAbsoluteError(tb, ta)), 1e-5, 'mae');
    assertValues(new losses.MeanAbsolutePercentageError().call(b, a), tfv(tf.metrics.meanAbsolutePercentageError(tb, ta)), 1e-5, 'mape');
    assertValues(new losses.Huber({ delta: 0.5 }).apply(b, a), tfv(tf.losses.huberLoss(tb, ta, undefined, 0.5)), 1e-5, 'huber');
    // tf's cosineDistance is 1 - cos on unit vectors; Keras's loss is -cos.
    const cos = new losses.CosineSimilarity().call(b, a);
    const tn = (x: tf.Tensor) => tf.div(x, tf.norm(x, 'euclidean', -1, true));
    assertValues(dt.add(cos, 1), tfv(tf.losses.cosineDistance(tn(tb), tn(ta), 1, undefined, tf.Reduction.NONE)), 1e-5, 'cosine');
  });
});

describe('saved models keep the loss and its options', () => {
  it('a loss with non-default options round-trips through model.save; defaults stay Keras names', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    assert.equal(losses.lossToConfig(new losses.BinaryCrossentropy()), 'binary_crossentropy');
    const m = new dt.models.Sequential([new dt.layers.Input({ shape: [3] }), new dt.layers.Dense({ units: 2 })]);
    m.compile({ loss: new losses.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), optimizer: 'sgd' });
    const dir = join(mkdtempSync(join(tmpdir(), 'loss-')), 'm');
    await m.save(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).trainingConfig.loss.class_name, 'CategoricalCrossentropy');
    const back = await dt.models.loadModel(dir);
    assert.ok(back.loss instanceof losses.CategoricalCrossentropy);
    assert.equal(back.loss.fromLogits, true);
    assert.equal(back.loss.labelSmoothing, 0.1);
    assert.throws(() => losses.getLoss({ class_name: 'Nope', config: {} }), /unknown loss class 'Nope', expected one of BinaryCrossentropy/);
    // Keras's files (.keras: compile_config; .h5: training_config) keep every option too; they
    // kept only from_logits (label_smoothing, reduction, delta ... were dropped silently).
    const { unzipSync, strFromU8 } = await import('fflate');
    for (const ext of ['keras', 'h5']) {
      m.compile({ loss: new losses.CategoricalCrossentropy({ labelSmoothing: 0.2, reduction: 'sum' }), optimizer: 'sgd' });
      const path = join(mkdtempSync(join(tmpdir(), 'loss-')), `m.${ext}`);
      await m.save(path);
      if (ext === 'keras') {
        const saved = JSON.parse(strFromU8(unzipSync(readFileSync(path))['config.json'])).compile_config.loss;
        assert.deepEqual([saved.class_name, saved.config.label_smoothing, saved.config.reduction, saved.config.from_logits], ['CategoricalCrossentropy', 0.2, 'sum', false]);
      }
      const loss = (await dt.models.loadModel(path)).loss as dt.losses.CategoricalCrossentropy;
      assert.deepEqual([loss.constructor, loss.labelSmoothing, loss.reduction], [losses.CategoricalCrossentropy, 0.2, 'sum'], ext);
    }
    const { compileFromKeras } = await import('../src/io/keras-training.ts');
    const sgd = { class_name: 'SGD', config: { learning_rate: 0.01 } };
    compileFromKeras(m, { loss: { class_name: 'Huber', config: { name: 'huber_loss', reduction: 'auto', delta: 2.5 } }, optimizer: sgd }, 'load');
    assert.deepEqual([(m.loss as dt.losses.Huber).delta, m.loss!.reduction], [2.5, 'sum_over_batch_size'], "Keras 2's 'auto'");
    assert.throws(() => compileFromKeras(m, { loss: { class_name: 'BinaryCrossentropy', config: { from_logits: true, sparse: 1 } }, optimizer: sgd }, 'load'),
      /load: BinaryCrossentropy: unknown option 'sparse'.*load with \{ compile: false \}/);
  });
});

describe('crossentropy over positions (segmentation maps: y_pred [batch, h, w, classes])', () => {
  const [n, h, w, c] = [2, 3, 2, 4];
  const positions = n * h * w;
  const logits = uniform(positions, c, -3, 3), labels = Array.from({ length: positions }, (_, i) => (i * 7) % c);
  const ref = labels.map((l, r) => -Math.log(softmaxRows([logits[r]])[0][l]));
  const logits4 = dt.tensor(logits.flat(), [n, h, w, c], 'float64');

  it('SparseCategoricalCrossentropy: one value per position, Keras\'s mean over all of them, labels [b, h, w] or [b, h, w, 1]', () => dt.withBackend('js', () => {
    const loss = new losses.SparseCategoricalCrossentropy({ fromLogits: true });
    for (const shape of [[n, h, w], [n, h, w, 1]]) {
      const y = dt.tensor(labels, shape, 'int32');
      const values = loss.call(y, logits4);
      assert.deepEqual(values.shape, [n, h, w]);
      assertValues(values, ref, 1e-9, `per position, labels ${shape}`);
      assertValues(loss.apply(y, logits4), [mean(ref)], 1e-9, 'mean over every position');
      checkGradients((x) => loss.apply(y, x), [logits4]);
    }
    // From a softmax's probabilities (the fused path through its logits) and from plain probabilities.
    const y = dt.tensor(labels, [n, h, w], 'int32');
    assertValues(new losses.SparseCategoricalCrossentropy().call(y, dt.softmax(logits4)), ref, 1e-9, 'from softmax');
    assertValues(new losses.SparseCategoricalCrossentropy().call(y, dt.tensor(softmaxRows(logits).flat(), [n, h, w, c], 'float64')), ref, 1e-9, 'from probabilities');
    // One weight per image scales its positions.
    const weighted = loss.apply(y, logits4, dt.tensor([1, 3], [2], 'float64'));
    const per = h * w;
    assertValues(weighted, [(sum(ref.slice(0, per)) + 3 * sum(ref.slice(per))) / positions], 1e-9, 'sample weights per image');
    // ignoreClass masks positions (Keras: sum over valid / (valid + epsilon)).
    const masked = labels.map((l, i) => (i % 3 === 0 ? 255 : l));
    const ignoring = new losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: 255 });
    const valid = masked.filter((l) => l !== 255).length;
    assertValues(ignoring.apply(dt.tensor(masked, [n, h, w], 'int32'), logits4), [sum(ref.filter((_, i) => i % 3 !== 0)) / (valid + EPS)], 1e-9, 'ignoreClass');
    assert.throws(() => loss.call(dt.tensor(labels.slice(0, n * h), [n, h], 'int32'), logits4), /one integer label per position of y_pred \[2, 3, 2, 4\] \(y_true of shape \[2, 3, 2\]\), got y_true of shape \[2, 3\]/);
  }));

  it('matches TensorFlow.js\'s sparse and categorical crossentropy per position', () => {
    const probs = dt.softmax(dt.tensor(logits.flat(), [n, h, w, c]));
    // TF.js has no sparse form: its categorical crossentropy of the one-hot labels is the same value.
    const theirs = tf.metrics.categoricalCrossentropy(tf.oneHot(tf.tensor(labels, [n, h, w], 'int32'), c), tf.tensor(Array.from(probs.data), [n, h, w, c]));
    assertValues(new losses.SparseCategoricalCrossentropy().call(dt.tensor(labels, [n, h, w], 'int32'), probs), Array.from(theirs.dataSync()), 1e-5, 'sparse vs TF.js');
    const oneHot = dt.tensor(labels.flatMap((l) => Array.from({ length: c }, (_, j) => +(j === l))), [n, h, w, c]);
    const cce = new losses.CategoricalCrossentropy().call(oneHot, probs);
    assert.deepEqual(cce.shape, [n, h, w]);
    const tfCce = tf.metrics.categoricalCrossentropy(tf.tensor(Array.from(oneHot.data), [n, h, w, c]), tf.tensor(Array.from(probs.data), [n, h, w, c]));
    assertValues(cce, Array.from(tfCce.dataSync()), 1e-5, 'categorical vs TF.js');
  });
});
