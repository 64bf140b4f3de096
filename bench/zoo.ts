// npm run bench:zoo: every model of the zoo (examples/zoo-models.ts), trained and run by
// deeptype, by PyTorch (bench/zoo_pytorch.py, the same architectures) and, for inference, by
// ONNX Runtime on deeptype's own ONNX export; on all threads and on one. Each system runs in
// its own child process (peak RSS is its own), the three alternate round by round and each
// figure is the median of its rounds. Prints one table and writes bench/zoo.json.
//
//   npm run bench:zoo [-- --quick] [--models vgg,resnet20] [--threads 2,1] [--rounds 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type PluginBuild } from 'esbuild';
import { ZOO } from '../examples/zoo-models.ts';

const { values } = parseArgs({ options: {
  quick: { type: 'boolean', default: false }, models: { type: 'string' }, threads: { type: 'string' }, rounds: { type: 'string' },
  out: { type: 'string', default: 'bench/zoo.json' },
} });
const names = values.models ? values.models.split(',') : Object.keys(ZOO);
for (const n of names) if (!(n in ZOO)) throw new Error(`bench:zoo: unknown model '${n}' in --models, expected some of ${Object.keys(ZOO).join(', ')}`);
const threadCounts = (values.threads ?? `${availableParallelism()},1`).split(',').map(Number);
if (threadCounts.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`bench:zoo: --threads takes positive integers separated by commas, got '${values.threads}'`);
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));

// Timed training steps per model (after 2 warm-up steps: deeptype traces, then verifies its plan; PyTorch gets the same), sized so each run takes seconds.
const STEPS: Record<string, number> = { seed: 30, convnet: 10, vgg: 4, resnet20: 3, mobilenet: 4, autoencoder: 5 };
// Batch-1 latency after 200 warm-up predicts for every system (steady state: V8 is still optimizing deeptype's kernels over the first ~50).
const inference = values.quick ? ['--infer-batches', '1', '--latency-runs', '10', '--latency-warmup', '5'] : ['--infer-batches', '2', '--latency-runs', '30', '--latency-warmup', '200'];
const workload = (model: string): string[] => [...(values.quick ? ['--steps', '2', '--warmup', '2'] : ['--steps', String(STEPS[model]), '--warmup', '2']), ...inference];

export interface ZooRow { model: string; system: 'deeptype' | 'pytorch' | 'onnxruntime'; threads: number; msPerStep: number | null; inferImagesPerSec: number | null; latencyMs: number | null; peakRssMB: number | null }

