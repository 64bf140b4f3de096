// A tuning knob's effect on zoo predicts, paired in one process (issue #15: on a shared machine
// only A/B in the same run means anything): one model per setting, each traced and compiled
// under its setting (a plan's prologue prepares weights in the form its choice reads), then
// rounds alternate between them (the knob set to each model's value before its calls: kernels
// choose at call time). Per setting: the fastest call, the median of the rounds' medians, and
// the median of the per-round ratios new / old; the largest relative difference of the outputs.
// Beside the wall times, CPU time per predict (user + system, all threads; on one thread it
// leaves out other processes' slices, so it is the figure to read on a loaded machine).
//   node --import tsx bench/latency-ab.ts --knob preparedTuning.sixteenOutputChannels --values false,true (several knobs: --knob A.x+B.y --values 1+false,2+true) [--models seed] [--threads 1] [--batch 1] [--rounds 15] [--reps 30]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { preparedTuning, winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import { preparedPacking, stemTuning } from '../src/backends/wasm/conv-kernels.ts';
import { spatialTuning } from '../src/backends/wasm/spatial.ts';
import { weightCacheTuning } from '../src/compile/prologue.ts';

const TUNING: Record<string, Record<string, unknown>> = { preparedTuning, winogradTuning, pointwiseTuning, depthwiseTuning, preparedPacking, spatialTuning, weightCacheTuning, stemTuning };
const { values } = parseArgs({ options: {
  knob: { type: 'string' }, values: { type: 'string', default: 'false,true' }, models: { type: 'string', default: 'seed' }, threads: { type: 'string', default: '1' },
  batch: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' }, reps: { type: 'string', default: '30' },
} });
// Several knobs flip together as one setting: --knob A.x+B.y --values 4096+false,0+true.
const knobs = (values.knob ?? '').split('+').map((name) => {
  const [objectName, key] = name.split('.');
  const target = TUNING[objectName];
  if (!target || !key || !(key in target)) throw new Error(`latency-ab: --knob must be OBJECT.KEY (several joined by +) of ${Object.keys(TUNING).join(', ')}, got '${name}'`);
  return { target, key };
});
const parse = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v);
const settings = values.values!.split(',').map((v) => v.split('+').map(parse));
if (settings.length !== 2 || settings.some((v) => v.length !== knobs.length)) throw new Error(`latency-ab: --values must be two settings (old,new) of ${knobs.length} value(s) each (joined by +), got '${values.values}'`);
const apply = (setting: unknown[]): void => knobs.forEach(({ target, key }, i) => { target[key] = setting[i]; });
const batch = Number(values.batch), rounds = Number(values.rounds), reps = Number(values.reps);
dt.setBackend('wasm');
dt.setThreads(Number(values.threads));
await dt.ready();
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const saved = knobs.map(({ target, key }) => target[key]);
console.log(`${values.knob} ${settings.map((v) => v.join('+')).join(' -> ')}, batch ${batch}, ${dt.getThreads()} thread(s), wall time per predict (us); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of values.models!.split(',')) {
  const entry = ZOO[name];
  if (!entry) throw new Error(`latency-ab: unknown model '${name}', expected one of ${Object.keys(ZOO).join(', ')}`);
  const x = syntheticBatch(entry, batch).x;
  const predict = (m: dt.models.Model): dt.Tensor => m.predict(x, { batchSize: batch }) as dt.Tensor;
  const runs = settings.map((setting) => {
    apply(setting);
    dt.setRandomSeed(1);
    const model = entry.build();
    for (let i = 0; i < 100; i++) predict(model); // traced, verified, past most of V8's warm-up (bench/latency-warmup.ts; both models run the same kernels' code)
    return { setting, model, out: Float32Array.from(predict(model).data) };
  });
  const fastest = [Infinity, Infinity], medians: number[][] = [[], []], cpu: number[][] = [[], []];
  const cpuUs = (): number => { const u = process.cpuUsage(); return u.user + u.system; };
  for (let r = 0; r < rounds; r++) {
    runs.forEach(({ setting, model }, i) => {
      apply(setting);
      for (let k = 0; k < 3; k++) predict(model);
      const times: number[] = [], c0 = cpuUs();
      for (let k = 0; k < reps; k++) { const t = performance.now(); predict(model); times.push((performance.now() - t) * 1000); }
      cpu[i].push((cpuUs() - c0) / reps);
      fastest[i] = Math.min(fastest[i], ...times);
      medians[i].push(median(times));
    });
  }
  apply(saved);
  const diff = runs[1].out.reduce((m, v, i) => Math.max(m, Math.abs(v - runs[0].out[i]) / Math.max(1, Math.abs(runs[0].out[i]))), 0);
  const ratio = median(medians[1].map((v, i) => v / medians[0][i])), cpuRatio = median(cpu[1].map((v, i) => v / cpu[0][i]));
  console.log(`${name.padEnd(12)} fastest ${fastest[0].toFixed(1)} / ${fastest[1].toFixed(1)}, median ${median(medians[0]).toFixed(1)} / ${median(medians[1]).toFixed(1)}, new / old ${ratio.toFixed(2)}x; CPU time ${median(cpu[0]).toFixed(1)} / ${median(cpu[1]).toFixed(1)}, new / old ${cpuRatio.toFixed(3)}x; outputs differ by ${diff.toExponential(1)}; load ${loadavg()[0].toFixed(2)}`);
}
process.exit(0);
