// Metrics built on confusion counts: Precision, Recall, AUC (ROC and PR), F1Score, MeanIoU,
// with Keras's definitions (counts accumulate over the epoch; 0/0 is 0).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { Metric, checkMetricOptions } from './metrics-mean.ts';
import { boolOption, numberOption } from './option-values.ts';

const divNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Entry i's weight: one for all, one per entry (of `total`), or one per sample (perSample entries each). */
function sampleWeightAt(w: Tensor | undefined, i: number, perSample: number, total: number): number {
  if (!w) return 1;
  return w.size === 1 ? w.data[0] : w.size === total ? w.data[i] : w.data[Math.floor(i / perSample)];
}
function checkPair(where: string, yTrue: Tensor, yPred: Tensor, w?: Tensor): void {
  if (yTrue.size !== yPred.size) throw new Error(`${where}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same shape`);
  if (w && w.size !== 1 && w.size !== yPred.shape[0] && w.size !== yPred.size) {
    throw new Error(`${where}: sample_weight of shape ${formatShape(w.shape)} does not fit y_pred ${formatShape(yPred.shape)}`);
  }
}
function checkThreshold(where: string, t: number): number {
  if (!(t >= 0 && t <= 1)) throw new Error(`${where}: thresholds must be in [0, 1], got ${t}`);
  return t;
}

interface ThresholdArgs {
  name?: string; thresholds?: number | null;
  /** Only the k largest predictions of each row can be positive (ties: the first ones). */
  topK?: number | null;
  /** Count only this column (class). */
  classId?: number | null;
}

/** True/false positives (and false negatives) of yPred > threshold, over entries of one class or all. */
abstract class ThresholdCounts extends Metric {
  protected tp = 0; protected fp = 0; protected fn = 0;
  protected readonly threshold: number;
  protected readonly classId?: number;
  protected readonly topK?: number;
  constructor(where: string, args: ThresholdArgs, defaultName: string) {
    super(args.name ?? defaultName);
    const known = ['name', 'thresholds', 'topK', 'classId'];
    for (const k of Object.keys(args)) if (!known.includes(k)) throw new Error(`${where}: unknown option '${k}'. Valid options are: ${known.join(', ')}`);
    if (Array.isArray(args.thresholds)) throw new Error(`${where}: give one threshold (a number); lists of thresholds are not supported`);
    // As Keras: with topK and no thresholds, every top-k entry is positive whatever its value.
    // null is Keras's None: the default threshold, every class, no top-k filter.
    const topK = args.topK ?? undefined;
    this.threshold = args.thresholds === undefined || args.thresholds === null ? (topK === undefined ? 0.5 : -Infinity) : checkThreshold(where, args.thresholds);
    if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) throw new Error(`${where}: topK must be a positive integer, got ${String(topK)}`);
    this.topK = topK;
    const classId = args.classId ?? undefined;
    if (classId !== undefined && !(Number.isInteger(classId) && classId >= 0)) throw new Error(`${where}: classId must be an integer >= 0 (a column of y_pred), got ${JSON.stringify(classId)}`);
    this.classId = classId;
  }
  /** Whether entry i is predicted positive: above the threshold and, with topK, among its row's k largest. */
  private positives(yPred: Tensor, cols: number): Uint8Array {
    const out = new Uint8Array(yPred.size);
    for (let i = 0; i < yPred.size; i++) out[i] = +(yPred.data[i] > this.threshold);
    if (this.topK !== undefined) {
      for (let r = 0; r < yPred.size / cols; r++) {
        const idx = Array.from({ length: cols }, (_, j) => j).sort((a, b) => yPred.data[r * cols + b] - yPred.data[r * cols + a] || a - b);
        for (const j of idx.slice(this.topK)) out[r * cols + j] = 0;
      }
    }
    return out;
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkPair(this.name, yTrue, yPred, sampleWeight);
    const cols = yPred.rank >= 2 ? yPred.shape[yPred.rank - 1] : 1, per = yPred.size / (yPred.shape[0] ?? 1);
    if (this.classId !== undefined && this.classId >= cols) throw new Error(`${this.name}: classId ${this.classId} is outside y_pred's ${cols} columns (${formatShape(yPred.shape)})`);
    if (this.topK !== undefined && this.topK > cols) throw new Error(`${this.name}: topK ${this.topK} is more than y_pred's ${cols} columns (${formatShape(yPred.shape)})`);
    const positive = this.positives(yPred, cols);
    for (let i = 0; i < yPred.size; i++) {
      if (this.classId !== undefined && i % cols !== this.classId) continue;
      const w = sampleWeightAt(sampleWeight, i, per, yPred.size);
      const predicted = positive[i] === 1, actual = yTrue.data[i] !== 0; // Keras casts labels to bool
      if (predicted && actual) this.tp += w;
      else if (predicted) this.fp += w;
      else if (actual) this.fn += w;
    }
  }
  resetState(): void { this.tp = this.fp = this.fn = 0; }
}

