// Child process for the BackupAndRestore test: trains a small model with a backup directory;
// with KILL_AT=epoch:batch it SIGKILLs itself there. Prints the final weights' bytes as hex.
import * as dt from '../../src/index.ts';

const [backupDir] = process.argv.slice(2);
const killAt = process.env.KILL_AT?.split(':').map(Number);
dt.setRandomSeed(42);
const x = dt.tensor(Array.from({ length: 64 * 5 }, (_, i) => Math.sin(i * 0.37)), [64, 5]);
const y = dt.tensor(Array.from({ length: 64 }, (_, i) => i % 3), null, 'int32');
const model = new dt.models.Sequential([
  new dt.layers.Input({ shape: [5] }), new dt.layers.Dense({ units: 8, activation: 'relu' }), new dt.layers.Dense({ units: 3, activation: 'softmax' }),
]);
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new dt.optimizers.Adam({ learningRate: 0.01 }), metrics: ['accuracy'] });
let epoch = 0;
const killer = new dt.callbacks.LambdaCallback({
  onEpochBegin: (e) => { epoch = e; },
  onBatchEnd: (b) => { if (killAt && epoch === killAt[0] && b === killAt[1]) process.kill(process.pid, 'SIGKILL'); },
});
const history = await model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, callbacks: [new dt.callbacks.BackupAndRestore({ backupDir }), killer] });
const hex = model.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('hex')).join('|');
console.log(JSON.stringify({ hex, epochs: history.epoch, iterations: model.optimizer!.iterations }));
process.exit(0);
