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
import type { Sequential } from '../models/sequential.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { modelFromKeras, modelToKeras } from './keras-config.ts';
import { decodeWeights, encodeWeights, type NamedTensor, type WeightsGroup } from './weights.ts';
import { optimizerFromConfig, optimizerToConfig } from '../training/optimizers.ts';
import { getLoss, lossToConfig, type LossConfig } from '../training/losses.ts';

export interface SaveOptions {
  /** Also save the optimizer's state (step count, moments), so that fit can resume exactly. */
  includeOptimizer?: boolean;
}

const stripScheme = (p: string): string => (p.startsWith('file://') ? p.slice('file://'.length) : p);

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

export function saveModel(model: Model, path: string, { includeOptimizer = false }: SaveOptions = {}): void {
  const dir = stripScheme(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`save: ${dir} exists and is not a directory`);
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
    modelTopology: { ...modelToKeras(model), keras_version: 'deeptype 0.1.0', backend: 'deeptype' },
    weightsManifest: [{ paths: [weightsFile], weights: specs }],
    format: 'layers-model',
    generatedBy: 'deeptype 0.1.0',
    convertedBy: null,
    ...(model.loss && model.optimizer ? {
      trainingConfig: {
        loss: lossToConfig(model.loss),
        metrics: model.metrics.map((m) => m.name),
        optimizer_config: optimizerToConfig(model.optimizer),
      },
    } : {}),
  };
  const jsonPath = join(dir, 'model.json');
  const old = previousWeightFiles(jsonPath);
  writeDurably(join(dir, `${weightsFile}.partial`), data);
  renameSync(join(dir, `${weightsFile}.partial`), join(dir, weightsFile));
  writeDurably(join(dir, `model.json.${stamp}.partial`), JSON.stringify(json));
  renameSync(join(dir, `model.json.${stamp}.partial`), jsonPath);
  for (const f of old) if (f !== weightsFile) rmSync(join(dir, f), { force: true });
}

/**
 * Loads a model saved by deeptype or TensorFlow.js (model.json + weights, sharded or not).
 * Every check (topology, manifest, file sizes, names, shapes) passes before a model is returned.
 */
export function loadModel(path: string): Sequential {
  let jsonPath = stripScheme(path);
  if (existsSync(jsonPath) && statSync(jsonPath).isDirectory()) jsonPath = join(jsonPath, 'model.json');
  let text: string;
  try { text = readFileSync(jsonPath, 'utf8'); } catch (e) { throw new Error(`loadModel: cannot read ${jsonPath} (${(e as Error).message})`); }
  let json: Record<string, unknown>;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`); }
  if (typeof json !== 'object' || json === null || !json.modelTopology) {
    throw new Error(`loadModel: ${jsonPath} is not a model: it has no modelTopology`);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`loadModel: ${jsonPath} is a '${String(json.format)}' model; deeptype reads the 'layers-model' format`);
  }
  const model = modelFromKeras(json.modelTopology);
  const dir = dirname(jsonPath);
  const values = decodeWeights(json.weightsManifest ?? [], (p) => {
    try { return readFileSync(join(dir, p)); } catch (e) { throw new Error(`loadModel: cannot read weights file ${join(dir, p)} (${(e as Error).message})`); }
  }, `loadModel ${jsonPath}`);

  // Match the model's weights by name (as TensorFlow.js does), all of them, shapes checked.
  const pending: [Tensor, Tensor][] = [];
  for (const w of model.weights) {
    const v = values.get(w.name);
    if (!v) throw new Error(`loadModel ${jsonPath}: no values for weight ${w.name} (the file has ${[...values.keys()].slice(0, 8).join(', ')}...)`);
    if (!shapesEqual(v.shape, w.shape)) throw new Error(`loadModel ${jsonPath}: weight ${w.name} has shape ${formatShape(v.shape)} in the file, the model expects ${formatShape(w.shape)}`);
    pending.push([w, v]);
    values.delete(w.name);
  }
  const training = json.trainingConfig as { loss?: string | LossConfig; metrics?: unknown; optimizer_config?: unknown } | undefined;
  if (training?.loss && training.optimizer_config) {
    const metrics = Array.isArray(training.metrics) ? training.metrics.filter((m): m is string => typeof m === 'string') : [];
    model.compile({ loss: getLoss(training.loss), optimizer: optimizerFromConfig(training.optimizer_config, `loadModel ${jsonPath}`), metrics });
  }
  // What is left is optimizer state (iter, <weight>/<slot>); anything else belongs to another model.
  const names = model.weights.map((w) => w.name);
  const stray = [...values.keys()].filter((k) => k !== 'iter' && !names.some((n) => k.startsWith(`${n}/`)));
  if (stray.length > 0) throw new Error(`loadModel ${jsonPath}: weight ${stray[0]} in the file matches no weight of the model`);
  if (values.has('iter') && model.optimizer) model.optimizer.setWeights(values, model.trainableWeights, `loadModel ${jsonPath}`);
  for (const [w, v] of pending) (w as { data: Float32Array }).data.set(v.data);
  return model;
}
