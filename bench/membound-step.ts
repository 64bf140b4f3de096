// BatchNormalization's training kernels inside a zoo model's compiled training step (their
// inputs as the step leaves them in the caches, not warm as in bench/kernels-membound.ts), with
// a normTrainTuning knob A/B: steps alternate between the settings, each BN kernel call timed by
// CPU time (one thread; --threads 2: wall clock), the median per setting of the step's BN total
// and of the whole step.
//   node --import tsx bench/membound-step.ts --model mobilenet --knob walkChannels=32,0 [--steps 12] [--threads 2]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
import { normTrainTuning } from '../src/backends/wasm/norm-train.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'mobilenet' }, knob: { type: 'string' }, steps: { type: 'string', default: '12' }, threads: { type: 'string', default: '1' } } });
const entry = ZOO[values.model!];
if (!entry) throw new Error(`membound-step: unknown --model '${values.model}', expected one of ${Object.keys(ZOO).join(', ')}`);
const [knob, list] = (values.knob ?? '').split('=');
if (!knob || !list || !(knob in normTrainTuning)) throw new Error(`membound-step: --knob NAME=V1,V2 with NAME one of ${Object.keys(normTrainTuning).join(', ')}, got '${values.knob}'`);
const tuning = normTrainTuning as Record<string, number | boolean>;
const settings = list.split(',').map((v) => (typeof tuning[knob] === 'boolean' ? v === 'true' : Number(v)));
dt.setBackend('wasm');
const threads = Number(values.threads);
if (threads !== 1 && threads !== 2) throw new Error(`membound-step: --threads must be 1 or 2, got '${values.threads}'`);
dt.setThreads(threads);
await dt.ready();
dt.setRandomSeed(1);
const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
const cpuMs = threads === 1 ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
const BN = ['batchNorm', 'batchNormGrad', 'batchNormActivation', 'batchNormActivationGrad', 'batchNormResidualActivation'];
let bnMs = 0, gradMs = 0;
for (const k of BN) {
  const f = b[k];
  b[k] = (...args: unknown[]) => { const t = cpuMs(); try { return f.apply(b, args); } finally { const ms = cpuMs() - t; bnMs += ms; if (k.endsWith('Grad')) gradMs += ms; } };
}
for (const s of settings) { tuning[knob] = s; for (let i = 0; i < 2; i++) model.trainStep(x, y); }
const bn = settings.map(() => [] as number[]), grad = settings.map(() => [] as number[]), step = settings.map(() => [] as number[]);
for (let i = 0; i < Number(values.steps); i++) {
  settings.forEach((s, k) => {
    tuning[knob] = s;
    bnMs = 0; gradMs = 0;
    const t = cpuMs();
    model.trainStep(x, y);
    step[k].push(cpuMs() - t);
    bn[k].push(bnMs);
    grad[k].push(gradMs);
  });
}
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1];
console.log(`${values.model}, ${threads === 1 ? '1 thread, CPU time' : '2 threads, wall clock'}, ${values.steps} alternating steps per setting; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
settings.forEach((s, k) => console.log(`  ${knob}=${s}: BN kernels ${median(bn[k]).toFixed(2)} ms per step (gradients ${median(grad[k]).toFixed(2)}), step ${median(step[k]).toFixed(1)} ms`));
process.exit(0);
