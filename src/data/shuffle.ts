// Dataset.shuffle's buffer, on elements or (for fromTensorSlices) on row numbers: the same draws
// give the same order either way.
import type { Random } from '../core/random.ts';

/** Elements travel between pipeline stages in arrays of up to this many (one await per chunk). */
export const CHUNK = 64;

/** 0..n-1 in chunks. */
export function* rowNumbers(n: number): Generator<number[]> {
  for (let i = 0; i < n; i += CHUNK) yield Array.from({ length: Math.min(CHUNK, n - i) }, (_, k) => i + k);
}

/** A shuffle buffer over chunks (sync or async): each new item takes a random slot's place; the rest leave in random order at the end. */
export function shuffled<E>(chunks: Iterable<E[]>, bufferSize: number, rng: Random): Generator<E[]>;
export function shuffled<E>(chunks: AsyncIterable<E[]>, bufferSize: number, rng: Random): AsyncGenerator<E[]>;
export function shuffled<E>(chunks: Iterable<E[]> | AsyncIterable<E[]>, bufferSize: number, rng: Random): Generator<E[]> | AsyncGenerator<E[]> {
  const buffer: E[] = [];
  const take = (chunk: E[]): E[] => {
    const out: E[] = [];
    for (const e of chunk) {
      if (buffer.length < bufferSize) { buffer.push(e); continue; }
      const j = rng.int(bufferSize);
      out.push(buffer[j]);
      buffer[j] = e;
    }
    return out;
  };
  function* drain(): Generator<E[]> {
    while (buffer.length > 0) {
      const out: E[] = [];
      while (buffer.length > 0 && out.length < CHUNK) {
        const j = rng.int(buffer.length);
        out.push(buffer[j]);
        buffer[j] = buffer[buffer.length - 1];
        buffer.pop();
      }
      yield out;
    }
  }
  if (Symbol.asyncIterator in chunks) {
    return (async function* () {
      for await (const chunk of chunks) { const out = take(chunk); if (out.length) yield out; }
      yield* drain();
    })();
  }
  return (function* () {
    for (const chunk of chunks) { const out = take(chunk); if (out.length) yield out; }
    yield* drain();
  })();
}

