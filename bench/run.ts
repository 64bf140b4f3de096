// npm run bench: the seed model, one epoch of training and inference on the test set, for
// deeptype and its peers side by side in one run. Each system runs in its own process (so
// peak RSS is its own). Prints a table and writes bench/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { datasets } from 'deeptype';

const { values } = parseArgs({ options: {
  threads: { type: 'string', default: String(availableParallelism()) }, quick: { type: 'boolean', default: false }, rounds: { type: 'string', default: '5' },
} });
const threads = Number(values.threads);
// --quick: every system on a subset, extrapolated (for trying changes; the README table is a full run).
const limit = values.quick ? ['--limit', '8000'] : [];

interface Result { name: string; threads: number; secondsPerEpoch: number; msPerStep: number; inferImagesPerSec: number; peakRssMB: number; testAccuracy: number | null; extrapolated: boolean; [k: string]: unknown }

function run(label: string, cmd: string, args: string[]): Result | null {
  process.stderr.write(`running ${label} ...\n`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try { return JSON.parse(line) as Result; } catch {
    process.stderr.write(`${label} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}\n`);
    return null;
  }
}

const node = (script: string, ...args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', script, ...args]];
const results: Result[] = [];
const push = (r: Result | null): void => { if (r) results.push(r); };
const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) process.stderr.write('PyTorch is missing: install it with `apt-get install -y python3-torch` (Debian), then run again.\n');

// The headline pair (deeptype on all threads, PyTorch on as many) runs in alternating rounds
// and each keeps its median round: on a shared machine one run can be a third slower.
const rounds = Number(values.rounds);
const ours: Result[] = [], torch: Result[] = [];
for (let r = 1; r <= rounds; r++) {
  const d = run(`deeptype wasm, ${threads} threads (round ${r}/${rounds})`, ...node('bench/seed-deeptype.ts', '--backend', 'wasm', '--threads', String(threads), ...limit));
  if (d) ours.push(d);
  if (hasTorch) {
    const p = run(`pytorch, ${threads} threads (round ${r}/${rounds})`, python, ['bench/seed_pytorch.py', '--data', datasets.mnist.defaultDir(), '--threads', String(threads), ...limit]);
    if (p) torch.push(p);
  }
}
const median = (rs: Result[]): Result | null => {
  if (rs.length === 0) return null;
  const sorted = [...rs].sort((a, b) => a.secondsPerEpoch - b.secondsPerEpoch);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rounds: rs.map((x) => x.secondsPerEpoch) };
};
push(median(ours));
// keras-io's MNIST convnet (Conv 32 relu, pool, Conv 64 relu, pool, Dropout 0.5, Dense; batch
// 128), the same way: alternating rounds, medians.
const oursNet: Result[] = [], torchNet: Result[] = [];
for (let r = 1; r <= Math.min(rounds, 3); r++) {
  const d = run(`deeptype convnet, ${threads} threads (round ${r})`, ...node('bench/seed-deeptype.ts', '--model', 'convnet', '--threads', String(threads), ...limit));
  if (d) oursNet.push(d);
  if (hasTorch) {
    const p = run(`pytorch convnet, ${threads} threads (round ${r})`, python, ['bench/seed_pytorch.py', '--model', 'convnet', '--data', datasets.mnist.defaultDir(), '--threads', String(threads), ...limit]);
    if (p) torchNet.push(p);
  }
}
push(median(oursNet));
push(median(torchNet));
push(run('deeptype wasm, 1 thread', ...node('bench/seed-deeptype.ts', '--backend', 'wasm', '--threads', '1', ...limit)));
// The browser build in headless Chromium (a cross-origin isolated page, so Web Workers).
if (existsSync('/usr/bin/chromium')) push(run(`deeptype wasm in Chromium, ${threads} threads`, ...node('bench/seed-browser.ts', '--threads', String(threads), ...limit)));
else process.stderr.write('Chromium is missing (apt-get install chromium): the browser row is left out.\n');
push(run('deeptype js (640 samples, extrapolated)', ...node('bench/seed-deeptype.ts', '--backend', 'js', '--limit', '640')));
push(median(torch));
if (hasTorch) push(run('pytorch, 1 thread', python, ['bench/seed_pytorch.py', '--data', datasets.mnist.defaultDir(), '--threads', '1', ...limit]));
push(run('tfjs cpu (96 samples, extrapolated)', ...node('bench/seed-tfjs.ts', '--steps', '3')));

const base = results.find((r) => r.name === 'deeptype-wasm' && r.threads === threads);
const baseNet = results.find((r) => r.name === 'deeptype-wasm-convnet');
for (const r of results) {
  const b = r.name.endsWith('-convnet') ? baseNet : base;
  r.ratioToDeeptype = b ? r.secondsPerEpoch / b.secondsPerEpoch : null;
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const torchVersion = hasTorch ? execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim() : null;
writeFileSync('bench/results.json', JSON.stringify({ machine, date: new Date().toISOString(), pytorch: torchVersion, systems: results }, null, 2) + '\n');

const fmt = (v: unknown, d = 1): string => (v === null || v === undefined ? '-' : typeof v === 'number' ? v.toFixed(d) : String(v));
const rows = [['system', 'threads', 's/epoch', 'ms/step', 'infer img/s', 'peak RSS MB', 'test acc', 'vs deeptype']];
for (const r of results) {
  rows.push([r.name + (r.extrapolated ? ' *' : ''), String(r.threads), fmt(r.secondsPerEpoch), fmt(r.msPerStep, 2), fmt(r.inferImagesPerSec, 0),
    fmt(r.peakRssMB, 0), fmt(r.testAccuracy, 4), r.ratioToDeeptype === null ? '-' : `${fmt(r.ratioToDeeptype as number, 2)}x`]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`\n${machine}\n`);
console.log(`| ${rows[0].map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of rows.slice(1)) console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
console.log('\n* extrapolated from a subset. "vs deeptype": seconds per epoch relative to deeptype wasm on all threads (the convnet rows: to deeptype-wasm-convnet).');
for (const r of results) if (r.rounds) console.log(`${r.name}: median of rounds ${(r.rounds as number[]).map((s) => s.toFixed(1)).join(', ')} s/epoch`);
