// A/B of a flag on whole predict steps, in one process: two copies of a zoo model (same
// weights), one planned and run with the flag off and one with it on, in alternating rounds.
//   node --import tsx bench/stem-ab.ts [--knob argmax|quads|none] [--first off|on] [--models seed,convnet,autoencoder] [--batch 1] [--threads 1] [--rounds 7] [--runs 20]
// argmax: compile/fusions.ts#poolFusionTuning.dropUnreadArgmax (a conv2dMaxPool at inference
// writes no argmax); quads: wasm/conv-kernels.ts#stemTuning.oneFilterQuads (one-output-channel
// convolutions four outputs at a time). CPU time per step on one thread, else wall.
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { poolFusionTuning } from '../src/compile/fusions.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';

const { values } = parseArgs({ options: { knob: { type: 'string', default: 'argmax' }, first: { type: 'string', default: 'off' }, models: { type: 'string', default: 'seed,convnet,autoencoder' }, batch: { type: 'string', default: '1' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, runs: { type: 'string', default: '20' } } });
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
const KNOBS: Record<string, (on: boolean) => void> = {
  argmax: (on) => { poolFusionTuning.dropUnreadArgmax = on; }, quads: (on) => { stemTuning.oneFilterQuads = on; },
  none: () => {}, // A/A: the bench's own bias between its two copies
};
const setKnob = KNOBS[values.knob!];
if (!setKnob) throw new Error(`stem-ab: unknown --knob '${values.knob}', expected one of ${Object.keys(KNOBS).join(', ')}`);
if (values.first !== 'on' && values.first !== 'off') throw new Error(`stem-ab: --first must be on or off, got '${values.first}'`);
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
  // --first: which copy is built first (an A/A check, --knob none, timed the later-built copy of
  // the autoencoder 10-20% slower; run both orders and take the geometric mean of the two speeds).
  const [off, on] = values.first === 'on' ? (() => { const b = planned(true); return [planned(false), b]; })() : [planned(false), planned(true)];
  const output = (m: dt.models.Model, flag: boolean): Float32Array => { setKnob(flag); return m.predictStep(x)[0].dataSync() as Float32Array; };
  const [ya, yb] = [output(off, false), output(on, true)];
  const same = ya.length === yb.length && ya.every((v, i) => v === yb[i]);
  // One untimed call first: the plans share the workspace, so the first run after the other
  // copy's replays its prologue and copies its constants in again.
  const time = (m: dt.models.Model, flag: boolean): number => { setKnob(flag); m.predictStep(x); const t = clock(); for (let i = 0; i < runs; i++) m.predictStep(x); return (clock() - t) / runs; };
  const a: number[] = [], b: number[] = [];
  // Which copy goes first alternates between rounds (the second one ran ~10% slower in an A/A check otherwise).
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) { a.push(time(off, false)); b.push(time(on, true)); } else { b.push(time(on, true)); a.push(time(off, false)); }
  }
  setKnob(true);
  console.log(`${name} batch ${batch}, ${dt.getThreads()} thread(s): off ${median(a).toFixed(3)} ms | on ${median(b).toFixed(3)} ms | speed ${(median(a) / median(b)).toFixed(2)}x | outputs ${same ? 'bit-identical' : 'differ (rounding: another summation order)'}`);
}
process.exit(0);
