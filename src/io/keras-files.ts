// Keras files on disk (Node): paths, atomic writes, sharded weights next to their map.
// The formats themselves are in keras3.ts / keras2.ts and read and write bytes.
import { nodeBuiltin } from '../core/node-only.ts';
import { partialName, removeStalePartials } from './partials.ts';
import type { Model } from '../models/model.ts';
import { isHdf5 } from './hdf5.ts';
import { loadKerasModel, loadKerasWeights, saveKerasModel, saveKerasWeights } from './keras-bytes.ts';
import { applyWeightsTree, shardedWeightsTree, type LoadOptions, type WeightsLoadOptions } from './keras3.ts';

// Node's modules are reached when a function runs, not imported at the top, so that bundles
// for browsers (which have io/keras-bytes.ts for bytes) still build with this module in them.
const fs = () => nodeBuiltin('node:fs', 'Keras files on disk');
const nodePath = () => nodeBuiltin('node:path', 'Keras files on disk');

const stripScheme = (p: string): string => (p.startsWith('file://') ? p.slice('file://'.length) : p);

/** Which Keras format a path names by its extension, if any. */
export function kerasFormatOf(path: string): 'keras' | 'h5' | undefined {
  const p = stripScheme(path).toLowerCase();
  if (p.endsWith('.keras')) return 'keras';
  if (p.endsWith('.h5') || p.endsWith('.hdf5') || p.endsWith('.weights.json')) return 'h5';
  return undefined;
}

/**
 * Writes bytes so that a crash never leaves a broken file in place of a good one: a temporary
 * file in the same folder, fsync, rename over the target, fsync of the folder.
 */
export function writeAtomically(file: string, bytes: Uint8Array): void {
  const { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } = fs();
  const { basename, dirname, join } = nodePath();
  mkdirSync(dirname(file), { recursive: true }); // as save(dir) and Keras's ModelCheckpoint do
  removeStalePartials(dirname(file), (t) => t === basename(file)); // of saves killed before
  const tmp = join(dirname(file), partialName(basename(file)));
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dir = openSync(dirname(file), 'r');
    try { fsyncSync(dir); } finally { closeSync(dir); }
  } catch { /* some file systems cannot fsync a folder */ }
}

/** Whether a path is a file that starts as a .keras zip or an HDF5 file does (whatever its name). */
export async function isKerasFile(path: string): Promise<boolean> {
  const p = stripScheme(path);
  const { closeSync, openSync, readSync, statSync } = fs();
  try {
    if (!statSync(p).isFile()) return false;
    const fd = openSync(p, 'r');
    const head = new Uint8Array(8);
    try { readSync(fd, head, 0, 8, 0); } finally { closeSync(fd); }
    return (head[0] === 0x50 && head[1] === 0x4b) || isHdf5(head);
  } catch {
    return false;
  }
}

function read(path: string, what: string): Uint8Array {
  try { return fs().readFileSync(path); } catch (e) { throw new Error(`${what}: cannot read ${path} (${(e as Error).message})`); }
}

export async function saveKerasFile(model: Model, path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
  const p = stripScheme(path);
  const format = kerasFormatOf(p);
  if (/\.weights\.(h5|json)$/i.test(p)) {
    throw new Error(`save: '${p}' names a Keras weights-only file, which cannot hold a whole model. ` +
      `Name the model '${p.replace(/\.weights\.(h5|json)$/i, '.keras')}' (Keras 3) or '.h5' (Keras 2), or save the weights alone with model.saveWeights('${p}')`);
  }
  if (!format) throw new Error(`save: ${p} is not a Keras model file name: use .keras (Keras 3) or .h5 (Keras 2)`);
  writeAtomically(p, await saveKerasModel(model, format, options));
}

export async function loadKerasFile(path: string, options: LoadOptions = {}): Promise<Model> {
  const p = stripScheme(path);
  return loadKerasModel(read(p, 'loadModel'), p, options);
}

/** model.saveWeights: 'x.weights.h5' in Keras 3's layout, any other '.h5' in Keras 2's. */
export async function saveWeightsFile(model: Model, path: string): Promise<void> {
  const p = stripScheme(path), lower = p.toLowerCase();
  if (lower.endsWith('.weights.h5')) return writeAtomically(p, await saveKerasWeights(model, 'keras'));
  if (lower.endsWith('.h5') || lower.endsWith('.hdf5')) return writeAtomically(p, await saveKerasWeights(model, 'h5'));
  throw new Error(`saveWeights: ${p}: the file name must end in .weights.h5 (Keras 3) or .h5 (Keras 2)`);
}

/** model.loadWeights: a .weights.h5 / .h5 file, or a Keras 3 sharded map (.weights.json) with its shards beside it. */
export async function loadWeightsFile(model: Model, path: string, options: WeightsLoadOptions = {}): Promise<string[]> {
  const p = stripScheme(path);
  if (p.toLowerCase().endsWith('.json')) {
    if (options.byName) throw new Error(`loadWeights: ${p}: byName applies to Keras 2 .h5 weights`);
    const { dirname, join } = nodePath();
    const tree = await shardedWeightsTree(new TextDecoder().decode(read(p, 'loadWeights')), async (n) => read(join(dirname(p), n), `loadWeights ${p}`), p);
    return applyWeightsTree(model, tree, p, { skipMismatch: options.skipMismatch, optimizer: false });
  }
  return loadKerasWeights(model, read(p, 'loadWeights'), p, options);
}
