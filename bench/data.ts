// npm run bench:data: is the data pipeline ever the bottleneck? Every measurement runs in its own
// process (bench/data-run.ts), so each peak RSS is its own.
//  1. the seed model for one epoch from Dataset.fromTensorSlices(...).shuffle(10000).batch(32).prefetch(2)
//     vs in-memory fit: --rounds pairs of epochs alternating (ABBA) on one model in one process, so
//     the machine's load weighs on both alike; the median pair ratio (target >= 95% of in-memory steps/s);
//  2. a generator of --rss-samples synthetic 28x28 samples vs one of 10,000: peak RSS (target within 10%);
//  3. decoding + resizing --images small PNGs (made here) into batches: one thread, the libuv pool
//     (async decodes), and worker threads on every core; images/s.
// Options: --rounds 5 --limit 60000 --rss-samples 1000000 --images 10000 --skip fit,rss,images
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '5' }, limit: { type: 'string', default: '60000' }, 'rss-samples': { type: 'string', default: '1000000' },
  images: { type: 'string', default: '10000' }, skip: { type: 'string', default: '' },
} });
const skip = new Set(values.skip!.split(','));
const run = (...args: string[]): Record<string, number> => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('./data-run.ts', import.meta.url).pathname, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`data-run ${args.join(' ')} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  console.log(`  ${args.join(' ')} -> ${line}`);
  return JSON.parse(line);
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// Sections skipped this time keep their last figures (each section has its own date).
const resultsFile = new URL('./data-results.json', import.meta.url);
const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown> : {};
const results: Record<string, unknown> = { ...previous, cores: availableParallelism() };
delete results.date;
const when = { date: new Date().toISOString(), load: loadavg()[0] };

if (!skip.has('fit')) {
  console.log(`1. the seed model on ${values.limit} MNIST samples, in memory vs from a Dataset: ${values.rounds} pairs of alternating epochs in one process`);
  const r = run('--mode', 'interleaved', '--limit', values.limit!, '--rounds', values.rounds!) as unknown as Record<string, number[]>;
  const pairRatios = r.datasetStepsPerSecond.map((d, i) => d / r.memoryStepsPerSecond[i]);
  // CPU seconds per epoch (all threads): streaming's extra work, less sensitive to other processes' load.
  const cpuRatios = r.memoryCpuSeconds.map((m, i) => m / r.datasetCpuSeconds[i]);
  results.fit = { ...when, ...r, pairRatios, medianPairRatio: median(pairRatios), ratioOfMedians: median(r.datasetStepsPerSecond) / median(r.memoryStepsPerSecond), cpuRatios, medianCpuRatio: median(cpuRatios) };
}

if (!skip.has('rss')) {
  console.log(`2. peak RSS training from a generator: 10,000 vs ${values['rss-samples']} samples`);
  const small = run('--mode', 'generator', '--samples', '10000'), large = run('--mode', 'generator', '--samples', values['rss-samples']!);
  results.rss = { ...when, smallSamples: 10000, smallPeakRssMB: small.peakRssMB, largeSamples: Number(values['rss-samples']), largePeakRssMB: large.peakRssMB, ratio: large.peakRssMB / small.peakRssMB, largeSeconds: large.seconds };
}

if (!skip.has('images')) {
  const n = Number(values.images);
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-bench-images-'));
  try {
    console.log(`3. decoding + resizing ${n} PNGs (24-40 px, RGB) to 32x32 batches of 32`);
    for (const c of ['a', 'b']) mkdirSync(join(dir, c));
    const make = async (i: number): Promise<void> => {
      const w = 24 + (i % 17), h = 24 + ((i * 7) % 17);
      const raw = Buffer.alloc(w * h * 3);
      for (let k = 0; k < raw.length; k++) raw[k] = (k * 31 + i * 17) & 255;
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(dir, i % 2 ? 'a' : 'b', `${i}.png`));
    };
    for (let i = 0; i < n; i += 256) await Promise.all(Array.from({ length: Math.min(256, n - i) }, (_, k) => make(i + k)));
    const one = run('--mode', 'images', '--dir', dir, '--parallel', '1');
    const pool = run('--mode', 'images', '--dir', dir, '--parallel', 'auto');
    const workers = run('--mode', 'images', '--dir', dir, '--parallel', 'workers');
    results.images = { ...when, images: n, oneThread: one.imagesPerSecond, libuvPool: pool.imagesPerSecond, workerThreads: workers.imagesPerSecond };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
const f = (x: number): string => x.toFixed(2);
console.log('\nClosing note:');
if (results.fit) { const r = results.fit as { medianPairRatio: number; ratioOfMedians: number; pairRatios: number[]; medianCpuRatio: number }; console.log(`- streaming from a Dataset runs at ${f(r.medianPairRatio * 100)}% of in-memory fit's steps/s (median of the alternating pairs: ${r.pairRatios.map(f).join(', ')}; ratio of medians ${f(r.ratioOfMedians * 100)}%; per CPU-second ${f(r.medianCpuRatio * 100)}%; target >= 95%)`); }
if (results.rss) { const r = results.rss as { smallPeakRssMB: number; largePeakRssMB: number; ratio: number; largeSamples: number }; console.log(`- peak RSS: ${r.smallPeakRssMB.toFixed(0)} MB for 10,000 generated samples, ${r.largePeakRssMB.toFixed(0)} MB for ${r.largeSamples.toLocaleString('en-US')} (${f(r.ratio)}x; target within 1.10x)`); }
if (results.images) { const r = results.images as { oneThread: number; libuvPool: number; workerThreads: number }; console.log(`- images/s decoded + resized: ${r.oneThread.toFixed(0)} on one thread, ${r.libuvPool.toFixed(0)} with async decodes on the libuv pool, ${r.workerThreads.toFixed(0)} on ${availableParallelism()} worker threads (${f(r.workerThreads / r.oneThread)}x)`); }
process.exit(0);
