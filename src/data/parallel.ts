// Dataset.map's parallel calls: several in flight, results in input order.

/** Runs fn on up to `parallel` elements at once, yielding results in input order. */
export async function* orderedParallel<T, U>(upstream: AsyncIterable<T>, fn: (e: T) => U | Promise<U>, parallel: number): AsyncGenerator<U[]> {
  const it = upstream[Symbol.asyncIterator]();
  const inFlight: Promise<U>[] = [];
  let done = false;
  try {
    for (;;) {
      while (!done && inFlight.length < parallel) {
        const r = await it.next();
        if (r.done) { done = true; break; }
        const p = Promise.resolve().then(() => fn(r.value));
        p.catch(() => {}); // awaited below in order; this only stops an unhandled-rejection report
        inFlight.push(p);
      }
      if (inFlight.length === 0) return;
      yield [await inFlight.shift()!];
    }
  } finally {
    await Promise.allSettled(inFlight);
    await it.return?.();
  }
}
