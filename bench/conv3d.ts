// The CT-scan model's first two layers (keras-io "3D image classification from CT scans":
// Conv3D 64 k3 relu, twice) as one forward + backward pass (value and weight gradients of the
// mean output; the input needs no gradient), deeptype's compiled plan against PyTorch's
// conv3d, both on one thread, in alternating rounds (each round: deeptype in this process,
// then a fresh PyTorch process, each warmed up and timed by itself; medians of the rounds).
//   node --import tsx bench/conv3d.ts [--size 32] [--batch 2] [--reps 3] [--rounds 3] [--threads 1] [--profile]
// (--profile: deeptype's plan only, each kernel call timed)
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as dt from '../src/index.ts';
import { layers, models, type Tensor } from '../src/index.ts';
import { backend } from '../src/core/engine.ts';

const { values } = parseArgs({ options: {
  size: { type: 'string', default: '32' }, batch: { type: 'string', default: '2' }, reps: { type: 'string', default: '3' },
  rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '1' }, profile: { type: 'boolean', default: false },
} });
const [size, batch, reps, rounds, threads] = [values.size, values.batch, values.reps, values.rounds, values.threads].map(Number);
dt.setBackend('wasm');
dt.setThreads(threads);
await dt.ready();

const model = models.sequential({ layers: [
  layers.conv3d({ filters: 64, kernelSize: 3, activation: 'relu', inputShape: [size, size, size, 1] }),
  layers.conv3d({ filters: 64, kernelSize: 3, activation: 'relu' }),
] });
const x = dt.randomUniform([batch, size, size, size, 1], 0, 1, 'float32', 1);
const step = (): number => model.compiledValueAndGrads((xs) => (model.apply(xs[0]) as Tensor).mean(), [x]).value.item();
const o1 = size - 2, o2 = size - 4;
const gflop = 3 * 2 * batch * 27 * 64 * (o1 ** 3 + 64 * o2 ** 3) / 1e9; // forward, and twice that backward (first layer: no dx; close)

if (values.profile) {
  for (let i = 0; i < 2; i++) step();
  const b = backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const calls: [string, number][] = [];
  for (const k of Object.keys(b)) {
    const f = b[k];
    if (typeof f === 'function') b[k] = (...args: unknown[]) => { const t = performance.now(); const r = f(...args); calls.push([k, performance.now() - t]); return r; };
  }
  step();
  for (const [k, ms] of calls) if (ms > 1) console.log(`${k.padEnd(28)} ${ms.toFixed(1)} ms`);
  console.log(`all ${calls.length} calls: ${calls.reduce((s, [, ms]) => s + ms, 0).toFixed(0)} ms`);
  process.exit(0);
}

function deeptypeRound(): number {
  for (let i = 0; i < 2; i++) step(); // trace, first replay
  const t = performance.now();
  for (let i = 0; i < reps; i++) step();
  return (performance.now() - t) / reps;
}

const PYTORCH = `
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
size, batch, reps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
net = torch.nn.Sequential(torch.nn.Conv3d(1, 64, 3), torch.nn.ReLU(), torch.nn.Conv3d(64, 64, 3), torch.nn.ReLU())
x = torch.rand(batch, 1, size, size, size)
def step():
    net.zero_grad(set_to_none=True); y = net(x).mean(); y.backward(); return y.item()
for _ in range(2): step()
t = time.perf_counter()
for _ in range(reps): step()
print((time.perf_counter() - t) / reps * 1000)
`;
function pytorchRound(): number | null {
  const r = spawnSync('/usr/bin/python3', ['-c', PYTORCH, String(threads), String(size), String(batch), String(reps)], { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(`PyTorch failed: ${r.stderr}\n`); return null; }
  return Number(r.stdout.trim());
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ours: number[] = [], theirs: number[] = [];
for (let r = 0; r < rounds; r++) {
  ours.push(deeptypeRound());
  const p = pytorchRound();
  if (p !== null) theirs.push(p);
  console.log(`round ${r + 1}: deeptype ${ours[r].toFixed(0)} ms, pytorch ${p === null ? '-' : p.toFixed(0)} ms`);
}
const [a, b] = [median(ours), theirs.length ? median(theirs) : NaN];
console.log(`input [${batch}, ${size}, ${size}, ${size}, 1], ${threads} thread(s), ~${gflop.toFixed(1)} GFLOP per step`);
console.log(`deeptype ${a.toFixed(0)} ms (${(gflop / a * 1e3).toFixed(1)} GFLOP/s), pytorch ${b.toFixed(0)} ms (${(gflop / b * 1e3).toFixed(1)} GFLOP/s): deeptype / pytorch time ${(a / b).toFixed(2)}`);
