// Metrics against TensorFlow.js where it has them, else against Keras's definitions computed
// here by hand; 'accuracy' resolved from the shapes as Keras 3 does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { tf } from './helpers/oracle.ts';

const { metrics } = dt;
const rng = new Random(5);
const uniform = (r: number, c: number, lo = 0, hi = 1): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.uniform(lo, hi)));
const labels01 = (r: number, c: number): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, () => +(rng.uniform(0, 1) < 0.4)));
const close = (a: number, b: number, tol = 1e-6, what = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const tfMean = (x: tf.Tensor): number => tf.mean(x).dataSync()[0];

/** Feeds batches of (yTrue, yPred) rows to a metric and returns its result. */
function feed(m: dt.metrics.Metric, yTrue: number[][], yPred: number[][], batch = 4, dtypeTrue: 'float32' | 'int32' = 'float32'): number {
  m.resetState();
  for (let s = 0; s < yTrue.length; s += batch) {
    m.updateState(dt.tensor(yTrue.slice(s, s + batch), null, dtypeTrue), dt.tensor(yPred.slice(s, s + batch)));
  }
  return m.result();
}

describe('metrics', () => {
  const N = 10, C = 3;
  it('accuracies, precision, recall, mse, mae match TF.js over several batches', () => {
    const t = labels01(N, C), p = uniform(N, C);
    p[0][0] = 0.5; // exactly at the threshold: not positive
    const tt = tf.tensor(t), tp = tf.tensor(p);
    close(feed(new metrics.BinaryAccuracy(), t, p), tfMean(tf.metrics.binaryAccuracy(tt, tp)), 1e-6, 'binary');
    close(feed(new metrics.CategoricalAccuracy(), t, p), tfMean(tf.metrics.categoricalAccuracy(tt, tp)), 1e-6, 'categorical');
    const sparse = t.map((r) => [r.indexOf(Math.max(...r))]);
    close(feed(new metrics.SparseCategoricalAccuracy(), sparse, p), tfMean(tf.metrics.sparseCategoricalAccuracy(tf.tensor(sparse), tp)), 1e-6, 'sparse');
    close(feed(new metrics.Precision(), t, p), tf.metrics.precision(tt, tf.round(tp)).dataSync()[0], 1e-6, 'precision');
    close(feed(new metrics.Recall(), t, p), tf.metrics.recall(tt, tf.round(tp)).dataSync()[0], 1e-6, 'recall');
    close(feed(new metrics.MeanSquaredError(), t, p), tfMean(tf.metrics.meanSquaredError(tt, tp)), 1e-6, 'mse');
    close(feed(new metrics.MeanAbsoluteError(), t, p), tfMean(tf.metrics.meanAbsoluteError(tt, tp)), 1e-6, 'mae');
    close(feed(new metrics.RootMeanSquaredError(), t, p), Math.sqrt(tfMean(tf.metrics.meanSquaredError(tt, tp))), 1e-6, 'rmse');
    close(feed(new metrics.BinaryAccuracy({ threshold: 0.3 }), t, p), tfMean(tf.metrics.binaryAccuracy(tt, tf.cast(tf.greater(tp, 0.3), 'float32'))), 1e-6, 'threshold');
  });

  it("accuracy functions keep y_pred's shape less its last axis, as TF.js's (they flattened it to one row per value)", () => {
    // [2, 3, 4] (a sequence output) gives [2, 3]; rank 1 gives a scalar
    const p3 = uniform(6, 4), t3 = labels01(6, 4), s3 = t3.map((r) => r.indexOf(Math.max(...r)));
    const cases: [string, dt.Tensor, tf.Tensor][] = [
      ['binary [2, 3, 4]', metrics.binaryAccuracy(dt.tensor(t3.flat(), [2, 3, 4]), dt.tensor(p3.flat(), [2, 3, 4])), tf.metrics.binaryAccuracy(tf.tensor(t3.flat(), [2, 3, 4]), tf.tensor(p3.flat(), [2, 3, 4]))],
      ['categorical [2, 3, 4]', metrics.categoricalAccuracy(dt.tensor(t3.flat(), [2, 3, 4]), dt.tensor(p3.flat(), [2, 3, 4])), tf.metrics.categoricalAccuracy(tf.tensor(t3.flat(), [2, 3, 4]), tf.tensor(p3.flat(), [2, 3, 4]))],
      ['sparse [2, 3]', metrics.sparseCategoricalAccuracy(dt.tensor(s3, [2, 3]), dt.tensor(p3.flat(), [2, 3, 4])), tf.metrics.sparseCategoricalAccuracy(tf.tensor(s3, [2, 3]), tf.tensor(p3.flat(), [2, 3, 4]))],
      ['binary [6]', metrics.binaryAccuracy(dt.tensor(t3.map((r) => r[0])), dt.tensor(p3.map((r) => r[0]))), tf.metrics.binaryAccuracy(tf.tensor(t3.map((r) => r[0])), tf.tensor(p3.map((r) => r[0])))],
    ];
    for (const [what, ours, theirs] of cases) {
      assert.deepEqual(ours.shape, theirs.shape, what);
      assert.deepEqual(Array.from(ours.data), Array.from(theirs.dataSync()), what);
    }
    // So a per-sample weight [2] fits a [2, 3, 4] output (the flat [6] refused it): sample 1 weighted 0
    const m = new metrics.BinaryAccuracy();
    m.updateState(dt.tensor(t3.flat(), [2, 3, 4]), dt.tensor(p3.flat(), [2, 3, 4]), dt.tensor([1, 0]));
    close(m.result(), tfMean(tf.metrics.binaryAccuracy(tf.tensor(t3.slice(0, 3).flat(), [3, 4]), tf.tensor(p3.slice(0, 3).flat(), [3, 4]))), 1e-6, 'weighted');
  });

  it('top-k accuracies count ties as inside (TensorFlow\'s in_top_k)', () => {
    const p = [[0.1, 0.5, 0.4, 0.0], [0.3, 0.3, 0.3, 0.1], [0.9, 0.05, 0.03, 0.02]];
    const labels = [[2], [2], [3]];
    // k=2: row 0: 0.4 is 2nd -> in; row 1: tie, none above -> in; row 2: 0.02 is last -> out.
    close(feed(new metrics.SparseTopKCategoricalAccuracy({ k: 2 }), labels, p), 2 / 3, 1e-9, 'sparse top 2');
    const oneHot = labels.map(([l]) => [0, 1, 2, 3].map((j) => +(j === l)));
    close(feed(new metrics.TopKCategoricalAccuracy({ k: 1 }), oneHot, p), 1 / 3, 1e-9, 'top 1');
  });

  it('AUC (ROC) equals the Mann-Whitney statistic when thresholds separate the scores; PR too', () => {
    // Scores on a grid between Keras's thresholds (i / 10), so the curve's corners are exact.
    const scores = Array.from({ length: 40 }, () => (rng.int(10) + 0.5) / 10);
    const truth = scores.map((s) => +(rng.uniform(0, 1) < s));
    let wins = 0, pairs = 0;
    scores.forEach((a, i) => scores.forEach((b, j) => {
      if (truth[i] === 1 && truth[j] === 0) { pairs++; wins += a > b ? 1 : a === b ? 0.5 : 0; }
    }));
    const auc = feed(new metrics.AUC({ numThresholds: 11 }), truth.map((v) => [v]), scores.map((v) => [v]), 7);
    close(auc, wins / pairs, 1e-9, 'ROC');
    // PR with 'majoring' by hand: recall/precision at each threshold, Riemann sum with max heights.
    const points = [-1e-7, ...Array.from({ length: 9 }, (_, i) => (i + 1) / 10), 1 + 1e-7].map((th) => {
      let tp = 0, fp = 0, fn = 0;
      scores.forEach((s, i) => { if (s > th) { if (truth[i]) tp++; else fp++; } else if (truth[i]) fn++; });
      return { r: tp + fn ? tp / (tp + fn) : 0, p: tp + fp ? tp / (tp + fp) : 0 };
    });
    let pr = 0;
    for (let i = 0; i < points.length - 1; i++) pr += (points[i].r - points[i + 1].r) * Math.max(points[i].p, points[i + 1].p);
    close(feed(new metrics.AUC({ numThresholds: 11, curve: 'PR', summationMethod: 'majoring' }), truth.map((v) => [v]), scores.map((v) => [v])), pr, 1e-9, 'PR majoring');
    const interp = feed(new metrics.AUC({ curve: 'PR' }), truth.map((v) => [v]), scores.map((v) => [v]));
    assert.ok(interp > 0.3 && interp <= 1, `PR interpolation in range: ${interp}`);
    assert.throws(() => new metrics.AUC({ curve: 'roc' as never }), /curve must be 'ROC' or 'PR', got 'roc'/);
  });

  it('F1Score (macro, micro, weighted, per class) and MeanIoU by hand', () => {
    const t = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]];
    const p = [[0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1]];
    // argmax predictions: 0, 2, 2, 1, 1. Class 0: tp 1, fn 1 -> f1 2/3; class 1: tp 1, fp 1, fn 1 -> 1/2; class 2: tp 1, fp 1 -> 2/3.
    const perClass = [2 / 3, 1 / 2, 2 / 3];
    close(feed(new metrics.F1Score({ average: 'macro' }), t, p, 2), (2 / 3 + 1 / 2 + 2 / 3) / 3, 1e-9, 'macro');
    close(feed(new metrics.F1Score({ average: 'micro' }), t, p, 2), 3 / 5, 1e-9, 'micro');
    close(feed(new metrics.F1Score({ average: 'weighted' }), t, p, 2), (2 * perClass[0] + 2 * perClass[1] + perClass[2]) / 5, 1e-9, 'weighted');
    const f = new metrics.F1Score();
    f.updateState(dt.tensor(t), dt.tensor(p));
    assert.throws(() => f.result(), /per class: read values\(\)/);
    assert.deepEqual(Object.keys(f.logs()), ['f1_score_0', 'f1_score_1', 'f1_score_2']);
    f.values().forEach((v, j) => close(v, perClass[j], 1e-9, `class ${j}`));
    // Keras: an all-zero row predicts nothing (|max| > 1e-9), where every class tied at 0 was positive.
    const zero = new metrics.F1Score({ average: 'micro' });
    zero.updateState(dt.tensor([[1, 0, 0], [0, 1, 0]]), dt.tensor([[0.7, 0.2, 0.1], [0, 0, 0]]));
    close(zero.result(), 2 / 3, 1e-9, 'zero row: tp 1, fn 1 -> 2/3');
    // FBetaScore: (1 + b^2) P R / (b^2 P + R); P 3/5, R 3/5 per micro counts, so any beta gives 3/5; macro per class.
    const fb = (pr: number, rc: number, b: number): number => (pr * rc === 0 ? 0 : ((1 + b * b) * pr * rc) / (b * b * pr + rc));
    const beta2 = [fb(1, 1 / 2, 2), fb(1 / 2, 1 / 2, 2), fb(1 / 2, 1, 2)];
    const fbeta = new metrics.FBetaScore({ beta: 2, average: 'macro' });
    assert.equal(fbeta.name, 'fbeta_score');
    close(feed(fbeta, t, p, 2), (beta2[0] + beta2[1] + beta2[2]) / 3, 1e-9, 'fbeta macro');
    // Weights per entry [rows, classes] weigh each entry (they were read one per row): tp 1, fp 3, fn 4.
    const perEntry = new metrics.F1Score({ average: 'micro' });
    perEntry.updateState(dt.tensor([[1, 0], [0, 1]]), dt.tensor([[0.9, 0.2], [0.8, 0.7]]), dt.tensor([[1, 2], [3, 4]]));
    close(perEntry.result(), 2 / 9, 1e-6, 'per-entry weights');
    const iouW = new metrics.MeanIoU({ numClasses: 2 });
    iouW.updateState(dt.tensor([[0, 1], [1, 0]]), dt.tensor([[0, 1], [0, 0]]), dt.tensor([[1, 2], [3, 4]]));
    close(iouW.result(), (5 / 8 + 2 / 5) / 2, 1e-9, 'MeanIoU weights per label');
    assert.throws(() => iouW.updateState(dt.tensor([[0, 1], [1, 0]]), dt.tensor([[0, 1], [0, 0]]), dt.tensor([1, 2, 3])), /mean_iou: sample_weight of shape \[3\] does not fit 4 labels/);
    // Options are checked, never silently ignored.
    assert.throws(() => new metrics.F1Score({ averag: 'macro' } as never), /F1Score: unknown option 'averag'. Valid options are: average, beta, name, threshold/);
    assert.throws(() => new metrics.FBetaScore({ threshold: 0 }), /FBetaScore: threshold must be null or in \(0, 1\], got 0/);
    assert.throws(() => new metrics.MeanIoU({ numClasses: 3, sparse_y_pred: false } as never), /MeanIoU: unknown option 'sparse_y_pred'/);
    assert.throws(() => new metrics.BinaryAccuracy({ thresholds: 0.7 } as never), /BinaryAccuracy: unknown option 'thresholds'. Valid options are: name, threshold/);
    assert.throws(() => new metrics.SparseTopKCategoricalAccuracy({ K: 2 } as never), /SparseTopKCategoricalAccuracy: unknown option 'K'/);
    assert.throws(() => new metrics.RootMeanSquaredError({ dtype: 'float64' } as never), /RootMeanSquaredError: unknown option 'dtype'/);
    assert.throws(() => new metrics.AUC({ multiLabel: 'yes' as never }), /AUC: multiLabel must be true or false, got 'yes'/);
    assert.throws(() => new metrics.MeanIoU({ numClasses: 3, sparseYTrue: 0 as never }), /MeanIoU: sparseYTrue must be true or false, got 0/);
    assert.throws(() => new metrics.MeanIoU({ numClasses: 3, ignoreClass: '255' as never }), /MeanIoU: ignoreClass must be an integer or null, got "255"/);
    assert.throws(() => new metrics.BinaryAccuracy({ threshold: '0.5' as never }), /BinaryAccuracy: threshold must be a finite number, got '0.5'/);
    assert.equal(new metrics.AUC({ name: null as never }).name, 'auc', 'null name: the default');
    // MeanIoU with predicted class ids: class 0: tp 1, fn 1 -> 1/2; class 1: tp 1, fp 1, fn 1 -> 1/3; class 2: tp 1, fp 1 -> 1/2.
    const iou = new metrics.MeanIoU({ numClasses: 3 });
    iou.updateState(dt.tensor([0, 1, 2, 0, 1]), dt.tensor([0, 2, 2, 1, 1]));
    close(iou.result(), (1 / 2 + 1 / 3 + 1 / 2) / 3, 1e-9, 'mean iou');
    const probsIou = new metrics.MeanIoU({ numClasses: 3, sparseYPred: false });
    probsIou.updateState(dt.tensor([0, 1, 2, 0, 1]), dt.tensor(p));
    close(probsIou.result(), (1 / 2 + 1 / 3 + 1 / 2) / 3, 1e-9, 'mean iou from probabilities');
  });

  it('sample weights weight the mean; every loss is a metric; names as Keras logs them', () => {
    const m = new metrics.BinaryAccuracy();
    m.updateState(dt.tensor([[1], [0], [1]]), dt.tensor([[0.9], [0.8], [0.2]]), dt.tensor([1, 2, 3]));
    close(m.result(), 1 / 6, 1e-9, 'weighted');
    const kld = metrics.getMetric('kld');
    // Named as the user wrote them (Keras 3's get_metric; TF.js's history keys): 'mae' logs as 'mae'.
    assert.equal(kld.name, 'kld');
    assert.equal(metrics.getMetric('mae').name, 'mae');
    assert.equal(metrics.getMetric('mean_absolute_error').name, 'mean_absolute_error');
    assert.equal(metrics.getMetric('meanSquaredError').name, 'meanSquaredError');
    assert.equal(metrics.getMetric('acc').name, 'acc');
    assert.ok(metrics.getMetric('AUC') instanceof metrics.AUC);
    const t = [[0.2, 0.8], [0.5, 0.5]], p = [[0.3, 0.7], [0.6, 0.4]];
    const ref = (t.map((r, i) => r.reduce((s, v, j) => s + v * Math.log(v / p[i][j]), 0)).reduce((a, b) => a + b)) / 2;
    close(feed(kld, t, p), ref, 1e-6, 'kld metric');
    // Keras's cosine_similarity metric is +cos (its loss of that name is -cos; TF.js's 'cosine' metric too).
    const cosRef = (t.map((r, i) => { const n = (a: number[]) => Math.hypot(...a); return r.reduce((s, v, j) => s + v * p[i][j], 0) / (n(r) * n(p[i])); }).reduce((a, b) => a + b)) / 2;
    for (const id of ['cosine_similarity', 'CosineSimilarity', 'cosineSimilarity']) close(feed(metrics.getMetric(id), t, p), cosRef, 1e-6, `${id} metric`);
    close(feed(new metrics.CosineSimilarity(), t, p), cosRef, 1e-6, 'CosineSimilarity metric');
    assert.throws(() => metrics.getMetric('accuracyy'), /unknown metric 'accuracyy'.*accuracy, acc, .*auc.*poisson/);
  });

  it('Mean, Sum, Accuracy as Keras: update_state(values, sample_weight), each sample counted once', () => {
    const mean = new metrics.Mean();
    mean.updateState(dt.tensor([1, 3, 5, 7]), dt.tensor([1, 1, 0, 0]));
    close(mean.result(), 2, 1e-12, 'weights as the second argument');
    mean.resetState();
    // Keras: per-sample means (1.5, 3.5), then the scalar 10: (1.5 + 3.5 + 10) / 3.
    mean.updateState(dt.tensor([[1, 2], [3, 4]]));
    mean.updateState(dt.scalar(10));
    close(mean.result(), 5, 1e-12, 'rows count once');
    // Weights per timestep [2, 3] over values [2, 3, 2]: sum_b mean_t(w * mean_k v) / sum_b mean_t(w).
    const v = uniform(6, 2), w = [1, 0, 2, 0.5, 3, 0];
    mean.resetState();
    mean.updateState(dt.tensor(v.flat(), [2, 3, 2]), dt.tensor(w, [2, 3]));
    const m = v.map((r) => (r[0] + r[1]) / 2);
    close(mean.result(), ((w[0] * m[0] + w[1] * m[1] + w[2] * m[2]) / 3 + (w[3] * m[3] + w[4] * m[4] + w[5] * m[5]) / 3) / (3 / 3 + 3.5 / 3), 1e-6, 'per timestep');
    assert.throws(() => (mean.updateState as (...a: dt.Tensor[]) => void)(dt.tensor([1]), dt.tensor([1]), dt.tensor([1])), /mean: Mean.updateState\(values, sampleWeight\) takes the values to average, got 3 arguments/);
    const total = new metrics.Sum();
    total.updateState(dt.tensor([1, 3, 5, 7]));
    close(total.result(), 16, 1e-12, 'sum');
    total.updateState(dt.tensor([[1, 2], [3, 4]]), dt.tensor([2, 0]));
    close(total.result(), 22, 1e-12, 'weighted sum');
    close(feed(new metrics.Accuracy(), [[1], [2], [3], [4]], [[0], [2], [3], [4]]), 0.75, 1e-12, 'Accuracy');
  });

  it('\'accuracy\' follows the shapes (Keras 3), also with a custom loss', async () => {
    const x = dt.tensor(uniform(12, 3, -1, 1));
    const sparseY = dt.tensor(Array.from({ length: 12 }, (_, i) => i % 4), null, 'int32');
    const model = new dt.models.Sequential([new dt.layers.Input({ shape: [3] }), new dt.layers.Dense({ units: 4, activation: 'softmax' })]);
    const custom = (yTrue: dt.Tensor, yPred: dt.Tensor) => new dt.losses.SparseCategoricalCrossentropy().call(yTrue, yPred);
    model.compile({ loss: custom, optimizer: 'sgd', metrics: ['accuracy'] });
    const [, acc] = model.evaluate(x, sparseY, { verbose: 0 });
    const probs = model.predict(x);
    let hits = 0;
    for (let r = 0; r < 12; r++) { const row = Array.from(probs.data.subarray(r * 4, r * 4 + 4)); hits += +(row.indexOf(Math.max(...row)) === r % 4); }
    close(acc, hits / 12, 1e-9, 'sparse accuracy with a custom loss');
    assert.ok((model.metrics[0] as dt.metrics.ResolvedByShape).resolved instanceof metrics.SparseCategoricalAccuracy);
    const binary = new dt.models.Sequential([new dt.layers.Input({ shape: [3] }), new dt.layers.Dense({ units: 1, activation: 'sigmoid' })]);
    binary.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    binary.evaluate(x, dt.tensor(Array.from({ length: 12 }, (_, i) => [i % 2])), { verbose: 0 });
    assert.ok((binary.metrics[0] as dt.metrics.ResolvedByShape).resolved instanceof metrics.BinaryAccuracy);
  });
});

