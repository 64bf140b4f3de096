// A child process for the kill tests (test/kill.test.ts). Modes:
//   save DIR        saves a small model to DIR again and again, every weight of save k equal to k
//   checkpoint DIR  fits for many epochs with a ModelCheckpoint to DIR after every epoch
//   sigint DIR      fits slowly; onTrainEnd writes DIR/ended (for the SIGINT test)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Only the modules it needs (no plotting): the kill test bundles it, so that a child starts fast.
// First, as the entry points do: the backends register themselves, Tensor gets its op methods.
import '../../src/backends/register.ts';
import '../../src/ops/tensor-methods.ts';
import * as dt from '../../src/core/tensor.ts';
import { Sequential } from '../../src/models/sequential.ts';
import * as layers from '../../src/layers/index.ts';
import { ModelCheckpoint } from '../../src/training/callbacks.ts';
import { saveModel } from '../../src/io/model-files.ts';
const models = { Sequential }, callbacks = { ModelCheckpoint };

const [mode, dir, start = '0'] = process.argv.slice(2);
const model = new models.Sequential([new layers.Input({ shape: [8] }), new layers.Dense({ units: 16, activation: 'relu' }), new layers.Dense({ units: 4, activation: 'softmax' })]);
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
const x = dt.zeros([64, 8]).add(0.25), y = dt.tensor(Array.from({ length: 64 }, (_, i) => i % 4), null, 'int32');

if (mode === 'save') {
  process.stdout.write('ready\n');
  for (let k = Number(start); ; k++) {
    model.setWeights(model.weights.map((w) => dt.fill(w.shape, k)));
    saveModel(model, dir);
  }
} else if (mode === 'checkpoint') {
  // 'ready' once the first checkpoint is written, so that every kill lands in a later epoch.
  const ready = { onEpochEnd: (epoch: number) => { if (epoch === 0) process.stdout.write('ready\n'); } };
  await model.fit(x, y, { epochs: 100000, batchSize: 16, verbose: 0, callbacks: [new callbacks.ModelCheckpoint({ filepath: dir }), ready] });
} else if (mode === 'sigint') {
  const slow = { onBatchEnd: async () => { await new Promise((r) => setTimeout(r, 5)); }, onBatchBegin: (b: number) => { if (b === 1) process.stdout.write('training\n'); } };
  const ended = { onTrainEnd: () => { writeFileSync(join(dir, 'ended'), 'onTrainEnd ran'); } };
  await model.fit(x, y, { epochs: 100000, batchSize: 16, verbose: 0, callbacks: [slow, ended] });
  process.stdout.write('fit returned\n');
}
