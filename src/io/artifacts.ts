// A model as TensorFlow.js's ModelArtifacts: its topology (JSON), its weight specs and one
// buffer of weight bytes, with no files. Every IO handler (io/handlers.ts: local storage,
// IndexedDB, HTTP, downloads, memory) saves and loads these; model-files.ts writes the same
// thing as a directory. No node: imports here: browsers load it too.
import type { Model } from '../models/model.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { modelFromKeras, modelToKeras } from './keras-config.ts';
import { decodeWeights, encodeWeights, type NamedTensor, type WeightSpec, type WeightsGroup } from './weights.ts';
import { optimizerFromConfig, optimizerToConfig } from '../training/optimizers.ts';
import { getLoss, lossToConfig, type LossConfig } from '../training/losses.ts';
import { withWeightBudget } from '../layers/layer.ts';

export const GENERATED_BY = 'deeptype 0.1.0';
const MAX_JSON_DEPTH = 100;

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

export interface ModelArtifacts {
  modelTopology?: object;
  weightSpecs?: WeightSpec[];
  /** One buffer, or TF.js 4's list of buffers read back to back. */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: object;
  userDefinedMetadata?: object;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  /** The server's responses, for io.http. */
  responses?: Response[];
}

/** Where a model goes or comes from, as TF.js's tf.io.IOHandler: save, load, or both. */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
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

/** The model's artifacts: topology, weights (and with includeOptimizer the optimizer's state, as group 'optimizer'), training config. */
export function modelArtifacts(model: Model, { includeOptimizer = false }: { includeOptimizer?: boolean } = {}): ModelArtifacts & { weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const topology = modelToKeras(model); // first: a model no file can hold leaves nothing behind
  const named: NamedTensor[] = model.weights.map((w) => ({ name: w.name, tensor: w }));
  if (includeOptimizer) {
    const { optimizer } = model.compiled('save with includeOptimizer');
    named.push(...optimizer.getWeights(model.trainableWeights).map((w) => ({ ...w, group: 'optimizer' })));
  }
  const { specs, data } = encodeWeights(named);
  return {
    modelTopology: { ...topology, keras_version: GENERATED_BY, backend: 'deeptype' },
    weightSpecs: specs,
    weightData: data.buffer as ArrayBuffer,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    ...(model.loss && model.optimizer ? { trainingConfig: trainingConfig(model, model.optimizer) } : {}),
  };
}

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** TF.js's ModelArtifactsInfo of artifacts (sizes of the JSON parts as UTF-8, of the weights in bytes). */
export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology == null ? 0 : utf8Bytes(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs == null ? 0 : utf8Bytes(JSON.stringify(a.weightSpecs)),
    weightDataBytes: joinWeightData(a.weightData).byteLength,
  };
}

/** TF.js 4 may hand weights as a list of buffers; they are read back to back. */
export function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array<ArrayBuffer> {
  if (data == null) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of data) { out.set(new Uint8Array(b), at); at += b.byteLength; }
  return out;
}

