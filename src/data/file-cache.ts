// Dataset.cache(filename): the first complete iteration writes every element to a file (written
// as filename.partial, renamed when the iteration ends, so an interrupted run leaves no cache);
// later iterations, and later runs of the program, read the file instead of the upstream.
// A record is: u32 length of a JSON header (the element's structure, each tensor's dtype and
// shape), the header, then each tensor's bytes in order.
import { allocArray, type DType } from '../core/dtype.ts';
import { Tensor } from '../core/tensor.ts';
import { type Element, isPlainObject } from './element.ts';
import type { Dataset } from './dataset.ts';
import { nodeBuiltin } from '../core/node-only.ts';

const fs = (): typeof import('node:fs') => nodeBuiltin('node:fs', 'Dataset.cache(filename)');

type Header = { t: DType; s: number[] } | { v: number | string | boolean } | Header[] | { o: Record<string, Header> };

function describeElement(e: Element, blobs: Uint8Array[]): Header {
  if (e instanceof Tensor) {
    blobs.push(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    return { t: e.dtype, s: e.shape };
  }
  if (Array.isArray(e)) return e.map((x) => describeElement(x, blobs));
  if (isPlainObject(e)) return { o: Object.fromEntries(Object.entries(e).map(([k, x]) => [k, describeElement(x as Element, blobs)])) };
  return { v: e as number };
}

function rebuild(h: Header, take: (dtype: DType, count: number) => Tensor['data']): Element {
  if (Array.isArray(h)) return h.map((x) => rebuild(x, take));
  if ('o' in h) return Object.fromEntries(Object.entries(h.o).map(([k, x]) => [k, rebuild(x, take)]));
  if ('v' in h) return h.v;
  return new Tensor(take(h.t, h.s.reduce((a, b) => a * b, 1)), h.s);
}

export async function* fileCache(upstream: Dataset<Element>, filename: string): AsyncGenerator<Element> {
  const { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } = fs();
  if (existsSync(filename)) { yield* readCache(filename); return; }
  const partial = `${filename}.partial`;
  const fd = openSync(partial, 'w');
  let complete = false;
  try {
    for await (const e of upstream) {
      const blobs: Uint8Array[] = [];
      const header = Buffer.from(JSON.stringify(describeElement(e, blobs)));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(header.length);
      writeSync(fd, length); writeSync(fd, header);
      for (const b of blobs) writeSync(fd, b);
      yield e;
    }
    complete = true;
  } finally {
    closeSync(fd);
    if (complete) renameSync(partial, filename); else rmSync(partial, { force: true });
  }
}

function* readCache(filename: string): Generator<Element> {
  const { closeSync, openSync, readSync } = fs();
  const fd = openSync(filename, 'r');
  try {
    let position = 0;
    const read = (n: number): Buffer => {
      const b = Buffer.alloc(n);
      const got = readSync(fd, b, 0, n, position);
      if (got !== n) throw new Error(`Dataset.cache: ${filename} is truncated at byte ${position} (wanted ${n} bytes, got ${got}); delete it to rebuild the cache`);
      position += n;
      return b;
    };
    for (;;) {
      const len = Buffer.alloc(4);
      if (readSync(fd, len, 0, 4, position) === 0) return;
      position += 4;
      let header: Header;
      try { header = JSON.parse(read(len.readUInt32LE(0)).toString('utf8')) as Header; } catch (e) {
        throw new Error(`Dataset.cache: ${filename} is not a deeptype cache file or is damaged (${(e as Error).message}); delete it to rebuild the cache`);
      }
      yield rebuild(header, (dtype, count) => {
        const out = allocArray(dtype, count);
        const bytes = read(out.byteLength);
        new Uint8Array(out.buffer).set(bytes);
        return out;
      });
    }
  } finally { closeSync(fd); }
}