export class Precision extends ThresholdCounts {
  constructor(args: ThresholdArgs = {}) { super('Precision', args, 'precision'); }
  result(): number { return divNoNan(this.tp, this.tp + this.fp); }
}
export class Recall extends ThresholdCounts {
  constructor(args: ThresholdArgs = {}) { super('Recall', args, 'recall'); }
  result(): number { return divNoNan(this.tp, this.tp + this.fn); }
}

export interface AUCArgs {
  name?: string;
  numThresholds?: number;
  curve?: 'ROC' | 'PR';
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** One curve per column (label), their areas averaged; otherwise all entries make one curve. */
  multiLabel?: boolean;
  fromLogits?: boolean;
}

/** Confusion counts at each threshold, for one curve. */
class CurveCounts {
  readonly tp: Float64Array; readonly fp: Float64Array; readonly tn: Float64Array; readonly fn: Float64Array;
  constructor(n: number) { [this.tp, this.fp, this.tn, this.fn] = [0, 1, 2, 3].map(() => new Float64Array(n)); }
}

/**
 * Area under the ROC or precision-recall curve, from confusion counts at numThresholds
 * thresholds (Keras's: -eps, (i + 1) / (n - 1) for i < n - 2, 1 + eps): ROC by the trapezoid
 * rule, PR by Davis & Goadrich's interpolation (or a Riemann sum with 'minoring'/'majoring').
 */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly multiLabel: boolean;
  readonly fromLogits: boolean;
  readonly thresholds: Float64Array;
  private counts: CurveCounts[] = [];
  constructor({ name, numThresholds = 200, curve = 'ROC', summationMethod = 'interpolation', multiLabel = false, fromLogits = false, ...rest }: AUCArgs = {}) {
    super(name ?? 'auc');
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`AUC: unknown option '${unknown[0]}'. Valid options are: curve, fromLogits, multiLabel, name, numThresholds, summationMethod`);
    if (!(Number.isInteger(numThresholds) && numThresholds > 1)) throw new Error(`AUC: numThresholds must be an integer > 1, got ${numThresholds}`);
    if (curve !== 'ROC' && curve !== 'PR') throw new Error(`AUC: curve must be 'ROC' or 'PR', got '${String(curve)}'`);
    if (!['interpolation', 'minoring', 'majoring'].includes(summationMethod)) {
      throw new Error(`AUC: summationMethod must be 'interpolation', 'minoring' or 'majoring', got '${String(summationMethod)}'`);
    }
    this.numThresholds = numThresholds; this.curve = curve; this.summationMethod = summationMethod;
    this.multiLabel = boolOption('AUC', 'multiLabel', multiLabel, false); this.fromLogits = boolOption('AUC', 'fromLogits', fromLogits, false);
    const eps = 1e-7, t = new Float64Array(numThresholds);
    t[0] = -eps;
    for (let i = 0; i < numThresholds - 2; i++) t[i + 1] = (i + 1) / (numThresholds - 1);
    t[numThresholds - 1] = 1 + eps;
    this.thresholds = t;
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkPair(this.name, yTrue, yPred, sampleWeight);
    const per = yPred.size / (yPred.shape[0] ?? 1);
    const labels = this.multiLabel ? (yPred.rank >= 2 ? yPred.shape[yPred.rank - 1] : 1) : 1;
    if (this.counts.length === 0) this.counts = Array.from({ length: labels }, () => new CurveCounts(this.numThresholds));
    if (this.counts.length !== labels) throw new Error(`${this.name}: y_pred has ${labels} labels, earlier batches had ${this.counts.length}`);
    for (let i = 0; i < yPred.size; i++) {
      const p = this.fromLogits ? sigmoid(yPred.data[i]) : yPred.data[i];
      const w = sampleWeightAt(sampleWeight, i, per, yPred.size);
      const actual = yTrue.data[i] !== 0; // Keras casts labels to bool
      const c = this.counts[labels === 1 ? 0 : i % labels];
      for (let k = 0; k < this.numThresholds; k++) {
        const predicted = p > this.thresholds[k];
        if (actual) { if (predicted) c.tp[k] += w; else c.fn[k] += w; }
        else if (predicted) c.fp[k] += w; else c.tn[k] += w;
      }
    }
  }
  private static interpolatedPr({ tp, fp, fn }: CurveCounts, n: number): number {
    let auc = 0;
    for (let i = 0; i < n - 1; i++) {
      const dtp = tp[i] - tp[i + 1];
      const p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1];
      const slope = divNoNan(dtp, Math.max(p0 - p1, 0));
      const intercept = tp[i + 1] - slope * p1;
      const ratio = p0 > 0 && p1 > 0 ? divNoNan(p0, Math.max(p1, 0)) : 1;
      auc += divNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
    }
    return auc;
  }
  private area(c: CurveCounts): number {
    const n = this.numThresholds;
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') return AUC.interpolatedPr(c, n);
    const { tp, fp, tn, fn } = c;
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (this.curve === 'ROC') { x[i] = divNoNan(fp[i], fp[i] + tn[i]); y[i] = divNoNan(tp[i], tp[i] + fn[i]); }
      else { x[i] = divNoNan(tp[i], tp[i] + fn[i]); y[i] = divNoNan(tp[i], tp[i] + fp[i]); }
    }
    let auc = 0;
    for (let i = 0; i < n - 1; i++) {
      const h = this.summationMethod === 'interpolation' ? (y[i] + y[i + 1]) / 2
        : this.summationMethod === 'minoring' ? Math.min(y[i], y[i + 1]) : Math.max(y[i], y[i + 1]);
      auc += (x[i] - x[i + 1]) * h;
    }
    return auc;
  }
  result(): number {
    if (this.counts.length === 0) return 0;
    return this.counts.reduce((s, c) => s + this.area(c), 0) / this.counts.length;
  }
  resetState(): void { this.counts = []; }
}