/** The nesting depth of a parsed JSON value, without recursion (a hostile file may nest 10^6 deep). */
export function jsonDepth(root: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export interface ManifestSource {
  /** model.json's content: modelTopology, weightsManifest, format, trainingConfig. */
  json: Record<string, unknown>;
  /** A shard's bytes by its manifest path. */
  read(path: string): Uint8Array;
  /** Checks run last, once everything else passed (model.json's checksums for files). */
  verify?(): void;
}

/**
 * The model a model.json and its weights describe. Every check (topology, manifest, sizes,
 * names, shapes, dtypes) passes before a model is returned; every error starts with `where`.
 */
export function modelFromManifest({ json, read, verify }: ManifestSource, where: string, { compile = true }: { compile?: boolean } = {}): Model {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !json.modelTopology) {
    throw new Error(`${where} is not a model: it has no modelTopology`);
  }
  if (jsonDepth(json, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new Error(`${where}: the JSON nests more than ${MAX_JSON_DEPTH} levels deep, which no model does`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`${where} is a '${String(json.format)}' model; deeptype reads the 'layers-model' format`);
  }
  // Weight shapes by name (the manifest is checked in full by decodeWeights below; here only what parses).
  const specs = (Array.isArray(json.weightsManifest) ? json.weightsManifest : []).flatMap((g: unknown) => {
    const ws = (g as { weights?: unknown } | null)?.weights;
    return Array.isArray(ws) ? ws : [];
  });
  const manifestShapes = new Map<string, number[]>(specs.filter((w): w is { name: string; shape: number[] } =>
    typeof w?.name === 'string' && Array.isArray(w?.shape)).map((w) => [w.name, w.shape]));
  const values = decodeWeights(json.weightsManifest ?? [], read, where);
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
  if (compile) compileFromConfig(model, json.trainingConfig, where);
  // What is left is optimizer state (iter, <weight>/<slot>); anything else belongs to another model.
  const names = model.weights.map((w) => w.name);
  const stray = [...values.keys()].filter((k) => k !== 'iter' && !names.some((n) => k.startsWith(`${n}/`)));
  if (stray.length > 0) throw new Error(`${where}: weight ${stray[0]} in the file matches no weight of the model`);
  if (values.has('iter') && model.optimizer) model.optimizer.setWeights(values, model.trainableWeights, where);
  verify?.(); // last, what the structure cannot show: a changed byte
  warnNonFinite(pending, where);
  for (const [w, v] of pending) (w as { data: Float32Array }).data.set(v.data);
  return model;
}

type TrainingConfig = { loss?: string | LossConfig | Record<string, string | LossConfig>; metrics?: unknown; loss_weights?: Record<string, number>; optimizer_config?: unknown };

/** compile() from a saved training config (one loss, or one per output name), when it has a loss and an optimizer. */
function compileFromConfig(model: Model, config: unknown, where: string): void {
  const training = config as TrainingConfig | undefined;
  if (!training?.loss || !training.optimizer_config) return;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : []);
  const metrics = Array.isArray(training.metrics) || training.metrics == null ? strings(training.metrics)
    : Object.fromEntries(Object.entries(training.metrics as Record<string, unknown>).map(([k, v]) => [k, strings(v)]));
  const perOutput = typeof training.loss === 'object' && !('class_name' in training.loss);
  const loss = perOutput
    ? Object.fromEntries(Object.entries(training.loss as Record<string, string | LossConfig>).map(([k, v]) => [k, getLoss(v)]))
    : getLoss(training.loss as string | LossConfig);
  model.compile({ loss, optimizer: optimizerFromConfig(training.optimizer_config, where), metrics,
    ...(training.loss_weights && typeof training.loss_weights === 'object' ? { lossWeights: training.loss_weights } : {}) });
}

/** The model of artifacts from any handler (TF.js's or deeptype's), checked as a model.json is. */
export function modelFromArtifacts(a: ModelArtifacts, where: string, options: { compile?: boolean } = {}): Model {
  if (typeof a !== 'object' || a === null) throw new Error(`${where}: expected model artifacts ({modelTopology, weightSpecs, weightData}), got ${a === null ? 'null' : typeof a}`);
  if (a.modelTopology == null) throw new Error(`${where}: the artifacts have no modelTopology`);
  if (a.modelTopology instanceof ArrayBuffer) throw new Error(`${where}: the topology is binary (a TF.js graph model); deeptype loads layers models, whose topology is JSON`);
  const data = joinWeightData(a.weightData);
  const weightsManifest: WeightsGroup[] = a.weightSpecs == null ? [] : [{ paths: ['weightData'], weights: a.weightSpecs }];
  return modelFromManifest({ json: { modelTopology: a.modelTopology, weightsManifest, format: a.format, trainingConfig: a.trainingConfig }, read: () => data }, where, options);
}

/**
 * NaN or infinite weights load (as in Keras: a diverged checkpoint is still worth looking at),
 * but never silently: one warning names the file, the weights and the count.
 */
export function warnNonFinite(pending: [Tensor, Tensor][], where: string): void {
  const countNonFinite = (a: ArrayLike<number>): number => {
    let n = 0;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
    return n;
  };
  const bad = pending.map(([w, v]) => [w, countNonFinite(v.data)] as const).filter(([, n]) => n > 0);
  if (bad.length === 0) return;
  const list = bad.slice(0, 4).map(([w, n]) => `${(w as { name?: string }).name} (${n} of ${w.size})`).join(', ');
  console.warn(`Warning: ${where}: ${bad.length} weight(s) hold NaN or infinite values: ${list}${bad.length > 4 ? ', ...' : ''}. ` +
    'The model loads, but its outputs will be NaN: it was probably saved after training diverged.');
}