function run(label: string, cmd: string, args: string[]): ZooRow | null {
  process.stderr.write(`running ${label} ...\n`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try { return JSON.parse(line) as ZooRow; } catch {
    process.stderr.write(`${label} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}\n`);
    return null;
  }
}

const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) process.stderr.write('PyTorch is missing: install it with `apt-get install -y python3-torch` (Debian); its rows are left out.\n');
const dir = mkdtempSync(join(tmpdir(), 'deeptype-zoo-'));
// The Node systems run as bundled JavaScript on plain node, as an application would: under tsx
// the TypeScript loader's own thread adds ~37 MB to a process's RSS (plain node 39 MB, under
// tsx 76 MB), which is not deeptype's or ONNX Runtime's. Native packages stay external; the
// examples' `if run directly` blocks are cut (in a bundle every module's import.meta.url is the
// bundle's, so each would think it is the program).
const noExampleMains = {
  name: 'no-example-mains',
  setup(b: PluginBuild): void {
    b.onLoad({ filter: /[\\/]examples[\\/][^\\/]+\.ts$/ }, (a) => ({ loader: 'ts', contents: readFileSync(a.path, 'utf8').replaceAll('import.meta.url === ', 'false && import.meta.url === ') }));
  },
};
const bundled = async (script: string): Promise<string> => {
  // Inside the project, so that the bundle's optional packages (onnx-proto, ...) resolve from its node_modules.
  const outfile = join('node_modules', '.cache', 'deeptype-zoo', script.replace(/^bench\//, '').replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [script], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    alias: { deeptype: './src/index.ts' }, external: ['onnxruntime-node', 'sharp', 'h5wasm'], plugins: [noExampleMains],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  return outfile;
};
const scripts = { deeptype: await bundled('bench/zoo-deeptype.ts'), ort: await bundled('bench/zoo-ort.ts') };
const node = (script: string, ...args: string[]): [string, string[]] => [process.execPath, [script, ...args]];

const median = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length === 0 ? null : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const rows: (ZooRow & { rounds: number })[] = [];
for (const model of names) {
  for (const threads of threadCounts) {
    const got: Record<ZooRow['system'], ZooRow[]> = { deeptype: [], pytorch: [], onnxruntime: [] };
    const onnx = join(dir, `${model}.onnx`);
    for (let r = 1; r <= rounds; r++) {
      const tag = `${model}, ${threads} thread${threads > 1 ? 's' : ''}, round ${r}/${rounds}`;
      const d = run(`deeptype ${tag}`, ...node(scripts.deeptype, '--model', model, '--threads', String(threads), '--onnx', onnx, ...workload(model)));
      if (d) got.deeptype.push(d);
      if (hasTorch) {
        const p = run(`pytorch ${tag}`, python, ['bench/zoo_pytorch.py', '--model', model, '--threads', String(threads), ...workload(model)]);
        if (p) got.pytorch.push(p);
      }
      if (d) {
        const o = run(`onnxruntime ${tag}`, ...node(scripts.ort, '--model', model, '--onnx', onnx, '--threads', String(threads), ...inference));
        if (o) got.onnxruntime.push(o);
      }
    }
    for (const system of ['deeptype', 'pytorch', 'onnxruntime'] as const) {
      const rs = got[system];
      if (rs.length === 0) continue;
      rows.push({
        model, system, threads, msPerStep: median(rs.map((x) => x.msPerStep)), inferImagesPerSec: median(rs.map((x) => x.inferImagesPerSec)),
        latencyMs: median(rs.map((x) => x.latencyMs)), peakRssMB: median(rs.map((x) => x.peakRssMB)), rounds: rs.length,
      });
    }
  }
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  + (hasTorch ? `, PyTorch ${execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()}` : '');
writeFileSync(values.out!, JSON.stringify({ machine, date: new Date().toISOString(), quick: values.quick, rounds,
  rows: rows.map(({ rounds: _r, ...row }) => row) }, null, 2) + '\n');

// The table: each deeptype row with its ratios to PyTorch and ONNX Runtime at the same threads.
const fmt = (v: number | null, d = 1): string => (v === null ? '-' : v.toFixed(d));
const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '-' : `${(a / b).toFixed(2)}x`);
const table = [['model', 'system', 'threads', 'ms/step', 'infer img/s (b256)', 'latency ms (b1)', 'peak RSS MB', 'step vs pytorch', 'img/s vs pytorch', 'img/s vs ORT', 'latency vs ORT']];
for (const r of rows) {
  const peer = (s: string): ZooRow | undefined => rows.find((o) => o.model === r.model && o.threads === r.threads && o.system === s);
  const pt = peer('pytorch'), ort = peer('onnxruntime'), mine = r.system === 'deeptype';
  table.push([r.model, r.system, String(r.threads), fmt(r.msPerStep), fmt(r.inferImagesPerSec, 0), fmt(r.latencyMs, 2), fmt(r.peakRssMB, 0),
    mine ? ratio(r.msPerStep, pt?.msPerStep ?? null) : '', mine ? ratio(r.inferImagesPerSec, pt?.inferImagesPerSec ?? null) : '',
    mine ? ratio(r.inferImagesPerSec, ort?.inferImagesPerSec ?? null) : '', mine ? ratio(r.latencyMs, ort?.latencyMs ?? null) : '']);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log(`\n${machine}${values.quick ? ' (--quick: 2 steps, 1 round; not a measurement)' : `; medians of ${rounds} alternating rounds`}\n`);
console.log(`| ${table[0].map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const row of table.slice(1)) console.log(`| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
console.log('\nstep vs pytorch: deeptype ms/step over PyTorch\'s (target <= 0.7x); img/s: deeptype over the peer (targets: >= 2x PyTorch; >= 1x ORT on seed and mobilenet, >= 0.8x on the others); latency vs ORT: target <= 1x.');
console.log(`wrote ${values.out}`);
