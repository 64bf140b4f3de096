// HDF5 files as plain trees, through h5wasm (the HDF5 C library compiled to WebAssembly, which
// reads and writes; the pure-JS readers (jsfive) cannot write). Bytes in, bytes out: files go
// through h5wasm's in-memory file system, so this module runs in Node and in browsers alike.
import type { Dataset as H5wasmDataset, Group as H5wasmGroup, File as H5wasmFile } from 'h5wasm';

/** An attribute or dataset value as deeptype keeps it. */
export type H5Value = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array | string | string[] | number;
export interface H5Dataset { kind: 'dataset'; shape: number[]; value: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array; attrs: Record<string, H5Value> }
export interface H5Group { kind: 'group'; attrs: Record<string, H5Value>; children: Map<string, H5Group | H5Dataset> }

export const group = (attrs: Record<string, H5Value> = {}): H5Group => ({ kind: 'group', attrs, children: new Map() });
export const dataset = (value: H5Dataset['value'], shape: number[], attrs: Record<string, H5Value> = {}): H5Dataset => ({ kind: 'dataset', shape, value, attrs });

/** The group at a '/'-separated path, created (with its parents) when `create` is set. */
export function groupAt(root: H5Group, path: string, create = false): H5Group | undefined {
  let g = root;
  for (const part of path.split('/').filter(Boolean)) {
    let next = g.children.get(part);
    if (!next && create) g.children.set(part, (next = group()));
    if (!next || next.kind !== 'group') return undefined;
    g = next;
  }
  return g;
}

export function nodeAt(root: H5Group, path: string): H5Group | H5Dataset | undefined {
  const parts = path.split('/').filter(Boolean);
  const last = parts.pop();
  const parent = groupAt(root, parts.join('/'));
  return last === undefined ? root : parent?.children.get(last);
}

// Loaded on first use: HDF5 in WebAssembly is ~5 MB of JavaScript, which models that never
// touch a Keras file (and the browser bundle's main chunk) do without.
type H5wasm = typeof import('h5wasm').default;
let h5wasm: H5wasm;
let module: Awaited<H5wasm['ready']> | undefined;
let fileCount = 0;
async function ready(): Promise<NonNullable<typeof module>> {
  if (!module) {
    try {
      h5wasm = (await import('h5wasm')).default;
    } catch (e) {
      throw new Error(`Keras .keras/.h5 files need the optional package h5wasm (HDF5 in WebAssembly): npm install h5wasm@0.10.3 (${(e as Error).message})`);
    }
    module = await h5wasm.ready;
    // HDF5's errors as thrown Errors, not HDF5-DIAG traces on the console.
    module.activate_throwing_error_handler();
  }
  return module;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const isHdf5 = (bytes: Uint8Array): boolean => HDF5_SIGNATURE.every((b, i) => bytes[i] === b);

/** The innermost reason in an HDF5 error trace ("truncated file: eof = 3457, ..."). */
function hdf5Reason(msg: string): string {
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => /\(\): /.test(l));
  const last = lines.length > 0 ? lines[lines.length - 1] : msg;
  return last.replace(/^.*\(\): /, '').slice(0, 300);
}

/** What a dataset holds, or why deeptype cannot hold it. */
function readDataset(d: H5wasmDataset, where: string): H5Dataset {
  const m = d.metadata;
  const shape = d.shape ?? [];
  const kind = m.type === 1 ? `float${m.size * 8}` : m.type === 0 ? `${m.signed ? 'int' : 'uint'}${m.size * 8}` : m.type === 3 ? 'string' : `HDF5 type class ${m.type}`;
  const supported = ['float32', 'float64', 'int32', 'int64', 'uint8'];
  if (!supported.includes(kind) || m.vlen) {
    throw new Error(`${where}: dataset ${d.path} holds ${kind} values, which deeptype cannot hold (it reads ${supported.join(', ')})`);
  }
  // h5wasm gives a scalar dataset's value as a number or bigint: keep it as a one-element array.
  const v = d.value as H5Dataset['value'] | number | bigint;
  const value = typeof v === 'bigint' ? BigInt64Array.of(v)
    : typeof v === 'number' ? (kind === 'float32' ? Float32Array.of(v) : kind === 'float64' ? Float64Array.of(v) : kind === 'uint8' ? Uint8Array.of(v) : Int32Array.of(v))
      : v;
  if (!ArrayBuffer.isView(value)) throw new Error(`${where}: dataset ${d.path} could not be read`);
  return dataset(value, shape, readAttrs(d, where));
}

