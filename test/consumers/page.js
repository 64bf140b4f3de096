// Consumer check 3: a page bundled by esbuild or Vite from `import ... from 'deeptype'`.
import * as dt from 'deeptype';

async function run() {
  await dt.ready();
  dt.setRandomSeed(2);
  const { layers, models } = dt;
  const model = new models.Sequential([
    new layers.Input({ shape: [28, 28] }), new layers.Reshape({ targetShape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 8, kernelSize: [3, 3], padding: 'same' }), new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Flatten(), new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const n = 64;
  const x = dt.tensor(Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 1000) / 1000), [n, 28, 28]);
  const y = dt.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n]);
  const history = await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  const fig = new dt.plot.Figure();
  fig.gca().imshow(x.index(0), { cmap: 'gray' });
  const svg = fig.toSVG();
  let save;
  try { await model.save('x'); } catch (e) { save = e.message; }
  // A URL save works in a bundle: IndexedDB there and back, the same predictions.
  await model.save('indexeddb://consumer');
  const back = await dt.loadLayersModel('indexeddb://consumer');
  const sample = x.index([0, 4]);
  const idbSame = Array.from(back.predict(sample).data).every((v, i) => v === model.predict(sample).data[i]);
  return { backend: dt.getBackend(), threads: dt.getThreads(), isolated: globalThis.crossOriginIsolated, loss: history.history.loss, svg: svg.startsWith('<svg'), save, idbSame };
}
window.result = run().catch((e) => ({ error: String(e && e.stack || e) }));
