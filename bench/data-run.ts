// One measurement of `npm run bench:data`, in its own process (so peak RSS is its own); prints one JSON line.
//   --mode memory|dataset  the seed model for one epoch from tensors or from
//                          Dataset.fromTensorSlices(...).shuffle(10000).batch(32).prefetch(2)
//   --mode interleaved     both, alternating epochs of one model in this process (--rounds pairs)
//   --mode generator       the seed model on --samples synthetic 28x28 samples from a generator
//   --mode images          decode + resize the PNGs in --dir into batches (--parallel auto|1|workers)
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { data, datasets, losses, optimizers, utils, Tensor } from 'deeptype';
import { seedModel } from '../examples/seed-model.ts';

const { values } = parseArgs({ options: {
  mode: { type: 'string' }, limit: { type: 'string' }, rounds: { type: 'string', default: '8' }, samples: { type: 'string', default: '10000' },
  dir: { type: 'string' }, parallel: { type: 'string', default: 'auto' },
} });
await dt.ready();
dt.setRandomSeed(1);
const report = (o: object): void => { console.log(JSON.stringify({ ...o, peakRssMB: process.resourceUsage().maxRSS / 1024 })); process.exit(0); };

function compiled(): dt.models.Sequential {
  const model = seedModel();
  model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
  return model;
}

if (values.mode === 'memory' || values.mode === 'dataset') {
  let [[x, y]] = datasets.mnist.loadData();
  const n = values.limit ? Number(values.limit) : x.shape[0];
  [x, y] = [x.index([0, n]).div(255), y.index([0, n])];
  const model = compiled();
  let start = 0, seconds = 0;
  const timer = { onEpochBegin: () => { start = performance.now(); }, onEpochEnd: () => { seconds = (performance.now() - start) / 1000; } };
  if (values.mode === 'memory') await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, callbacks: [timer] });
  else await model.fit(data.Dataset.fromTensorSlices([x, y]).shuffle(10000).batch(32).prefetch(2), { epochs: 1, verbose: 0, callbacks: [timer] });
  report({ mode: values.mode, samples: n, seconds, stepsPerSecond: Math.ceil(n / 32) / seconds });
}

if (values.mode === 'interleaved') {
  // In-memory and streamed epochs of one model, alternating in this one process (ABBA order, so a
  // load that drifts through the run weighs on both alike): wall-clock and CPU time per epoch.
  let [[x, y]] = datasets.mnist.loadData();
  const n = values.limit ? Number(values.limit) : x.shape[0];
  [x, y] = [x.index([0, n]).div(255), y.index([0, n])];
  const model = compiled(), steps = Math.ceil(n / 32);
  const epoch = async (mode: 'memory' | 'dataset'): Promise<{ wall: number; cpu: number }> => {
    let start = 0, cpu0 = process.cpuUsage(), wall = 0, cpu = 0;
    const timer = {
      onEpochBegin: () => { start = performance.now(); cpu0 = process.cpuUsage(); },
      onEpochEnd: () => { wall = (performance.now() - start) / 1000; const c = process.cpuUsage(cpu0); cpu = (c.user + c.system) / 1e6; },
    };
    if (mode === 'memory') await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, callbacks: [timer] });
    else await model.fit(data.Dataset.fromTensorSlices([x, y]).shuffle(10000).batch(32).prefetch(2), { epochs: 1, verbose: 0, callbacks: [timer] });
    return { wall, cpu };
  };
  await epoch('memory'); await epoch('dataset'); // warm-up: plans traced, caches filled
  const memory: { wall: number; cpu: number }[] = [], dataset: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const mode of (r % 2 ? ['dataset', 'memory'] : ['memory', 'dataset']) as ('memory' | 'dataset')[]) (mode === 'memory' ? memory : dataset).push(await epoch(mode));
  }
  const sps = (e: { wall: number }): number => steps / e.wall;
  report({ mode: 'interleaved', samples: n, steps, memoryStepsPerSecond: memory.map(sps), datasetStepsPerSecond: dataset.map(sps),
    memoryCpuSeconds: memory.map((e) => e.cpu), datasetCpuSeconds: dataset.map((e) => e.cpu) });
}

if (values.mode === 'generator') {
  // Samples are made on the fly and dropped after their batch: memory must not grow with the count.
  const n = Number(values.samples);
  function* samples(): Generator<[Tensor, Tensor]> {
    let seed = 12345;
    for (let i = 0; i < n; i++) {
      const img = new Float32Array(784);
      for (let k = 0; k < 784; k++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; img[k] = (seed >>> 24) / 255; }
      yield [new Tensor(img, [28, 28]), new Tensor(Int32Array.of(i % 10), [])];
    }
  }
  const model = compiled();
  const t = performance.now();
  await model.fit(data.Dataset.fromGenerator(samples, n).batch(32).prefetch(2), { epochs: 1, verbose: 0 });
  report({ mode: 'generator', samples: n, seconds: (performance.now() - t) / 1000 });
}

if (values.mode === 'images') {
  const parallel = values.parallel!;
  if (parallel === '1') (await import('sharp')).default.concurrency(1);
  const t = performance.now();
  let count = 0;
  if (parallel === 'workers') {
    // Decode + resize on worker threads, one per core (the resize kernel then runs in parallel too).
    const files = data.Dataset.fromArray((await utils.imageDatasetFromDirectory(values.dir!, { labels: null, shuffle: false, verbose: false, imageSize: [32, 32] })).filePaths);
    const ds = files.map(data.workerFunction(new URL('./data-decode.ts', import.meta.url), 'decodeResize'), { numParallelCalls: 'auto' }).batch(32).prefetch(2);
    for await (const b of ds) count += (b as Tensor).shape[0];
  } else {
    const ds = await utils.imageDatasetFromDirectory(values.dir!, { labels: null, shuffle: false, verbose: false, imageSize: [32, 32], numParallelCalls: parallel === '1' ? 1 : 'auto' });
    for await (const b of ds) count += (b as Tensor).shape[0];
  }
  const seconds = (performance.now() - t) / 1000;
  report({ mode: 'images', parallel, images: count, seconds, imagesPerSecond: count / seconds });
}
throw new Error(`unknown --mode ${values.mode}`);
