// The body of a Dataset.map worker thread: imports the module once, then maps each element it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { decode, encode } from './worker-pool.ts';

const { module, exportName } = workerData as { module: string; exportName: string };
const loaded = import(module).then((m: Record<string, unknown>) => {
  const fn = m[exportName];
  if (typeof fn !== 'function') throw new Error(`${module} has no exported function '${exportName}' (exports: ${Object.keys(m).join(', ') || 'none'})`);
  return fn as (e: unknown) => unknown;
});

parentPort!.on('message', async ({ id, value }: { id: number; value: unknown }) => {
  try {
    const fn = await loaded;
    const result = await fn(decode(value));
    const transfer: ArrayBuffer[] = [];
    const encoded = encode(result, transfer);
    parentPort!.postMessage({ id, ok: true, value: encoded }, transfer);
  } catch (e) {
    parentPort!.postMessage({ id, ok: false, error: (e as Error).message ?? String(e) });
  }
});