describe('metric options', () => {
  it('Precision/Recall with topK and classId; AUC multiLabel averages per-label areas; crossentropy by shape', () => {
    const t = [[1, 0, 1], [0, 1, 0], [1, 1, 0]];
    const p = [[0.9, 0.8, 0.7], [0.6, 0.7, 0.1], [0.2, 0.9, 0.95]];
    // top 1 per row: (0,0) tp, (1,1) tp, (2,2) fp -> precision 2/3; recall 2/5.
    close(feed(new metrics.Precision({ topK: 1 }), t, p), 2 / 3, 1e-12, 'precision top 1');
    close(feed(new metrics.Recall({ topK: 1 }), t, p), 2 / 5, 1e-12, 'recall top 1');
    // Keras: topK without thresholds counts the top k whatever their values (threshold -inf);
    // a given threshold still applies.
    const low = [[0.3, 0.2, 0.1], [0.1, 0.4, 0.2], [0.05, 0.1, 0.2]];
    close(feed(new metrics.Precision({ topK: 1 }), t, low), 2 / 3, 1e-12, 'precision top 1, low scores');
    close(feed(new metrics.Recall({ topK: 1 }), t, low), 2 / 5, 1e-12, 'recall top 1, low scores');
    close(feed(new metrics.Precision({ topK: 1, thresholds: 0.35 }), t, low), 1, 1e-12, 'top 1 above 0.35');
    // class 1 only, threshold 0.5: predictions 0.8 (fp), 0.7 (tp), 0.9 (tp).
    close(feed(new metrics.Precision({ classId: 1 }), t, p), 2 / 3, 1e-12, 'class 1');
    assert.throws(() => new metrics.Precision({ thresholds: [0.3, 0.6] as never }), /lists of thresholds are not supported/);
    // null is Keras's None (every class, the default threshold): classId null counted nothing, thresholds null meant 0.
    close(feed(new metrics.Precision({ classId: null, thresholds: null }), t, p), feed(new metrics.Precision(), t, p), 1e-12, 'nulls are defaults');
    assert.throws(() => new metrics.Recall({ classId: -1 }), /Recall: classId must be an integer >= 0 \(a column of y_pred\), got -1/);
    assert.throws(() => feed(new metrics.Precision({ classId: 3 }), t, p), /precision: classId 3 is outside y_pred's 3 columns/);
    assert.throws(() => feed(new metrics.Recall({ topK: 4 }), t, p), /recall: topK 4 is more than y_pred's 3 columns/);
    const single = (j: number) => feed(new metrics.AUC({ numThresholds: 50 }), t.map((r) => [r[j]]), p.map((r) => [r[j]]));
    close(feed(new metrics.AUC({ numThresholds: 50, multiLabel: true }), t, p), (single(0) + single(1) + single(2)) / 3, 1e-12, 'multi-label');
    const ce = metrics.getMetric('crossentropy');
    ce.updateState(dt.tensor([1, 0], null, 'int32'), dt.tensor([[0.3, 0.7], [0.6, 0.4]]));
    close(ce.result(), -(Math.log(0.7) + Math.log(0.6)) / 2, 1e-6, 'sparse crossentropy chosen');
  });
});
