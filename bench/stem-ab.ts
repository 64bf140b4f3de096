// A/B of a flag on whole predict steps, in one process: two copies of a zoo model (same
// weights), one planned and run with the flag off and one with it on, in alternating rounds.
//   node --import tsx bench/stem-ab.ts [--knob argmax|quads] [--models seed,convnet,autoencoder] [--batch 1] [--threads 1] [--rounds 7] [--runs 20]
// argmax: compile/fusions.ts#poolFusionTuning.dropUnreadArgmax (a conv2dMaxPool at inference
// writes no argmax); quads: wasm/conv-kernels.ts#stemTuning.oneFilterQuads (one-output-channel
// convolutions four outputs at a time). CPU time per step on one thread, else wall.
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { poolFusionTuning } from '../src/compile/fusions.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';

const { values } = parseArgs({ options: { knob: { type: 'string', default: 'argmax' }, models: { type: 'string', default: 'seed,convnet,autoencoder' }, batch: { type: 'string', default: '1' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, runs: { type: 'string', default: '20' } } });
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
const KNOBS: Record<string, (on: boolean) => void> = {
  argmax: (on) => { poolFusionTuning.dropUnreadArgmax = on; }, quads: (on) => { stemTuning.oneFilterQuads = on; },
};
const setKnob = KNOBS[values.knob!];
if (!setKnob) throw new Error(`stem-ab: unknown --knob '${values.knob}', expected one of ${Object.keys(KNOBS).join(', ')}`);
const batch = Number(values.batch), rounds = Number(values.rounds), runs = Number(values.runs);
const clock = dt.getThreads() === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : (): number => performance.now();
const median = (v: number[]): number => [...v].sort((a, c) => a - c)[Math.floor(v.length / 2)];
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`stem-ab: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  const { x } = syntheticBatch(entry, batch);
  const planned = (flag: boolean): dt.models.Model => {
    setKnob(flag);
    dt.setRandomSeed(1);
    const m = entry.build();
    for (let i = 0; i < 10; i++) m.predictStep(x); // the plan is built (with this flag) on the first call
    return m;
  };
  const [off, on] = [planned(false), planned(true)];
  const output = (m: dt.models.Model, flag: boolean): Float32Array => { setKnob(flag); return m.predictStep(x)[0].dataSync() as Float32Array; };
  const [ya, yb] = [output(off, false), output(on, true)];
  const same = ya.length === yb.length && ya.every((v, i) => v === yb[i]);
  const time = (m: dt.models.Model, flag: boolean): number => { setKnob(flag); const t = clock(); for (let i = 0; i < runs; i++) m.predictStep(x); return (clock() - t) / runs; };
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < rounds; r++) { a.push(time(off, false)); b.push(time(on, true)); }
  setKnob(true);
  console.log(`${name} batch ${batch}, ${dt.getThreads()} thread(s): off ${median(a).toFixed(3)} ms | on ${median(b).toFixed(3)} ms | speed ${(median(a) / median(b)).toFixed(2)}x | outputs ${same ? 'bit-identical' : 'differ (rounding: another summation order)'}`);
}
process.exit(0);
