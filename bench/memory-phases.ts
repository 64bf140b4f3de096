// Where a zoo model's memory goes, phase by phase (issue #15's peak-RSS target): the wasm
// memory's size (it never shrinks), RSS and peak RSS after the training trace, its verifying
// trace, a step, and the same for predict at batch 256 and at batch 1.
//   node --import tsx bench/memory-phases.ts mobilenet
import * as dt from 'deeptype';
import { optimizers } from 'deeptype';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from './zoo-data.ts';
import { backend } from '../src/core/engine.ts';
dt.setBackend('wasm'); dt.setThreads(1); await dt.ready(); dt.setRandomSeed(1);
const name = process.argv[2] ?? 'mobilenet';
const entry = ZOO[name];
const mem = (backend() as unknown as { mem: { memory: WebAssembly.Memory; peak: number } }).mem;
const report = (what: string) => console.log(`${what.padEnd(28)} wasm ${(mem.memory.buffer.byteLength / 2 ** 20).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB, maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, ext ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0)} MB`);
report('start');
const model = entry.build();
model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new optimizers.Adam({ epsilon: 1e-7 }) });
const { x, y } = syntheticBatch(entry, entry.batchSize);
model.trainStep(x, y); report('train trace');
model.trainStep(x, y); report('train verify');
model.trainStep(x, y); report('train step');
const xi = syntheticBatch(entry, 256).x; report('data 256');
model.predict(xi, { batchSize: 256 }); report('predict 256 trace');
model.predict(xi, { batchSize: 256 }); report('predict 256 verify');
model.predict(xi, { batchSize: 256 }); report('predict 256');
const x1 = xi.index([0, 1]);
model.predict(x1); model.predict(x1); model.predict(x1); report('predict 1');
process.exit(0);
