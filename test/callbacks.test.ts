// Callbacks change what they should: learning rates, early stopping with the best weights,
// CSV files, stopTraining, and a SIGKILLed run resumed from its backup bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';

const { callbacks } = dt;
type Logs = dt.callbacks.Logs;
const x = dt.ones([4, 2]), y = dt.zeros([4, 1]);
/** yhat = x . k with k = [1, 1]; loss mean(yhat): its gradient is 1 for each k, so k drops by lr per step. */
function constantGradientModel(lr = 0.1): dt.models.Sequential {
  const m = new dt.models.Sequential([new dt.layers.Input({ shape: [2] }), new dt.layers.Dense({ units: 1, useBias: false })]);
  m.setWeights([dt.ones([2, 1])]);
  m.compile({ loss: (_t: dt.Tensor, p: dt.Tensor) => p, optimizer: new dt.optimizers.SGD({ learningRate: lr }) });
  return m;
}
/** A model whose loss cannot change (zero inputs, no bias). */
function flatModel(): dt.models.Sequential {
  const m = new dt.models.Sequential([new dt.layers.Input({ shape: [2] }), new dt.layers.Dense({ units: 1, useBias: false })]);
  m.compile({ loss: 'mse', optimizer: new dt.optimizers.SGD({ learningRate: 0.1 }) });
  return m;
}
/** Injects a scripted value under `score` at each epoch end (runs before the callbacks after it). */
const scripted = (values: number[]) => new callbacks.LambdaCallback({ onEpochEnd: (e, logs) => { logs!.score = values[e]; } });