function readAttrs(o: H5wasmGroup | H5wasmDataset, where: string): Record<string, H5Value> {
  const out: Record<string, H5Value> = {};
  for (const [name, a] of Object.entries(o.attrs)) {
    const v = a.value;
    if (typeof v === 'string' || typeof v === 'number') out[name] = v;
    else if (typeof v === 'bigint') out[name] = Number(v);
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) out[name] = v as string[];
    else if (ArrayBuffer.isView(v)) out[name] = (v as Float64Array).length === 0 ? [] : v as H5Value;
    else if (v === null && a.shape?.length === 1 && a.shape[0] === 0) out[name] = [];
    else throw new Error(`${where}: attribute '${name}' of ${o.path} has a form deeptype does not read`);
  }
  return out;
}

function readGroup(g: H5wasmGroup, where: string): H5Group {
  const out = group(readAttrs(g, where));
  for (const name of g.keys()) {
    const child = g.get(name);
    if (child instanceof h5wasm.Dataset) out.children.set(name, readDataset(child, where));
    else if (child instanceof h5wasm.Group) out.children.set(name, readGroup(child, where));
    else throw new Error(`${where}: ${g.path === '/' ? '' : g.path}/${name} is a link or type deeptype does not read`);
  }
  return out;
}

/** Reads a whole HDF5 file. `where` (the file's name) starts every error. */
export async function readH5(bytes: Uint8Array, where: string): Promise<H5Group> {
  if (!isHdf5(bytes)) throw new Error(`${where}: not an HDF5 file (it does not start with HDF5's signature)`);
  const { FS } = await ready();
  const name = `/deeptype-read-${fileCount++}.h5`;
  FS.writeFile(name, bytes);
  let file: H5wasmFile | undefined;
  try {
    file = new h5wasm.File(name, 'r');
    if (!file.file_id || file.file_id < 0n) throw new Error('cannot open');
    return readGroup(file, where);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(where) ? msg : `${where}: the HDF5 file is damaged or truncated (HDF5: ${hdf5Reason(msg)})`);
  } finally {
    try { file?.close(); } catch { /* already failed */ }
    FS.unlink(name);
  }
}

const DTYPES: [new (...a: never[]) => unknown, string][] = [
  [Float32Array, '<f'], [Float64Array, '<d'], [Int32Array, '<i'], [Uint8Array, '|u1'], [BigInt64Array, '<q'],
];

function writeAttrs(o: H5wasmGroup | H5wasmDataset, attrs: Record<string, H5Value>): void {
  for (const [name, v] of Object.entries(attrs)) {
    // An empty list (a layer without weights) is written as h5py writes it: an empty float64 array.
    if (Array.isArray(v) && v.length === 0) o.create_attribute(name, new Float64Array(0), [0], '<d');
    else o.create_attribute(name, v as never);
  }
}

function writeGroup(target: H5wasmGroup, g: H5Group): void {
  writeAttrs(target, g.attrs);
  for (const [name, child] of g.children) {
    if (child.kind === 'group') {
      writeGroup(target.create_group(name), child);
    } else {
      const dtype = DTYPES.find(([c]) => child.value instanceof c)![1];
      const d = target.create_dataset({ name, data: child.value, shape: child.shape, dtype });
      writeAttrs(d, child.attrs);
    }
  }
}

/** The bytes of an HDF5 file holding this tree. */
export async function writeH5(root: H5Group): Promise<Uint8Array> {
  const { FS } = await ready();
  const name = `/deeptype-write-${fileCount++}.h5`;
  const file = new h5wasm.File(name, 'w');
  try {
    writeGroup(file, root);
  } finally {
    file.close();
  }
  const bytes = FS.readFile(name);
  FS.unlink(name);
  return bytes;
}