export interface F1ScoreArgs { name?: string; average?: null | 'micro' | 'macro' | 'weighted'; threshold?: number | null; beta?: number }

/**
 * Keras's FBetaScore with beta 1 (F1Score): per-class counts over the epoch. Without a threshold
 * each row's largest prediction is the one positive. average null gives one value per class,
 * logged as `<name>_<class>`.
 */
export class F1Score extends Metric {
  readonly average: null | 'micro' | 'macro' | 'weighted';
  readonly threshold: number | null;
  readonly beta: number;
  private tp?: Float64Array; private fp?: Float64Array; private fn?: Float64Array; private support?: Float64Array;
  constructor(args: F1ScoreArgs = {}, where = 'F1Score', defaultName = 'f1_score') {
    checkMetricOptions(where, args, ['name', 'average', 'threshold', 'beta']);
    const { name, average = null, threshold = null, beta = 1 } = args;
    super(name ?? defaultName);
    if (![null, 'micro', 'macro', 'weighted'].includes(average)) throw new Error(`${where}: average must be null, 'micro', 'macro' or 'weighted', got '${String(average)}'`);
    // Keras: 0 < threshold <= 1 (a threshold of 0 would call every nonnegative score positive).
    if (threshold !== null && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) throw new Error(`${where}: threshold must be null or in (0, 1], got ${String(threshold)}`);
    if (!(typeof beta === 'number' && beta > 0)) throw new Error(`${where}: beta must be a positive number, got ${String(beta)}`);
    this.average = average; this.threshold = threshold; this.beta = beta;
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    checkPair(this.name, yTrue, yPred, sampleWeight);
    if (yPred.rank !== 2) throw new Error(`${this.name}: y_pred must be [batch, classes], got ${formatShape(yPred.shape)}`);
    const [rows, cols] = yPred.shape;
    if (!this.tp) [this.tp, this.fp, this.fn, this.support] = [0, 1, 2, 3].map(() => new Float64Array(cols));
    if (this.tp.length !== cols) throw new Error(`${this.name}: y_pred has ${cols} classes, earlier batches had ${this.tp.length}`);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, yPred.data[r * cols + j]);
      for (let j = 0; j < cols; j++) {
        const w = sampleWeightAt(sampleWeight, r * cols + j, cols, rows * cols); // per row or per entry, as Keras multiplies
        const v = yPred.data[r * cols + j];
        // Without a threshold the row's maximum is positive, unless it is 0 (Keras: |max| > 1e-9).
        const p = this.threshold === null ? +(v === max && Math.abs(v) > 1e-9) : +(v > this.threshold);
        const t = yTrue.data[r * cols + j];
        this.tp[j] += w * p * t; this.fp![j] += w * p * (1 - t); this.fn![j] += w * (1 - p) * t; this.support![j] += w * t;
      }
    }
  }
  /** The score of each class (average null), or the one averaged value. */
  values(): number[] {
    if (!this.tp) return [];
    const b2 = this.beta * this.beta;
    const score = (tp: number, fp: number, fn: number): number => {
      const precision = divNoNan(tp, tp + fp), recall = divNoNan(tp, tp + fn);
      return divNoNan(precision * recall, b2 * precision + recall) * (1 + b2);
    };
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    if (this.average === 'micro') return [score(sum(this.tp), sum(this.fp!), sum(this.fn!))];
    const perClass = Array.from(this.tp, (tp, j) => score(tp, this.fp![j], this.fn![j]));
    if (this.average === null) return perClass;
    if (this.average === 'macro') return [perClass.reduce((a, b) => a + b, 0) / perClass.length];
    const total = sum(this.support!);
    return [perClass.reduce((a, f, j) => a + f * divNoNan(this.support![j], total), 0)];
  }
  result(): number {
    const v = this.values();
    if (this.average === null) throw new Error(`${this.name}: with average null the score is per class: read values() (the logs hold ${this.name}_0, ${this.name}_1, ...)`);
    return v[0] ?? 0;
  }
  override logs(): Record<string, number> {
    if (this.average !== null) return { [this.name]: this.result() };
    return Object.fromEntries(this.values().map((v, j) => [`${this.name}_${j}`, v]));
  }
  resetState(): void { this.tp = this.fp = this.fn = this.support = undefined; }
}

