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
import { decodeWeights, encodeWeights, type WeightsGroup } from './weights.ts';
import { refuseKerasFileName } from '../models/file-names.ts';
import { resolveInside } from './safe-paths.ts';
import { verifyModelJson, verifyWeightsFile, withChecksums } from './checksums.ts';
import { partialName, removeStalePartials } from './partials.ts';
import { artifactsInfo, modelArtifacts, modelFromManifest, warnNonFinite, type SaveResult } from './artifacts.ts';

const MAX_JSON_BYTES = 256 * 2 ** 20;

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

export function saveModel(model: Model, path: string, { includeOptimizer = false }: SaveOptions = {}): SaveResult {
  refuseKerasFileName(path, 'save');
  const dir = stripScheme(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`save: ${dir} exists and is not a directory`);
  const artifacts = modelArtifacts(model, { includeOptimizer }); // first: a model no file can hold leaves nothing behind
  mkdirSync(dir, { recursive: true });
  const data = new Uint8Array(artifacts.weightData);
  const stamp = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const weightsFile = `weights-${stamp}.bin`;
  const json = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
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
  return { modelArtifactsInfo: artifactsInfo(artifacts) };
}

/**
 * Loads a model saved by deeptype or TensorFlow.js (model.json + weights, sharded or not).
 * Every check (topology, manifest, paths, file sizes, checksums, names, shapes) passes before a
 * model is returned; every error names the file.
 */
export function loadModel(path: string, options: { compile?: boolean } = {}): Model {
  let jsonPath = stripScheme(path);
  if (existsSync(jsonPath) && statSync(jsonPath).isDirectory()) jsonPath = join(jsonPath, 'model.json');
  try {
    return loadFrom(jsonPath, options);
  } catch (e) {
    // Errors from deeper down (a layer refusing its options) get the file's name too.
    if (e instanceof Error && !e.message.includes(jsonPath)) e.message = `loadModel ${jsonPath}: ${e.message}`;
    throw e;
  }
}

function loadFrom(jsonPath: string, options: { compile?: boolean }): Model {
  const where = `loadModel ${jsonPath}`;
  let text: string;
  try {
    const size = statSync(jsonPath).size;
    if (size > MAX_JSON_BYTES) throw new Error(`it is ${size} bytes, more than a model.json can sensibly be (${MAX_JSON_BYTES})`);
    text = readFileSync(jsonPath, 'utf8');
  } catch (e) { throw new Error(`loadModel: cannot read ${jsonPath} (${(e as Error).message})`); }
  let json: Record<string, unknown>;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`loadModel: ${jsonPath} is not valid JSON (${(e as Error).message})`); }
  const dir = dirname(jsonPath);
  const files: [string, string, Uint8Array][] = [];
  const read = (p: string): Uint8Array => {
    const file = resolveInside(dir, p, where);
    let bytes: Uint8Array;
    try { bytes = readFileSync(file); } catch (e) { throw new Error(`${where}: cannot read weights file ${file} (${(e as Error).message})`); }
    files.push([p, file, bytes]);
    return bytes;
  };
  // deeptype's own files carry checksums of model.json and of each weights file.
  const verify = (): void => {
    const checksums = verifyModelJson(json, where);
    for (const [p, file, bytes] of files) verifyWeightsFile(checksums, p, bytes, file);
  };
  return modelFromManifest({ json, read, verify }, where, options);
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
