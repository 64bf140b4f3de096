import * as dt from 'deeptype';
import { datasets, losses, optimizers } from 'deeptype';
import { seedModel } from './examples/seed-model.ts';
await dt.ready();
let [[xTrain, yTrain]] = datasets.mnist.loadData();
xTrain = xTrain.index([0, 19200]).div(255); yTrain = yTrain.index([0, 19200]);
const model = seedModel();
model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
const times: number[] = []; let t = 0;
await model.fit(xTrain, yTrain, { epochs: 1, verbose: 0, callbacks: [{ onBatchBegin: () => { t = performance.now(); }, onBatchEnd: () => { times.push(performance.now() - t); } }] });
const s = [...times].sort((a, b) => a - b);
const pct = (p: number) => s[Math.floor(p * (s.length - 1))].toFixed(2);
console.log('steps', s.length, 'mean', (s.reduce((a, b) => a + b) / s.length).toFixed(2), 'p10', pct(0.1), 'p50', pct(0.5), 'p90', pct(0.9), 'p99', pct(0.99), 'max', pct(1));
// where does the rest go: time inside trainStep only
const x = xTrain.index([0, 32]), y = yTrain.index([0, 32]);
const ts: number[] = [];
for (let i = 0; i < 300; i++) { const a = performance.now(); model.trainStep(x, y); ts.push(performance.now() - a); }
ts.sort((a, b) => a - b);
console.log('trainStep only: p10', ts[30].toFixed(2), 'p50', ts[150].toFixed(2), 'p90', ts[270].toFixed(2));
process.exit(0);
