// model.save(dir) and loadModel(dir): TensorFlow.js's Layers format on disk. A directory holds
// model.json and the weights file(s) it names.
//
// Saving never leaves a half-written model in place of a good one: the new weights go to a
// file of a new name, then model.json is replaced in one rename, and only then are the old
// weights removed. A crash at any point leaves either the old model or the new one.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Model } from '../models/model.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { modelFromKeras, modelToKeras } from './keras-config.ts';
import { decodeWeights, encodeWeights, type NamedTensor, type WeightsGroup } from './weights.ts';
import { optimizerFromConfig, optimizerToConfig } from '../training/optimizers.ts';
import { refuseKerasFileName } from '../models/file-names.ts';
import { withWeightBudget } from '../layers/layer.ts';
import { jsonDepth, resolveInside } from './safe-paths.ts';
import { verifyModelJson, verifyWeightsFile, withChecksums } from './checksums.ts';
import { partialName, removeStalePartials } from './partials.ts';

const MAX_JSON_BYTES = 256 * 2 ** 20;
const MAX_JSON_DEPTH = 100;
import { getLoss, lossToConfig, type LossConfig } from '../training/losses.ts';

export interface SaveOptions {
  /** Also save the optimizer's state (step count, moments), so that fit can resume exactly. */
  includeOptimizer?: boolean;
}

const stripScheme = (p: string): string => (p.startsWith('file://') ? p.slice('file://'.length) : p);

/** The weight files saveModel and saveWeights name (weights-<time>-<random>.bin). */
const STAMPED_WEIGHTS = /^weights-[0-9a-z]+-[0-9a-f]{6}\.bin$/;

