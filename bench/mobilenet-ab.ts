// The zoo's MobileNet-style predict with this lane's depthwise interior on and off
// (depthwiseTuning.sliding), alternating round by round in one process, medians per predict:
// CPU time (user + system of all threads; on one thread it leaves out other processes' slices)
// and wall time. A model-level A/B that the zoo's separate runs cannot resolve on a loaded machine.
//   node --import tsx bench/mobilenet-ab.ts [--batch 256] [--threads 1] [--rounds 9] [--reps 2]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '2' } } });
const batch = Number(values.batch), threads = Number(values.threads), rounds = Number(values.rounds), reps = Number(values.reps);
for (const [name, v] of [['batch', batch], ['threads', threads], ['rounds', rounds], ['reps', reps]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`mobilenet-ab: --${name} must be a positive integer, got '${values[name]}'`);
}
dt.setThreads(threads);
await dt.ready();
dt.setRandomSeed(1);
const entry = ZOO.mobilenet, model = entry.build(), x = syntheticBatch(entry, batch).x;
const modes = { grouped: false, sliding: true };
for (const on of Object.values(modes)) {
  depthwiseTuning.sliding = on;
  for (let i = 0; i < 5; i++) model.predict(x, { batchSize: batch }); // warm: trace, compile, V8 tiers up
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const times: Record<string, { cpu: number[]; wall: number[] }> = { grouped: { cpu: [], wall: [] }, sliding: { cpu: [], wall: [] } };
for (let r = 0; r < rounds; r++) {
  for (const mode of (r % 2 === 0 ? ['grouped', 'sliding'] : ['sliding', 'grouped']) as (keyof typeof modes)[]) {
    depthwiseTuning.sliding = modes[mode];
    const c = process.cpuUsage(), t = performance.now();
    for (let i = 0; i < reps; i++) model.predict(x, { batchSize: batch });
    const d = process.cpuUsage(c);
    times[mode].wall.push((performance.now() - t) / reps);
    times[mode].cpu.push((d.user + d.system) / 1000 / reps);
  }
}
depthwiseTuning.sliding = true;
const [g, s] = [times.grouped, times.sliding].map((m) => ({ cpu: median(m.cpu), wall: median(m.wall) }));
console.log(`mobilenet predict, batch ${batch}, ${threads} thread(s), median of ${rounds} alternating rounds of ${reps}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`grouped: ${g.cpu.toFixed(2)} ms CPU, ${g.wall.toFixed(2)} ms wall (${(batch * 1000 / g.wall).toFixed(0)} img/s)`);
console.log(`sliding: ${s.cpu.toFixed(2)} ms CPU, ${s.wall.toFixed(2)} ms wall (${(batch * 1000 / s.wall).toFixed(0)} img/s)`);
console.log(`speed-up: ${(g.cpu / s.cpu).toFixed(3)}x CPU, ${(g.wall / s.wall).toFixed(3)}x wall`);
process.exit(0);
