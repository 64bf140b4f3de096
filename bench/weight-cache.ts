// Weight work cached between predicts (compile/prologue.ts) on and off, side by side in one
// process: two copies of each zoo model with the same weights, one traced with the cache off
// (every predict redoes the BN fold and the kernel transforms, and 'auto' picks as without
// prepared weights), one with it on; their predicts alternate in rounds, CPU time per predict
// (one thread: other processes' time left out), median over rounds, and the median of the
// per-round ratios off / on.
// (--wall: wall time instead, for two threads, where CPU time sums both).
//   node --import tsx bench/weight-cache.ts [--models vgg,resnet20] [--batch 1] [--threads 1] [--rounds 15] [--reps 20] [--wall]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { weightCacheTuning } from '../src/compile/prologue.ts';

const { values } = parseArgs({ options: { models: { type: 'string', default: Object.keys(ZOO).join(',') }, batch: { type: 'string', default: '1' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' }, reps: { type: 'string', default: '20' }, wall: { type: 'boolean', default: false } } });
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
const cpuMs = values.wall ? (): number => performance.now() : (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`wasm, ${dt.getThreads()} thread(s), batch ${batch}: ${values.wall ? 'wall' : 'CPU'} ms per predict, cache off | on | off / on (median of per-round ratios)`);
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`weight-cache: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  dt.setRandomSeed(1);
  const off = entry.build(), on = entry.build();
  on.setWeights(off.getWeights());
  const x = syntheticBatch(entry, batch).x;
  weightCacheTuning.enabled = false;
  const warm = batch > 16 ? 3 : 30;
  for (let i = 0; i < warm; i++) off.predict(x, { batchSize: batch });
  weightCacheTuning.enabled = true;
  for (let i = 0; i < warm; i++) on.predict(x, { batchSize: batch });
  const time = (m: typeof on): number => { const t = cpuMs(); for (let i = 0; i < reps; i++) m.predict(x, { batchSize: batch }); return (cpuMs() - t) / reps; };
  const offMs: number[] = [], onMs: number[] = [];
  for (let r = 0; r < rounds; r++) { offMs.push(time(off)); onMs.push(time(on)); }
  const ratio = median(offMs.map((v, r) => v / onMs[r]));
  console.log(`${name.padEnd(12)} ${median(offMs).toFixed(3)} | ${median(onMs).toFixed(3)} | ${ratio.toFixed(2)}x`);
}
process.exit(0);
