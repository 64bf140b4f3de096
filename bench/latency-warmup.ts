// How far a fresh process's batch-1 predicts are from steady state (issue #15: bench/zoo-deeptype.ts
// times predicts 6-55 after two batch-256 predicts, ORT's are steady from its first call): the
// zoo's protocol, then blocks of `block` predicts one after another, each block's median wall
// time and its CPU time per predict (user + system of all threads: V8 compiling hot JS and wasm
// functions on background threads counts). A first block well above the later ones means the
// zoo's figure includes the warm-up.
//   node --import tsx bench/latency-warmup.ts [--model mobilenet] [--threads 1] [--blocks 9] [--block 50]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'mobilenet' }, threads: { type: 'string', default: '1' }, blocks: { type: 'string', default: '9' }, block: { type: 'string', default: '50' } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`latency-warmup: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
const blocks = Number(values.blocks), size = Number(values.block);
for (const [name, v] of [['blocks', blocks], ['block', size]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`latency-warmup: --${name} must be a positive integer, got '${values[name]}'`);
}
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
dt.setRandomSeed(1);
const model = entry.build();
const xi = syntheticBatch(entry, 256).x, x1 = xi.index([0, 1]);
for (let i = 0; i < 2; i++) model.predict(xi, { batchSize: 256 }); // as the zoo: traced, verified
for (let i = 0; i < 5; i++) model.predict(x1);
const block = (): string => {
  const wall: number[] = [], cpu = process.cpuUsage();
  for (let i = 0; i < size; i++) { const t = performance.now(); model.predict(x1); wall.push(performance.now() - t); }
  const d = process.cpuUsage(cpu);
  return `${[...wall].sort((a, b) => a - b)[size >> 1].toFixed(3)} / ${((d.user + d.system) / 1000 / size).toFixed(3)}`;
};
console.log(`${values.model} batch 1, ${dt.getThreads()} thread(s): ms per predict, median wall / CPU time, blocks of ${size} from the zoo's 6th predict on; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(Array.from({ length: blocks }, block).join(' | '));
process.exit(0);