describe('callbacks', () => {
  it('ReduceLROnPlateau lowers the rate after patience epochs without improvement (in History)', async () => {
    const m = flatModel();
    const h = await m.fit(dt.zeros([4, 2]), dt.ones([4, 1]), { epochs: 6, verbose: 0, callbacks: [new callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 2, factor: 0.5 })] });
    assert.deepEqual(h.history.learning_rate.map((v) => +v.toFixed(6)), [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
    assert.equal(m.optimizer!.learningRate, 0.025);
    assert.throws(() => new callbacks.ReduceLROnPlateau({ factor: 1 }), /factor must be in \(0, 1\), got 1/);
  });

  it('LearningRateScheduler: the rates it sets are the ones applied', async () => {
    const m = constantGradientModel();
    const seen: number[] = [];
    const h = await m.fit(x, y, { epochs: 4, batchSize: 4, verbose: 0, callbacks: [
      new callbacks.LearningRateScheduler((epoch) => 0.1 * 0.5 ** epoch),
      new callbacks.LambdaCallback({ onBatchBegin: () => { seen.push(m.optimizer!.learningRate); } }),
    ] });
    const rates = [0.1, 0.05, 0.025, 0.0125];
    assert.deepEqual(seen, rates);
    assert.deepEqual(h.history.learning_rate, rates);
    const k = m.getWeights()[0].data;
    const expected = 1 - rates.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(k[0] - expected) < 1e-6 && Math.abs(k[1] - expected) < 1e-6, `${k[0]} vs ${expected}`);
  });

  it('EarlyStopping restores the best epoch\'s weights; baseline and startFromEpoch', async () => {
    const weightsAt: number[][] = [];
    const m = constantGradientModel();
    const stop = new callbacks.EarlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: true });
    const record = new callbacks.LambdaCallback({ onEpochEnd: () => { weightsAt.push(Array.from(m.getWeights()[0].data)); } });
    const h = await m.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, callbacks: [scripted([3, 1, 2, 4, 0.5, 0]), record, stop] });
    assert.deepEqual(h.epoch, [0, 1, 2, 3]);
    assert.equal(stop.stoppedEpoch, 3);
    assert.equal(stop.bestEpoch, 1);
    assert.deepEqual(Array.from(m.getWeights()[0].data), weightsAt[1]);
    // Improvements that do not beat the baseline do not reset the wait (Keras 3): stops 2 epochs earlier.
    const plateau = [3, 2, 2, 2, 2, 2];
    const b = await constantGradientModel().fit(x, y, { epochs: 10, verbose: 0, callbacks: [scripted(plateau), new callbacks.EarlyStopping({ monitor: 'score', patience: 3, baseline: 0.5 })] });
    assert.deepEqual(b.epoch, [0, 1, 2]);
    const nb = await constantGradientModel().fit(x, y, { epochs: 10, verbose: 0, callbacks: [scripted(plateau), new callbacks.EarlyStopping({ monitor: 'score', patience: 3 })] });
    assert.deepEqual(nb.epoch, [0, 1, 2, 3, 4]);
    // minDelta: improvements smaller than it do not count; startFromEpoch ignores the first epochs.
    const d = await constantGradientModel().fit(x, y, { epochs: 10, verbose: 0, callbacks: [scripted([5, 4.95, 4.9, 4.85, 4.8]), new callbacks.EarlyStopping({ monitor: 'score', patience: 1, minDelta: 0.1, startFromEpoch: 2 })] });
    assert.deepEqual(d.epoch, [0, 1, 2, 3]);
    const mx = await constantGradientModel().fit(x, y, { epochs: 10, verbose: 0, callbacks: [scripted([1, 2, 3, 2, 1]), new callbacks.EarlyStopping({ monitor: 'score', patience: 2, mode: 'max' })] });
    assert.deepEqual(mx.epoch, [0, 1, 2, 3, 4]);
    assert.throws(() => new callbacks.EarlyStopping({ mode: 'up' as never }), /mode must be 'min', 'max' or 'auto', got 'up'/);
    assert.throws(() => new callbacks.EarlyStopping({ restore_best_weights: true } as never), /unknown option 'restore_best_weights'/);
  });

  it('EarlyStopping restores the best weights when training ends without stopping (Keras 3); bad options are named', async () => {
    // k = [1, 1] drops by 0.1 per epoch: 0.9, 0.8, 0.7, 0.6; the best score is epoch 1's.
    const m = constantGradientModel();
    const stop = new callbacks.EarlyStopping({ monitor: 'score', patience: 5, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 4, batchSize: 4, verbose: 0, callbacks: [scripted([3, 1, 2, 2.5]), stop] });
    assert.deepEqual(h.epoch, [0, 1, 2, 3]);
    assert.equal(stop.stoppedEpoch, 0);
    assert.equal(stop.bestEpoch, 1);
    assert.ok(Math.abs(m.getWeights()[0].data[0] - 0.8) < 1e-6, `k = ${m.getWeights()[0].data[0]}, expected epoch 2's 0.8`);
    // startFromEpoch: the first watched epoch is the best so far, even when it does not improve.
    const late = new callbacks.EarlyStopping({ monitor: 'score', patience: 5, restoreBestWeights: true, startFromEpoch: 2 });
    await constantGradientModel().fit(x, y, { epochs: 3, verbose: 0, callbacks: [scripted([1, 1, 5]), late] });
    assert.equal(late.bestEpoch, 2);
    // auto: a loss goes down even when its output's name reads like an accuracy; accuracies go up.
    const lossNamed = await constantGradientModel().fit(x, y, { epochs: 3, verbose: 0, callbacks: [new callbacks.LambdaCallback({ onEpochEnd: (e, l) => { l!.val_accuracy_head_loss = 3 - e; } }), new callbacks.EarlyStopping({ monitor: 'val_accuracy_head_loss', patience: 1 })] });
    assert.deepEqual(lossNamed.epoch, [0, 1, 2]);
    const accNamed = await constantGradientModel().fit(x, y, { epochs: 3, verbose: 0, callbacks: [new callbacks.LambdaCallback({ onEpochEnd: (e, l) => { l!.val_accuracy = 3 - e; } }), new callbacks.EarlyStopping({ monitor: 'val_accuracy', patience: 1 })] });
    assert.deepEqual(accNamed.epoch, [0, 1]);
    assert.throws(() => new callbacks.EarlyStopping({ minDelta: '0.1' as never }), /EarlyStopping: minDelta must be a finite number, got "0.1"/);
    assert.throws(() => new callbacks.EarlyStopping({ baseline: NaN }), /EarlyStopping: baseline must be a finite number or null, got NaN/);
    assert.throws(() => new callbacks.EarlyStopping({ monitor: 3 as never }), /EarlyStopping: monitor must be the name of a log/);
    assert.throws(() => new callbacks.EarlyStopping({ restoreBestWeights: 'yes' as never }), /EarlyStopping: restoreBestWeights must be true or false, got "yes"/);
    assert.throws(() => new callbacks.EarlyStopping({ patience: 1.5 }), /EarlyStopping: patience must be an integer >= 0, got 1.5/);
  });

  it('fit takes one callback alone (TF.js), names a bad callbacks value, option or initialEpoch; onTrainEnd gets the last logs', async () => {
    const ends: Logs[] = [];
    const h = await constantGradientModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: { onTrainEnd: (logs) => { ends.push(logs!); } } });
    assert.deepEqual(h.epoch, [0, 1]);
    assert.deepEqual(Object.keys(ends[0]), ['loss']);
    assert.ok(Math.abs(ends[0].loss - h.history.loss[1]) < 1e-9);
    await assert.rejects(constantGradientModel().fit(x, y, { verbose: 0, callbacks: [null as never] }), /fit: callbacks must be a callback or an array of them .* got null at index 0/);
    await assert.rejects(constantGradientModel().fit(x, y, { verbose: 0, callbacks: [{ onEpochEnd: 1 as never }] }), /fit: callback 0's onEpochEnd must be a function, got number/);
    await assert.rejects(constantGradientModel().fit(x, y, { verbose: 0, callback: [] } as never), /fit: unknown option 'callback'/);
    await assert.rejects(constantGradientModel().fit(x, y, { epochs: 3, initialEpoch: 0.5, verbose: 0 }), /fit: initialEpoch must be a non-negative integer .* got 0.5/);
    await assert.rejects(constantGradientModel().fit(x, y, { epochs: 3, initialEpoch: -1, verbose: 0 }), /fit: initialEpoch must be a non-negative integer/);
  });

  it('fit on a dataset: History records what callbacks add (learning_rate); useEma ends on the averages as with tensors', async () => {
    const batches = () => dt.data.Dataset.fromGenerator(function* () { for (let i = 0; i < 2; i++) yield [dt.ones([4, 2]), dt.zeros([4, 1])] as [dt.Tensor, dt.Tensor]; });
    const h = await constantGradientModel().fit(batches(), { epochs: 2, verbose: 0, callbacks: [new callbacks.LearningRateScheduler((e) => 0.1 / (e + 1))] });
    assert.deepEqual(h.history.learning_rate.map((v) => +v.toFixed(6)), [0.1, 0.05]);
    const ema = (): dt.models.Sequential => {
      const m = constantGradientModel();
      m.compile({ loss: (_t: dt.Tensor, p: dt.Tensor) => p, optimizer: new dt.optimizers.SGD({ learningRate: 0.1, useEma: true, emaMomentum: 0.5 }) });
      return m;
    };
    const a = ema(), b = ema();
    await a.fit(dt.ones([8, 2]), dt.zeros([8, 1]), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(batches(), { epochs: 1, verbose: 0 });
    // Averages of k = 0.9, 0.8 with momentum 0.5 (the first step copies): 0.85, not the last 0.8.
    assert.ok(Math.abs(a.getWeights()[0].data[0] - 0.85) < 1e-6, `tensors: ${a.getWeights()[0].data[0]}`);
    assert.deepEqual(Array.from(b.getWeights()[0].data), Array.from(a.getWeights()[0].data));
  });

  it('ModelCheckpoint: Python format fields, saveWeightsOnly, saveFreq in batches, a missing monitor saves with a warning (Keras)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-ckpt-'));
    // loss = mean(x . k) = 2 k, k = 1 then 0.9: '{loss}' is Python's repr (2.0), '{loss:.3f}' 2.000.
    await constantGradientModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: [
      new callbacks.ModelCheckpoint({ filepath: join(dir, 'm-{epoch:02d}-{loss:.3f}'), saveWeightsOnly: true }),
      new callbacks.ModelCheckpoint({ filepath: join(dir, 'r-{epoch}-{loss}') }),
    ] });
    assert.deepEqual(readdirSync(dir).sort(), ['m-01-2.000', 'm-02-1.800', 'r-1-2.0', 'r-2-1.7999999523162842']);
    assert.ok(existsSync(join(dir, 'm-01-2.000', 'weights.json')) && !existsSync(join(dir, 'm-01-2.000', 'model.json')), 'weights only');
    assert.ok(existsSync(join(dir, 'r-1-2.0', 'model.json')));
    // 4 batches an epoch, a save every 3 batches: after epoch 1's 3rd batch and epoch 2's 2nd.
    const freq = mkdtempSync(join(tmpdir(), 'dt-ckpt-'));
    await constantGradientModel().fit(dt.ones([8, 2]), dt.zeros([8, 1]), { epochs: 2, batchSize: 2, verbose: 0, callbacks: [new callbacks.ModelCheckpoint({ filepath: join(freq, '{epoch}-{batch}'), saveFreq: 3 })] });
    assert.deepEqual(readdirSync(freq).sort(), ['1-3', '2-2']);
    const best = mkdtempSync(join(tmpdir(), 'dt-ckpt-'));
    await constantGradientModel().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new callbacks.ModelCheckpoint({ filepath: join(best, 'b'), saveBestOnly: true, monitor: 'val_loss' })] });
    assert.deepEqual(readdirSync(best), ['b']);
    await assert.rejects(constantGradientModel().fit(x, y, { verbose: 0, callbacks: [new callbacks.ModelCheckpoint({ filepath: join(best, '{val_acc:.2f}') })] }), /ModelCheckpoint filepath: '.*' names \{val_acc\}, which is not available; the names are: loss, epoch/);
    assert.throws(() => new callbacks.ModelCheckpoint({ filepath: 'a', save_best_only: true } as never), /ModelCheckpoint: unknown option 'save_best_only'/);
    assert.throws(() => new callbacks.ModelCheckpoint({ filepath: 'a', saveFreq: 'batch' as never }), /ModelCheckpoint: saveFreq must be 'epoch' or a positive integer \(batches\), got "batch"/);
  });

  it('ReduceLROnPlateau takes |minDelta| (Keras) and checks cooldown; TerminateOnNaN raiseError rejects fit', async () => {
    // |minDelta| = 0.1: 0.95 and 0.9 are no improvement on 1, so the rate halves after each.
    const m = constantGradientModel();
    const h = await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [scripted([1, 0.95, 0.9]), new callbacks.ReduceLROnPlateau({ monitor: 'score', mode: 'min', patience: 1, factor: 0.5, minDelta: -0.1 })] });
    assert.deepEqual(h.history.learning_rate.map((v) => +v.toFixed(6)), [0.1, 0.1, 0.05]);
    assert.ok(Math.abs(m.optimizer!.learningRate - 0.025) < 1e-9);
    // A schedule's rate cannot be set (Keras raises too): the error names the callback, when it first reduces.
    const sched = constantGradientModel();
    sched.compile({ loss: (_t: dt.Tensor, p: dt.Tensor) => p, optimizer: new dt.optimizers.SGD({ learningRate: new dt.schedules.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }) }) });
    const seen: number[] = [];
    await assert.rejects(sched.fit(x, y, { epochs: 3, verbose: 0, callbacks: [scripted([1, 1, 1]), new callbacks.ReduceLROnPlateau({ monitor: 'score', mode: 'min', patience: 1 }), { onEpochEnd: (_e, l) => { seen.push(l!.learning_rate); } }] }),
      /ReduceLROnPlateau: cannot set the learning rate to 0.0025000000000000005: .*ExponentialDecay schedule and cannot be set/);
    assert.deepEqual(seen, [0.05]); // the schedule's rate after one step, logged as Keras logs it
    assert.throws(() => new callbacks.ReduceLROnPlateau({ cooldown: -1 }), /ReduceLROnPlateau: cooldown must be an integer >= 0, got -1/);
    assert.throws(() => new callbacks.ReduceLROnPlateau({ minDelta: NaN }), /ReduceLROnPlateau: minDelta must be a finite number, got NaN/);
    // verbose messages print the rate as Keras does (Python's float: 1e-05, 1.0).
    const said: string[] = [], log = console.log;
    console.log = (s: string) => { said.push(s); };
    try { await constantGradientModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: [new callbacks.LearningRateScheduler((e) => [1e-5, 1][e], 1)] }); } finally { console.log = log; }
    assert.deepEqual(said, ['\nEpoch 1: LearningRateScheduler setting learning rate to 1e-05.', '\nEpoch 2: LearningRateScheduler setting learning rate to 1.0.']);
    assert.throws(() => new callbacks.LearningRateScheduler(() => 0.1, 'loud' as never), /LearningRateScheduler: verbose must be an integer >= 0, got "loud"/);
    const xs = dt.ones([4, 2]);
    xs.data[5] = NaN; // sample 2: the second batch of 2
    const stop = new callbacks.TerminateOnNaN({ raiseError: true });
    await assert.rejects(constantGradientModel().fit(xs, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0, callbacks: [stop] }), /TerminateOnNaN: NaN or Inf loss \(nan\) at epoch 1, batch 1/);
    assert.throws(() => new callbacks.TerminateOnNaN({ raise_error: true } as never), /TerminateOnNaN: unknown option 'raise_error'/);
  });

  it('CSVLogger writes a header and one row per epoch, and appends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-'));
    const file = join(dir, 'log.csv');
    const m = constantGradientModel();
    m.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['mae'] });
    await m.fit(x, y, { epochs: 2, verbose: 0, validationData: [x, y], callbacks: [new callbacks.CSVLogger(file)] });
    await m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y], callbacks: [new callbacks.CSVLogger(file, ',', true)] });
    await m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y], callbacks: [new callbacks.CSVLogger({ filename: file, append: true })] }); // the options form
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'epoch,loss,mae,val_loss,val_mae');
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['0', '1', '0', '0']);
    assert.throws(() => new callbacks.CSVLogger({ filepath: file } as never), /CSVLogger: unknown option 'filepath'. Valid options are: append, filename, separator/);
    assert.throws(() => new callbacks.CSVLogger(file, 3 as never), /CSVLogger: separator must be a non-empty string .* got 3/);
    assert.throws(() => new callbacks.CSVLogger(file, ',', 'yes' as never), /CSVLogger: append must be true or false, got "yes"/);
    assert.throws(() => new callbacks.CSVLogger({ filename: 3 } as never), /CSVLogger: filename must be a non-empty string \(a path such as 'log.csv'\), got 3/);
    // Python's csv module and float() read every value (what pandas.read_csv relies on).
    // Keras 3's values and columns: Python's float repr, and val_ columns of NA when a fit has no validation.
    const plain = join(dir, 'plain.csv');
    await constantGradientModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: [new callbacks.LearningRateScheduler((e) => [1e-5, 1][e]), new callbacks.CSVLogger(plain, ';')] });
    assert.deepEqual(readFileSync(plain, 'utf8').split('\n'), ['epoch;learning_rate;loss;val_learning_rate;val_loss', '0;1e-05;2.0;NA;NA', '1;1.0;1.9999799728393555;NA;NA', '']);
    const py = spawnSync('/usr/bin/python3', ['-c', `import csv,sys\nrows=list(csv.DictReader(open(sys.argv[1])))\nprint(len(rows), sum(float(r['loss']) for r in rows) > 0)`, file], { encoding: 'utf8' });
    if (py.status === 0) assert.equal(py.stdout.trim(), '4 True');
  });

  it('model.stopTraining set by a callback ends fit after that batch', async () => {
    const m = constantGradientModel();
    let batches = 0;
    const h = await m.fit(dt.ones([8, 2]), dt.zeros([8, 1]), { epochs: 3, batchSize: 2, verbose: 0, callbacks: [
      new callbacks.LambdaCallback({ onBatchEnd: (b) => { batches++; if (b === 1) m.stopTraining = true; } }),
    ] });
    assert.equal(batches, 2);
    assert.deepEqual(h.epoch, [0]);
  });

  it('stopTraining set in onTrainBegin still runs one batch and its epoch end, as Keras 3 (TF.js clears the flag after onTrainBegin)', async () => {
    for (const data of ['tensors', 'dataset'] as const) {
      const m = constantGradientModel(), seen: string[] = [];
      const cb = { onTrainBegin: () => { m.stopTraining = true; }, onBatchEnd: (b: number) => { seen.push(`batch ${b}`); }, onEpochEnd: (e: number) => { seen.push(`epoch ${e}`); } };
      const h = data === 'tensors'
        ? await m.fit(dt.ones([8, 2]), dt.zeros([8, 1]), { epochs: 3, batchSize: 2, verbose: 0, callbacks: [cb] })
        : await m.fit(dt.data.Dataset.fromGenerator(function* () { for (let i = 0; i < 4; i++) yield [dt.ones([2, 2]), dt.zeros([2, 1])] as [dt.Tensor, dt.Tensor]; }), { epochs: 3, verbose: 0, callbacks: [cb] });
      assert.deepEqual(seen, ['batch 0', 'epoch 0'], data);
      assert.deepEqual(h.epoch, [0], data);
    }
  });

  it('BackupAndRestore: a run SIGKILLed mid-epoch resumes and ends bit-identical to an uninterrupted run', () => {
    const run = (dir: string, kill?: string) => spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/backup-child.ts'), dir], {
      encoding: 'utf8', env: { ...process.env, DEEPTYPE_THREADS: '1', ...(kill ? { KILL_AT: kill } : {}) },
    });
    const base = mkdtempSync(join(tmpdir(), 'backup-'));
    const whole = run(join(base, 'a'));
    assert.equal(whole.status, 0, whole.stderr);
    const killed = run(join(base, 'b'), '2:3');
    assert.equal(killed.signal, 'SIGKILL', `expected the child to be killed: ${killed.stderr}`);
    assert.ok(existsSync(join(base, 'b', 'backup.json')), 'a backup was left behind');
    const resumed = run(join(base, 'b'));
    assert.equal(resumed.status, 0, resumed.stderr);
    const [a, b] = [JSON.parse(whole.stdout.trim().split('\n').pop()!), JSON.parse(resumed.stdout.trim().split('\n').pop()!)];
    assert.deepEqual(b.epochs, [2, 3, 4], 'resumed after the last finished epoch (1)');
    assert.equal(b.iterations, a.iterations);
    assert.equal(b.hex, a.hex);
    assert.ok(!existsSync(join(base, 'b', 'backup.json')), 'the backup is deleted at the end');
  });
});
