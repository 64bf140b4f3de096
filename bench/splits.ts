// How every kernel call of a zoo model's predict is split between threads (issue #15: two
// threads >= 1.8x one): per backend call, each parallel job's kernel, items, chunk size and
// items per thread. Deterministic (the planned split), so it needs no quiet machine.
//   node --import tsx bench/splits.ts [--model resnet20|all] [--threads 2] [--batch 1] [--all-jobs]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend, noGrad } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { recordSplits, threadsUsed } from '../src/backends/wasm/split-recorder.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'all' }, threads: { type: 'string', default: '2' }, batch: { type: 'string', default: '1' } } });
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
const names = values.model === 'all' ? Object.keys(ZOO) : [values.model!];
for (const name of names) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`splits: unknown --model '${name}', expected all or one of ${Object.keys(ZOO).join(', ')}`);
  dt.setRandomSeed(1);
  const model = entry.build(), batch = Number(values.batch);
  const x = syntheticBatch(entry, batch).x;
  for (let i = 0; i < 3; i++) noGrad(() => model.predictStep(x)); // traced and compiled: the calls below are the plan's replay
  const calls = recordSplits(backend() as WasmBackend, () => noGrad(() => model.predictStep(x)));
  let single = 0;
  console.log(`${name} batch ${batch}, threads ${values.threads}: ${calls.length} calls`);
  for (const c of calls) {
    const jobs = c.jobs.map((j) => `${j.kernel} ${j.total}/${j.chunk}=${j.chunks} [${j.perThread.join(' ')}]`);
    if (c.jobs.every((j) => threadsUsed(j) < 2)) single++;
    console.log(`  ${c.call.padEnd(44)} ${jobs.join('; ') || '(no parallel job)'}`);
  }
  console.log(`  -> ${single} of ${calls.length} calls on one thread only`);
}
process.exit(0);
