// The zoo's MobileNet-style predict with one of this lane's knobs off and on, alternating round
// by round in one process, medians per predict:
// CPU time (user + system of all threads; on one thread it leaves out other processes' slices)
// and wall time. A model-level A/B that the zoo's separate runs cannot resolve on a loaded machine.
//   node --import tsx bench/mobilenet-ab.ts [--knob sliding|pointwise-gemm|wide-tile|both] [--batch 256] [--threads 1] [--rounds 9] [--reps 2]
// Knobs: sliding (depthwiseTuning.sliding: the sliding depthwise interior, off: the grouped one);
// pointwise-gemm (pointwiseTuning.epilogueMinPixels 0, off: 4096: whether forwards with an
// epilogue below 4096 pixels, batch 1's, take the pointwise GEMM instead of the direct kernel);
// wide-tile (pointwiseTuning.wideTile: the GEMM's 2x16 tile, off: 6x8); both: sliding and wide-tile.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '9' }, reps: { type: 'string', default: '2' }, knob: { type: 'string', default: 'sliding' } } });
const batch = Number(values.batch), threads = Number(values.threads), rounds = Number(values.rounds), reps = Number(values.reps);
for (const [name, v] of [['batch', batch], ['threads', threads], ['rounds', rounds], ['reps', reps]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`mobilenet-ab: --${name} must be a positive integer, got '${values[name]}'`);
}
dt.setThreads(threads);
await dt.ready();
dt.setRandomSeed(1);
const entry = ZOO.mobilenet, model = entry.build(), x = syntheticBatch(entry, batch).x;
const KNOBS: Record<string, (on: boolean) => void> = {
  sliding: (on) => { depthwiseTuning.sliding = on; },
  'pointwise-gemm': (on) => { pointwiseTuning.epilogueMinPixels = on ? 0 : 4096; },
  'wide-tile': (on) => { pointwiseTuning.wideTile = on; },
  both: (on) => { depthwiseTuning.sliding = on; pointwiseTuning.wideTile = on; },
};
const set = KNOBS[values.knob!];
if (!set) throw new Error(`mobilenet-ab: --knob must be one of ${Object.keys(KNOBS).join(', ')}, got '${values.knob}'`);
const modes = { off: false, on: true };
for (const on of Object.values(modes)) {
  set(on);
  for (let i = 0; i < 5; i++) model.predict(x, { batchSize: batch }); // warm: trace, compile, V8 tiers up
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const times: Record<string, { cpu: number[]; wall: number[] }> = { off: { cpu: [], wall: [] }, on: { cpu: [], wall: [] } };
for (let r = 0; r < rounds; r++) {
  for (const mode of (r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as (keyof typeof modes)[]) {
    set(modes[mode]);
    const c = process.cpuUsage(), t = performance.now();
    for (let i = 0; i < reps; i++) model.predict(x, { batchSize: batch });
    const d = process.cpuUsage(c);
    times[mode].wall.push((performance.now() - t) / reps);
    times[mode].cpu.push((d.user + d.system) / 1000 / reps);
  }
}

const [g, s] = [times.off, times.on].map((m) => ({ cpu: median(m.cpu), wall: median(m.wall) }));
console.log(`mobilenet predict, knob ${values.knob}, batch ${batch}, ${threads} thread(s), median of ${rounds} alternating rounds of ${reps}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`off: ${g.cpu.toFixed(2)} ms CPU, ${g.wall.toFixed(2)} ms wall (${(batch * 1000 / g.wall).toFixed(0)} img/s)`);
console.log(`on:  ${s.cpu.toFixed(2)} ms CPU, ${s.wall.toFixed(2)} ms wall (${(batch * 1000 / s.wall).toFixed(0)} img/s)`);
console.log(`speed-up: ${(g.cpu / s.cpu).toFixed(3)}x CPU, ${(g.wall / s.wall).toFixed(3)}x wall`);
process.exit(0);
