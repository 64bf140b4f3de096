// Killed processes: a child SIGKILLed at random points while it saves (or while ModelCheckpoint
// saves during fit) always leaves the old model or the new one loadable, never a mix and never
// nothing. Ctrl-C (SIGINT) during fit stops after the batch, runs onTrainEnd and exits clearly.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { loadModel, saveModel } from '../src/io/model-files.ts';
import { Random } from '../src/core/random.ts';
import { Progbar } from '../src/training/progbar.ts';

const CHILD = join(import.meta.dirname, '..', 'build', 'test-kill-child.mjs');
const root = mkdtempSync(join(tmpdir(), 'deeptype-kill-'));
const rng = new Random(99);

function smallModel(): models.Sequential {
  const m = new models.Sequential([new layers.Input({ shape: [8] }), new layers.Dense({ units: 16, activation: 'relu' }), new layers.Dense({ units: 4, activation: 'softmax' })]);
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
  return m;
}

/** Starts the child; resolves once it printed `signal` (then kills it after `delayMs` with `kill`), with its exit. */
function runChild(args: string[], signal: string, delayMs: number, kill: NodeJS.Signals): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { env: { ...process.env, DEEPTYPE_BACKEND: 'js' } });
    let stdout = '', stderr = '', sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes(signal)) { sent = true; setTimeout(() => child.kill(kill), delayMs); }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child ${args.join(' ')} did not finish: ${stderr}`)); }, 20_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr, stdout }); });
  });
}

/** Runs lanes of trials side by side (each lane has its own folder). */
async function lanes(count: number, trials: number, trial: (lane: number, i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: count }, async (_, lane) => {
    for (let i = lane; i < trials; i += count) await trial(lane, i);
  }));
}

describe('killed processes', () => {
  before(async () => {
    await build({ entryPoints: [join(import.meta.dirname, 'helpers', 'kill-child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: CHILD, packages: 'external', logLevel: 'error' });
  });

  it('SIGKILL at random points of model.save: 100 trials, each leaves the old or the new model, whole', async () => {
    const dirs = [0, 1, 2].map((l) => join(root, `save-${l}`));
    const last = [0, 0, 0];
    for (const dir of dirs) { const m = smallModel(); m.setWeights(m.weights.map((w) => dt.fill(w.shape, 0))); saveModel(m, dir); }
    // Files the cleanup of stale partials must leave alone: another pattern, another target.
    const decoys = ['notes.partial', '.other.json.1-deadbeef.partial', 'weights-x.bin.partial'];
    for (const dir of dirs) for (const f of decoys) writeFileSync(join(dir, f), 'keep');
    const partials = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.partial') && !decoys.includes(f));
    let kept = 0, advanced = 0, unloadable = 0, leftPartials = 0;
    await lanes(3, 100, async (lane, i) => {
      const dir = dirs[lane];
      // The child saves models k = last + 1, last + 2, ... in a loop; every weight of save k is k.
      await runChild(['save', dir, String(last[lane] + 1)], 'ready', rng.int(40), 'SIGKILL');
      let model: models.Model;
      try { model = loadModel(dir); } catch (e) { unloadable++; assert.fail(`trial ${i}: unloadable: ${(e as Error).message}`); }
      const values = new Set(model.weights.flatMap((w) => Array.from(w.data)));
      assert.equal(values.size, 1, `trial ${i}: a mix of saves ${[...values].join(', ')}`);
      const k = [...values][0];
      assert.ok(k >= last[lane], `trial ${i}: went back from save ${last[lane]} to ${k}`);
      if (k > last[lane]) advanced++; else kept++;
      last[lane] = k;
      // The next save to the folder removes what the killed one left half-written.
      if (partials(dir).length > 0) leftPartials++;
      saveModel(model, dir);
      assert.deepEqual(partials(dir), [], `trial ${i}: partial files survived the next save`);
    });
    for (const dir of dirs) for (const f of decoys) assert.ok(existsSync(join(dir, f)), `${f} was left alone`);
    console.log(`kill during save: 100 trials, ${advanced} left a newer model, ${kept} the previous one, ${unloadable} unloadable; ` +
      `${leftPartials} left partial files, none survived the next save`);
    assert.ok(leftPartials > 0, 'some kills land while a file is half-written');
    assert.ok(advanced > 0, 'some kills land after a save completed');
  });

  it('SIGKILL during fit with ModelCheckpoint: 30 trials, the checkpoint always loads with its optimizer state', async () => {
    const dirs = [0, 1, 2].map((l) => join(root, `ckpt-${l}`));
    for (const dir of dirs) saveModel(smallModel(), dir);
    let unloadable = 0, saved = 0;
    await lanes(3, 30, async (lane, i) => {
      await runChild(['checkpoint', dirs[lane]], 'ready', rng.int(60), 'SIGKILL');
      let model: models.Model;
      try { model = loadModel(dirs[lane]); } catch (e) { unloadable++; assert.fail(`trial ${i}: unloadable: ${(e as Error).message}`); }
      // Checkpoints are written at epoch ends: 4 steps per epoch, and weights that match the steps.
      const steps = model.optimizer!.iterations;
      assert.equal(steps % 4, 0, `trial ${i}: ${steps} steps is not a whole number of epochs`);
      assert.ok(steps > 0, `trial ${i}: the child's first checkpoint is gone`);
      saved++;
    });
    console.log(`kill during fit with ModelCheckpoint: 30 trials, ${saved} loaded a whole checkpoint of the child, ${unloadable} unloadable`);
  });

  it('SIGINT (Ctrl-C) during fit: stops after the batch, runs onTrainEnd, exits 130 with a clear line', async () => {
    const dir = mkdtempSync(join(root, 'sigint-'));
    const { code, stderr, stdout } = await runChild(['sigint', dir], 'training', 30, 'SIGINT');
    assert.equal(code, 130, stderr);
    assert.match(stderr, /fit interrupted \(Ctrl-C\) in epoch \d+ after batch \d+: stopped after that batch; onTrainEnd callbacks ran. Exiting./);
    assert.equal(readFileSync(join(dir, 'ended'), 'utf8'), 'onTrainEnd ran');
    assert.doesNotMatch(stdout, /fit returned/);
    assert.ok(existsSync(dir));
  });

  it('an interrupted progress bar gives the terminal its cursor back', () => {
    let written = '';
    const tty = { isTTY: true, write: (s: string) => { written += s; return true; }, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => tty, removeListener: () => tty };
    const bar = new Progbar(10, tty as never, true);
    bar.update(3, { loss: 1 });
    assert.match(written, /\x1b\[\?25l/, 'the bar hides the cursor');
    bar.stop();
    assert.match(written, /\x1b\[\?25h/, 'stop() shows it again');
  });
});
