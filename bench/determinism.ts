// Measures how much training results change with the thread count (summation order of the
// per-thread partial sums), and that the same thread count repeats bit for bit. The numbers
// in README (Memory, interruptions and determinism) come from: node --import tsx bench/determinism.ts
import * as dt from 'deeptype';
import { datasets } from 'deeptype';
import { seedModel } from '../examples/seed-model.ts';
let [[x, y], [xt, yt]] = datasets.mnist.loadData();
[x, y] = [x.index([0, 6000]).div(255), y.index([0, 6000])];
[xt, yt] = [xt.index([0, 2000]).div(255), yt.index([0, 2000])];
const runs: { w: Float32Array[]; loss: number; acc: number; pred: Float32Array }[] = [];
for (const threads of [1, 2, 1, 2]) {
  dt.setThreads(threads); await dt.ready();
  dt.setRandomSeed(1);
  const m = seedModel();
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  const h = await m.fit(x, y, { epochs: 1, verbose: 0 });
  const [, acc] = m.evaluate(xt, yt, { verbose: 0 });
  runs.push({ w: m.weights.map((w) => w.data.slice() as Float32Array), loss: h.history.loss[0], acc, pred: m.predict(xt).data.slice() as Float32Array });
  console.log('threads', threads, 'loss', h.history.loss[0], 'test acc', acc);
}
const cmp = (a: typeof runs[0], b: typeof runs[0]) => {
  let maxAbs = 0, maxW = 0;
  a.w.forEach((w, i) => w.forEach((v, j) => { maxAbs = Math.max(maxAbs, Math.abs(v - b.w[i][j])); maxW = Math.max(maxW, Math.abs(v)); }));
  let predDiff = 0, argDiff = 0;
  for (let i = 0; i < a.pred.length; i++) predDiff = Math.max(predDiff, Math.abs(a.pred[i] - b.pred[i]));
  for (let r = 0; r < 2000; r++) { const am = (p: Float32Array) => { let k = 0; for (let c = 1; c < 10; c++) if (p[r * 10 + c] > p[r * 10 + k]) k = c; return k; }; if (am(a.pred) !== am(b.pred)) argDiff++; }
  return { maxAbsWeightDiff: maxAbs, largestWeight: maxW, lossDiff: Math.abs(a.loss - b.loss), accDiff: Math.abs(a.acc - b.acc), maxProbDiff: predDiff, predictionsChanged: argDiff };
};
console.log('1 vs 1', JSON.stringify(cmp(runs[0], runs[2])));
console.log('2 vs 2', JSON.stringify(cmp(runs[1], runs[3])));
console.log('1 vs 2', JSON.stringify(cmp(runs[0], runs[1])));