/** Keras's FBetaScore: F1Score's counts, precision and recall weighed by beta (default 1). */
export class FBetaScore extends F1Score {
  constructor(args: F1ScoreArgs = {}) { super(args, 'FBetaScore', 'fbeta_score'); }
}

export interface MeanIoUArgs { numClasses: number; name?: string; ignoreClass?: number | null; sparseYTrue?: boolean; sparseYPred?: boolean }

/** The mean over classes (that occur in labels or predictions) of TP / (TP + FP + FN). */
export class MeanIoU extends Metric {
  readonly numClasses: number;
  readonly ignoreClass: number | null;
  readonly sparseYTrue: boolean;
  readonly sparseYPred: boolean;
  private readonly matrix: Float64Array;
  constructor(args: MeanIoUArgs) {
    checkMetricOptions('MeanIoU', args, ['numClasses', 'name', 'ignoreClass', 'sparseYTrue', 'sparseYPred']);
    const { numClasses, name, ignoreClass = null, sparseYTrue = true, sparseYPred = true } = args ?? ({} as MeanIoUArgs);
    super(name ?? 'mean_iou');
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new Error(`MeanIoU: numClasses must be an integer >= 2, got ${numClasses}`);
    if (ignoreClass !== null && !Number.isInteger(ignoreClass)) throw new Error(`MeanIoU: ignoreClass must be an integer or null, got ${JSON.stringify(ignoreClass)}`);
    this.numClasses = numClasses; this.ignoreClass = ignoreClass;
    this.sparseYTrue = boolOption('MeanIoU', 'sparseYTrue', sparseYTrue, true); this.sparseYPred = boolOption('MeanIoU', 'sparseYPred', sparseYPred, true);
    this.matrix = new Float64Array(numClasses * numClasses);
  }
  private classes(t: Tensor, sparse: boolean, what: string): Int32Array {
    if (sparse) return Int32Array.from(t.data, Math.trunc);
    const cols = t.shape[t.rank - 1], rows = t.size / cols, out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < cols; j++) if (t.data[r * cols + j] > t.data[r * cols + best]) best = j;
      out[r] = best;
    }
    if (cols !== this.numClasses) throw new Error(`${this.name}: ${what} has ${cols} columns, numClasses is ${this.numClasses}`);
    return out;
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const t = this.classes(yTrue, this.sparseYTrue, 'y_true'), p = this.classes(yPred, this.sparseYPred, 'y_pred');
    if (t.length !== p.length) throw new Error(`${this.name}: ${t.length} labels for ${p.length} predictions`);
    const n = this.numClasses, batch = yTrue.shape[0] ?? 1;
    if (sampleWeight && ![1, batch, t.length].includes(sampleWeight.size)) {
      throw new Error(`${this.name}: sample_weight of shape ${formatShape(sampleWeight.shape)} does not fit ${t.length} labels: give one weight, one per sample (${batch}) or one per label`);
    }
    for (let i = 0; i < t.length; i++) {
      if (t[i] === this.ignoreClass) continue;
      if (t[i] < 0 || t[i] >= n || p[i] < 0 || p[i] >= n) throw new Error(`${this.name}: class ${t[i] < 0 || t[i] >= n ? t[i] : p[i]} is outside [0, ${n - 1}]`);
      this.matrix[t[i] * n + p[i]] += sampleWeightAt(sampleWeight, i, t.length / batch, t.length);
    }
  }
  result(): number {
    const n = this.numClasses;
    let sum = 0, valid = 0;
    for (let c = 0; c < n; c++) {
      let row = 0, col = 0;
      for (let k = 0; k < n; k++) { row += this.matrix[c * n + k]; col += this.matrix[k * n + c]; }
      const tp = this.matrix[c * n + c], denominator = row + col - tp;
      if (denominator !== 0) { valid++; sum += tp / denominator; }
    }
    return divNoNan(sum, valid);
  }
  resetState(): void { this.matrix.fill(0); }
}