function writeDurably(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The weight files an existing model.json names (to remove once it is replaced). */
function previousWeightFiles(jsonPath: string): string[] {
  try {
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { weightsManifest?: WeightsGroup[] };
    return (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []).filter((p) => basename(p) === p);
  } catch {
    return [];
  }
}

/** compile()'s arguments as model.json keeps them: one loss (and metric list) per output name when there are several. */
function trainingConfig(model: Model, optimizer: NonNullable<Model['optimizer']>): Record<string, unknown> {
  const heads = model.heads;
  const unprefixed = (h: (typeof heads)[number]) => h.metrics.map((m) => (heads.length > 1 ? m.name.slice(h.name.length + 1) : m.name));
  return heads.length > 1 ? {
    loss: Object.fromEntries(heads.map((h) => [h.name, lossToConfig(h.loss)])),
    metrics: Object.fromEntries(heads.map((h) => [h.name, unprefixed(h)])),
    loss_weights: Object.fromEntries(heads.map((h) => [h.name, h.weight])),
    optimizer_config: optimizerToConfig(optimizer),
  } : { loss: lossToConfig(heads[0].loss), metrics: unprefixed(heads[0]), optimizer_config: optimizerToConfig(optimizer) };
}

export function saveModel(model: Model, path: string, { includeOptimizer = false }: SaveOptions = {}): void {
  refuseKerasFileName(path, 'save');
  const dir = stripScheme(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`save: ${dir} exists and is not a directory`);
  const topology = modelToKeras(model); // first: a model no file can hold leaves nothing behind
  mkdirSync(dir, { recursive: true });
  const named: NamedTensor[] = model.weights.map((w) => ({ name: w.name, tensor: w }));
  if (includeOptimizer) {
    const { optimizer } = model.compiled('save with includeOptimizer');
    named.push(...optimizer.getWeights(model.trainableWeights).map((w) => ({ ...w, group: 'optimizer' })));
  }
  const { specs, data } = encodeWeights(named);
  const stamp = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const weightsFile = `weights-${stamp}.bin`;
  const json = {
    modelTopology: { ...topology, keras_version: 'deeptype 0.1.0', backend: 'deeptype' },
    weightsManifest: [{ paths: [weightsFile], weights: specs }],
    format: 'layers-model',
    generatedBy: 'deeptype 0.1.0',
    convertedBy: null,
    ...(model.loss && model.optimizer ? { trainingConfig: trainingConfig(model, model.optimizer) } : {}),
  };
  const jsonPath = join(dir, 'model.json');
  const old = previousWeightFiles(jsonPath);
  removeStalePartials(dir, (t) => t === 'model.json' || STAMPED_WEIGHTS.test(t)); // of saves killed before
  const weightsPartial = join(dir, partialName(weightsFile)), jsonPartial = join(dir, partialName('model.json'));
  writeDurably(weightsPartial, data);
  renameSync(weightsPartial, join(dir, weightsFile));
  writeDurably(jsonPartial, withChecksums(json, { [weightsFile]: data }));
  renameSync(jsonPartial, jsonPath);
  for (const f of old) if (f !== weightsFile) rmSync(join(dir, f), { force: true });
}

/**
 * Loads a model saved by deeptype or TensorFlow.js (model.json + weights, sharded or not).
 * Every check (topology, manifest, paths, file sizes, checksums, names, shapes) passes before a
 * model is returned; every error names the file.
 */
export function loadModel(path: string): Model {
  let jsonPath = stripScheme(path);
  if (existsSync(jsonPath) && statSync(jsonPath).isDirectory()) jsonPath = join(jsonPath, 'model.json');
  try {
    return loadFrom(jsonPath);
  } catch (e) {
    // Errors from deeper down (a layer refusing its options) get the file's name too.
    if (e instanceof Error && !e.message.includes(jsonPath)) e.message = `loadModel ${jsonPath}: ${e.message}`;
    throw e;
  }
}

function loadFrom(jsonPath: string): Model {
  const where = `loadModel ${jsonPath}`;
  let text: string;
  try {
    const size = statSync(jsonPath).size;
    if (size > MAX_JSON_BYTES) throw new Error(`it is ${size} bytes, more than a model.json can sensibly be (${MAX_JSON_BYTES})`);
    text = readFileSync(jsonPath, 'utf8');
  } catch (e) { throw new Error(`loadModel: cannot read ${jsonPath} (${(e as Error).message})`); }
  let json: Record<string, unknown>;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`); }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !json.modelTopology) {
    throw new Error(`loadModel: ${jsonPath} is not a model: it has no modelTopology`);
  }
  const depth = jsonDepth(json, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) throw new Error(`${where}: the JSON nests more than ${MAX_JSON_DEPTH} levels deep, which no model does`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`loadModel: ${jsonPath} is a '${String(json.format)}' model; deeptype reads the 'layers-model' format`);
  }
  // Weight shapes by name (the manifest is checked in full by decodeWeights below; here only what parses).
  const specs = (Array.isArray(json.weightsManifest) ? json.weightsManifest : []).flatMap((g: unknown) => {
    const ws = (g as { weights?: unknown } | null)?.weights;
    return Array.isArray(ws) ? ws : [];
  });
  const manifestShapes = new Map<string, number[]>(specs.filter((w): w is { name: string; shape: number[] } =>
    typeof w?.name === 'string' && Array.isArray(w?.shape)).map((w) => [w.name, w.shape]));
  const dir = dirname(jsonPath);
  const files: [string, string, Uint8Array][] = [];
  const values = decodeWeights(json.weightsManifest ?? [], (p) => {
    const file = resolveInside(dir, p, where);
    let bytes: Uint8Array;
    try { bytes = readFileSync(file); } catch (e) { throw new Error(`${where}: cannot read weights file ${file} (${(e as Error).message})`); }
    files.push([p, file, bytes]);
    return bytes;
  }, where);
  const total = [...values.values()].reduce((n, t) => n + t.size, 0);
  const model = withWeightBudget(total, where, () => modelFromKeras(json.modelTopology, manifestShapes));

  // Match the model's weights by name (as TensorFlow.js does), all of them, shapes checked.
  const pending: [Tensor, Tensor][] = [];
  for (const w of model.weights) {
    const v = values.get(w.name);
    if (!v) throw new Error(`${where}: no values for weight ${w.name} (the file has ${[...values.keys()].slice(0, 8).join(', ')}...)`);
    if (!shapesEqual(v.shape, w.shape)) throw new Error(`${where}: weight ${w.name} has shape ${formatShape(v.shape)} in the file, the model expects ${formatShape(w.shape)}`);
    if (v.dtype !== w.dtype) throw new Error(`${where}: weight ${w.name} is ${v.dtype} in the file, the model expects ${w.dtype}`);
    pending.push([w, v]);
    values.delete(w.name);
  }
  const training = json.trainingConfig as { loss?: string | LossConfig | Record<string, string | LossConfig>; metrics?: unknown; loss_weights?: Record<string, number>; optimizer_config?: unknown } | undefined;
  if (training?.loss && training.optimizer_config) {
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : []);
    const metrics = Array.isArray(training.metrics) || training.metrics == null ? strings(training.metrics)
      : Object.fromEntries(Object.entries(training.metrics as Record<string, unknown>).map(([k, v]) => [k, strings(v)]));
    // One loss (a name or a {class_name, config}), or one per output keyed by output name.
    const perOutput = typeof training.loss === 'object' && !('class_name' in training.loss);
    const loss = perOutput
      ? Object.fromEntries(Object.entries(training.loss as Record<string, string | LossConfig>).map(([k, v]) => [k, getLoss(v)]))
      : getLoss(training.loss as string | LossConfig);
    model.compile({ loss, optimizer: optimizerFromConfig(training.optimizer_config, where), metrics,
      ...(training.loss_weights && typeof training.loss_weights === 'object' ? { lossWeights: training.loss_weights } : {}) });
  }
  // What is left is optimizer state (iter, <weight>/<slot>); anything else belongs to another model.
  const names = model.weights.map((w) => w.name);
  const stray = [...values.keys()].filter((k) => k !== 'iter' && !names.some((n) => k.startsWith(`${n}/`)));
  if (stray.length > 0) throw new Error(`${where}: weight ${stray[0]} in the file matches no weight of the model`);
  if (values.has('iter') && model.optimizer) model.optimizer.setWeights(values, model.trainableWeights, where);
  // Last, what the structure cannot show: a changed byte (deeptype's own files carry checksums).
  const checksums = verifyModelJson(json, where);
  for (const [p, file, bytes] of files) verifyWeightsFile(checksums, p, bytes, file);
  warnNonFinite(pending, where);
  for (const [w, v] of pending) (w as { data: Float32Array }).data.set(v.data);
  return model;
}

/**
 * model.saveWeights(dir): only the weights, as weights.json (a TF.js weightsManifest) and one
 * .bin file, both replaced atomically. Loads back by weight name into a model of the same shape.
 */
export function saveWeights(model: Model, path: string): void {
  const dir = stripScheme(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`saveWeights: ${dir} exists and is not a directory`);
  mkdirSync(dir, { recursive: true });
  const { specs, data } = encodeWeights(model.weights.map((w) => ({ name: w.name, tensor: w })));
  const stamp = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const weightsFile = `weights-${stamp}.bin`;
  const jsonPath = join(dir, 'weights.json');
  const old = previousWeightFiles(jsonPath);
  removeStalePartials(dir, (t) => t === 'weights.json' || STAMPED_WEIGHTS.test(t)); // of saves killed before
  const weightsPartial = join(dir, partialName(weightsFile)), jsonPartial = join(dir, partialName('weights.json'));
  writeDurably(weightsPartial, data);
  renameSync(weightsPartial, join(dir, weightsFile));
  writeDurably(jsonPartial, JSON.stringify({ weightsManifest: [{ paths: [weightsFile], weights: specs }] }));
  renameSync(jsonPartial, jsonPath);
  for (const f of old) if (f !== weightsFile) rmSync(join(dir, f), { force: true });
}

export function loadWeights(model: Model, path: string): void {
  let jsonPath = stripScheme(path);
  if (existsSync(jsonPath) && statSync(jsonPath).isDirectory()) jsonPath = join(jsonPath, existsSync(join(jsonPath, 'weights.json')) ? 'weights.json' : 'model.json');
  let json: { weightsManifest?: unknown };
  try { json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { weightsManifest?: unknown }; } catch (e) { throw new Error(`loadWeights: cannot read ${jsonPath} (${(e as Error).message})`); }
  const dir = dirname(jsonPath);
  const values = decodeWeights(json.weightsManifest ?? [], (p) => readFileSync(join(dir, p)), `loadWeights ${jsonPath}`);
  if (model.weights.length === 0) throw new Error(`loadWeights: model "${model.name}" has no weights yet: build it first (call it on data, or give it an Input)`);
  const pending: [Tensor, Tensor][] = [];
  for (const w of model.weights) {
    const v = values.get(w.name);
    if (!v) throw new Error(`loadWeights ${jsonPath}: no values for weight ${w.name} (the file has ${[...values.keys()].slice(0, 8).join(', ')})`);
    if (!shapesEqual(v.shape, w.shape)) throw new Error(`loadWeights ${jsonPath}: weight ${w.name} has shape ${formatShape(v.shape)} in the file, the model expects ${formatShape(w.shape)}`);
    pending.push([w, v]);
  }
  warnNonFinite(pending, `loadWeights ${jsonPath}`);
  for (const [w, v] of pending) (w as { data: Float32Array }).data.set(v.data);
}

/**
 * NaN or infinite weights load (as in Keras: a diverged checkpoint is still worth looking at),
 * but never silently: one warning names the file, the weights and the count.
 */
function countNonFinite(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

function warnNonFinite(pending: [Tensor, Tensor][], where: string): void {
  const bad = pending.map(([w, v]) => [w, countNonFinite(v.data)] as const).filter(([, n]) => n > 0);
  if (bad.length === 0) return;
  const list = bad.slice(0, 4).map(([w, n]) => `${(w as { name?: string }).name} (${n} of ${w.size})`).join(', ');
  console.warn(`Warning: ${where}: ${bad.length} weight(s) hold NaN or infinite values: ${list}${bad.length > 4 ? ', ...' : ''}. ` +
    'The model loads, but its outputs will be NaN: it was probably saved after training diverged.');
}
