// BatchNormalization's training kernels inside a zoo model's compiled training step (their
// inputs as the step leaves them in the caches, not warm as in bench/kernels-membound.ts), with
// a normTrainTuning knob A/B: steps alternate between the settings, each BN kernel call timed by
// CPU time (one thread; --threads 2: wall clock), the median per setting of the step's BN total
// and of the whole step.
//   node --import tsx bench/membound-step.ts --model mobilenet --knob walkChannels=32,0 [--steps 12] [--threads 2]
// A plan fusion's knob (bnStats: compile/fusions-bn-stats.ts, the statistics in the convolution)
// is fixed when a plan is built: --knob bnStats=true,false builds one model per setting (same
// seed, same batch) and alternates their steps; the convolutions are timed as well.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import { normTrainTuning } from '../src/backends/wasm/norm-train.ts';
import { bnStatsTuning } from '../src/compile/fusions-bn-stats.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'mobilenet' }, knob: { type: 'string' }, steps: { type: 'string', default: '12' }, threads: { type: 'string', default: '1' } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`membound-step: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
const [knob, list] = (values.knob ?? '').split('=');
const planKnob = knob === 'bnStats';
if (!knob || !list || !(planKnob || knob in normTrainTuning)) throw new Error(`membound-step: --knob NAME=V1,V2 with NAME one of bnStats, ${Object.keys(normTrainTuning).join(', ')}, got '${values.knob}'`);
const tuning = (planKnob ? { bnStats: true } : normTrainTuning) as Record<string, number | boolean>;
const settings = list.split(',').map((v) => (typeof tuning[knob] === 'boolean' ? v === 'true' : Number(v)));
dt.setBackend('wasm');
const threads = Number(values.threads);
if (threads !== 1 && threads !== 2) throw new Error(`membound-step: --threads must be 1 or 2, got '${values.threads}'`);
dt.setThreads(threads);
await dt.ready();
const buildModel = (): dt.models.Model => {
  dt.setRandomSeed(1);
  const m = entry.build();
  m.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
  return m;
};
// One model for a kernel knob; one per setting for a plan knob (its plan built under it).
const modelsBySetting = planKnob ? settings.map(() => buildModel()) : [];
const single = planKnob ? null : buildModel();
const modelFor = (k: number): dt.models.Model => single ?? modelsBySetting[k];
const { x, y } = syntheticBatch(entry, entry.batchSize);
const cpuMs = threads === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
const BN = ['batchNorm', 'batchNormGrad', 'batchNormActivation', 'batchNormActivationGrad', 'batchNormResidualActivation'], CONV = ['conv2d', 'conv2dBatchStats'];
let bnMs = 0, gradMs = 0, convMs = 0;
for (const k of [...BN, ...CONV]) {
  const f = b[k];
  b[k] = (...args: unknown[]) => { const t = cpuMs(); try { return f.apply(b, args); } finally { const ms = cpuMs() - t; if (CONV.includes(k)) convMs += ms; else bnMs += ms; if (k.endsWith('Grad')) gradMs += ms; } };
}
settings.forEach((s, k) => { tuning[knob] = s; bnStatsTuning.enabled = planKnob ? s as boolean : true; for (let i = 0; i < 2; i++) modelFor(k).trainStep(x, y); });
const bn = settings.map(() => [] as number[]), grad = settings.map(() => [] as number[]), step = settings.map(() => [] as number[]), conv = settings.map(() => [] as number[]), forward = settings.map(() => [] as number[]);
for (let i = 0; i < Number(values.steps); i++) {
  settings.forEach((s, k) => {
    tuning[knob] = s;
    bnStatsTuning.enabled = planKnob ? s as boolean : true;
    bnMs = 0; gradMs = 0; convMs = 0;
    const t = cpuMs();
    modelFor(k).trainStep(x, y);
    step[k].push(cpuMs() - t);
    bn[k].push(bnMs);
    conv[k].push(convMs);
    forward[k].push(convMs + bnMs - gradMs);
    grad[k].push(gradMs);
  });
}
bnStatsTuning.enabled = true;
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1];
console.log(`${values.model}, ${threads === 1 ? '1 thread, CPU time' : '2 threads, wall clock'}, ${values.steps} alternating steps per setting; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
settings.forEach((s, k) => console.log(`  ${knob}=${s}: BN kernels ${median(bn[k]).toFixed(2)} ms per step (gradients ${median(grad[k]).toFixed(2)}), forward convolutions ${median(conv[k]).toFixed(2)} (with the BN forwards ${median(forward[k]).toFixed(2)}), step ${median(step[k]).toFixed(1)} ms`));
process.exit(0);
