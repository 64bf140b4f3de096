// Weight work kept between predicts (compile/prologue.ts): an inference plan replays its
// prologue (BatchNormalization's fold, kernels prepared for Winograd or packed) only when a
// weight may have changed or its workspace was overwritten. Every way of writing weights
// between two predicts must be seen: each predict after a write must equal, bit for bit, a
// twin model whose plan was traced with the cache off (the same kernels, the same algorithm)
// given the same weights; and the cache must actually be used when nothing changed.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import { Plan, prologueStats } from '../src/compile/plan.ts';
import { weightCacheTuning } from '../src/compile/prologue.ts';
import { assignMovingAverage } from '../src/ops/random.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvAlgorithm } from '../src/backends/wasm/winograd-kernels.ts';
import { worstError } from './helpers/compare.ts';

const { layers, models } = dt;

/** conv -> BN -> relu -> conv -> BN -> add (residual) -> relu -> pool -> dense: every fold and epilogue. */
function net(seed: number): dt.models.Model {
  dt.setRandomSeed(seed);
  const input = layers.input({ shape: [8, 8, 16] });
  let h = layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input) as dt.layers.SymbolicTensor;
  h = layers.batchNormalization({ name: 'bn1' }).apply(h) as dt.layers.SymbolicTensor;
  h = layers.reLU().apply(h) as dt.layers.SymbolicTensor;
  let r = layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, name: 'c2' }).apply(h) as dt.layers.SymbolicTensor;
  r = layers.batchNormalization({ name: 'bn2' }).apply(r) as dt.layers.SymbolicTensor;
  h = layers.add().apply([r, h]) as dt.layers.SymbolicTensor;
  h = layers.reLU().apply(h) as dt.layers.SymbolicTensor;
  h = layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c3' }).apply(h) as dt.layers.SymbolicTensor;
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h) as dt.layers.SymbolicTensor;
  h = layers.globalAveragePooling2d().apply(h) as dt.layers.SymbolicTensor;
  const out = layers.dense({ units: 3, name: 'head' }).apply(h) as dt.layers.SymbolicTensor;
  const m = models.model({ inputs: input, outputs: out, name: `cached${seed}` });
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
  return m;
}

const values = (t: dt.Tensor): Float32Array => Float32Array.from(t.dataSync());
const weightNamed = (m: dt.models.Model, part: string): dt.Variable => m.weights.find((w) => w.name.includes(part))!;
const noise = (shape: number[], seed: number): dt.Tensor => { dt.setRandomSeed(seed); return dt.randomUniform(shape, -1, 1); };

/** The ways of writing weights between two predicts, each changing the model's answer. */
function writePaths(dir: string): [string, (m: dt.models.Model, step: number) => void | Promise<void>][] {
  return [
    ['Variable.assign', (m, s) => weightNamed(m, 'c1').assign(noise(weightNamed(m, 'c1').shape, s))],
    ['layer.setWeights', (m, s) => m.getLayer('c2').setWeights([noise([3, 3, 16, 16], s)])],
    ['model.setWeights', (m, s) => m.setWeights(m.getWeights().map((w, i) => (i === 0 ? noise(w.shape, s) : w)))],
    ['data.set on a moving mean', (m, s) => weightNamed(m, 'bn2/moving_mean').data.set(noise([16], s).dataSync())],
    ['data[i] = v on a moving variance', (m) => { weightNamed(m, 'bn1/moving_variance').data[3] = 7; }],
    ['data[i] = v on gamma', (m) => { weightNamed(m, 'bn2/gamma').data[0] = -3; }],
    ['fit (optimizer and moving statistics)', async (m, s) => { await m.fit(noise([4, 8, 8, 16], s), dt.tensor([0, 1, 2, 1], [4], 'int32'), { epochs: 1, batchSize: 4, verbose: 0 }); }],
    ['trainOnBatch', (m, s) => { m.trainOnBatch(noise([2, 8, 8, 16], s), dt.tensor([2, 0], [2], 'int32')); }],
    ['optimizer.applyGradients', (m, s) => m.optimizer!.applyGradients(m.trainableWeights.map((w, i) => [noise(w.shape, s + i), w] as const))],
    ['loadWeights from a file', async (m, s) => {
      const other = net(100 + s);
      await other.saveWeights(join(dir, `w${s}`));
      await m.loadWeights(join(dir, `w${s}`));
    }],
  ];
}

/** Runs every write path between predicts of `model` (cache on) against `twin` (cache off). */
async function checkWritePaths(what: string, dir: string): Promise<void> {
  const model = net(1), twin = net(2);
  weightCacheTuning.enabled = false;
  twin.predict(noise([1, 8, 8, 16], 9)); // traced with the cache off: its plan redoes the weight work every run
  weightCacheTuning.enabled = true;
  const x = noise([1, 8, 8, 16], 5);
  const expected = (): Float32Array => { twin.setWeights(model.getWeights()); return values(twin.predict(x)); };
  let previous = values(model.predict(x));
  assert.deepEqual(previous, expected(), `${what}: first predict`);
  let step = 10;
  for (const [path, write] of writePaths(dir)) {
    model.predict(x);
    const skips = prologueStats.skips;
    const unchanged = values(model.predict(x));
    assert.ok(prologueStats.skips > skips, `${what}: nothing changed, so the plan should have skipped its weight work`);
    assert.deepEqual(unchanged, previous, `${what}: a predict before '${path}' differs from the last`);
    await write(model, step++);
    const got = values(model.predict(x));
    assert.notDeepEqual(got, previous, `${what}: '${path}' should have changed the answer`);
    assert.deepEqual(got, expected(), `${what}: the predict after '${path}' is stale or wrong`);
    previous = got;
  }
  // Another plan (batch 3, traced and checked already, so it only replays) overwrites the
  // workspace that holds the prologue's outputs.
  const x3 = noise([3, 8, 8, 16], 6);
  model.predict(x3, { batchSize: 3 });
  model.predict(x3, { batchSize: 3 });
  model.predict(x);
  model.predict(x);
  const skips = prologueStats.skips;
  model.predict(x3, { batchSize: 3 });
  assert.deepEqual(values(model.predict(x)), previous, `${what}: a predict at batch 3 in between changed the batch-1 answer`);
  assert.equal(prologueStats.skips, skips + 1, `${what}: the batch-3 plan should have skipped its weight work, and the batch-1 plan redone it`);
  // evaluate's plans keep weight work too (mse: sensitive to every output).
  const y = noise([1, 3], 98);
  for (const m of [model, twin]) m.compile({ loss: 'mse', optimizer: 'sgd' });
  weightCacheTuning.enabled = false;
  twin.evaluate(x, y, { batchSize: 1, verbose: 0 });
  weightCacheTuning.enabled = true;
  const loss = (): number[] => model.evaluate(x, y, { batchSize: 1, verbose: 0 }) as number[];
  loss(); loss();
  const evaluateSkips = prologueStats.skips;
  const before = loss();
  assert.ok(prologueStats.skips > evaluateSkips, `${what}: evaluate should have skipped its weight work`);
  weightNamed(model, 'head').assign(noise(weightNamed(model, 'head').shape, 99));
  const after = loss();
  twin.setWeights(model.getWeights());
  assert.notDeepEqual(after, before, `${what}: evaluate after assign should differ`);
  assert.deepEqual(after, twin.evaluate(x, y, { batchSize: 1, verbose: 0 }), `${what}: evaluate after assign is stale or wrong`);
}

describe('weight work cached between predicts: every write path is seen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-weight-cache-'));
  after(() => { rmSync(dir, { recursive: true, force: true }); dt.setBackend('wasm'); });

  it('js backend', async () => {
    dt.setBackend('js');
    await checkWritePaths('js', dir);
  });

  const wasm = (): WasmBackend => backend() as WasmBackend;
  // Forced algorithms: 'auto' picks differently with prepared weights (Winograd at batch 1), so
  // the twin would run another algorithm; that choice is checked below against float64.
  const cases: [ConvAlgorithm, 'auto' | 'always', number][] = [['direct', 'always', 1], ['winograd4', 'auto', 1], ['winograd', 'auto', 2], ['winograd4', 'auto', 2], ['direct', 'auto', 2]];
  for (const [algorithm, packing, threads] of cases) {
    it(`wasm, ${algorithm}${packing === 'always' ? ' with packed weights' : ''}, ${threads} thread${threads > 1 ? 's' : ''}`, async () => {
      dt.setBackend('wasm');
      dt.setThreads(threads);
      await dt.ready();
      const saved = [wasm().convAlgorithm, wasm().weightPacking] as const;
      wasm().convAlgorithm = algorithm;
      wasm().weightPacking = packing;
      try { await checkWritePaths(`wasm ${algorithm} ${threads}t`, dir); } finally { [wasm().convAlgorithm, wasm().weightPacking] = saved; }
    });
  }

  it('a compiled step that writes a weight in place (moving average) makes the next predict redo its weight work (another plan ran)', () => {
    for (const name of ['js', 'wasm']) {
      dt.setBackend(name);
      const w = new dt.Variable(dt.tensor([1, 2, 3, 4]), 'w');
      const persistent = new Set([w.data]);
      const predict = Plan.trace(([x]) => [dt.mul(x, dt.add(w, 1))], [dt.tensor([1, 1, 1, 1])], persistent, { weightWork: true });
      const update = Plan.trace(([v]) => { assignMovingAverage(w, v, 0.5); return [v]; }, [dt.tensor([0, 0, 0, 0])], persistent);
      const x = new Float32Array([1, -1, 2, 0.5]);
      predict.run([x]);
      const skips = prologueStats.skips;
      assert.deepEqual([...predict.run([x])[0].data], [2, -3, 8, 2.5], `${name}: before`);
      assert.equal(prologueStats.skips, skips + 1, `${name}: the second run should skip the weight work`);
      update.run([new Float32Array([9, 9, 9, 9])]); // w = [5, 5.5, 6, 6.5] through the plan's own view
      const want = [1, -1, 2, 0.5].map((v, i) => Math.fround(v * Math.fround([5, 5.5, 6, 6.5][i] + 1)));
      assert.deepEqual([...predict.run([x])[0].data], want, `${name}: after the in-place update`);
    }
  });
});

// [map size, C, F, path, what 'auto' picks with prepared weights]: the zoo's batch-1 shapes
// where prepared kernels make Winograd pay (winograd-kernels.ts#preparedTuning), and a 4x4 map.
const BATCH1: [number, number, number, 'plain' | 'pooled' | 'residual', 'winograd' | 'winograd4'][] = [
  [8, 128, 128, 'pooled', 'winograd4'], [8, 64, 64, 'residual', 'winograd4'], [16, 32, 32, 'residual', 'winograd4'],
  [8, 64, 128, 'plain', 'winograd4'], [11, 32, 64, 'plain', 'winograd4'], [4, 64, 64, 'plain', 'winograd'], [7, 32, 36, 'pooled', 'winograd4'],
];

/** input -> conv 3x3 same (+ bias) -> [add input] -> relu [-> 2x2 max pooling]. */
function convNet(hw: number, c: number, f: number, path: 'plain' | 'pooled' | 'residual', seed: number): dt.models.Model {
  dt.setRandomSeed(seed);
  const input = layers.input({ shape: [hw, hw, c] });
  const conv = layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', biasInitializer: 'randomNormal', activation: path === 'residual' ? 'linear' : 'relu' });
  let h = conv.apply(input) as dt.layers.SymbolicTensor;
  if (path === 'residual') h = layers.reLU().apply(layers.add().apply([h, input]) as dt.layers.SymbolicTensor) as dt.layers.SymbolicTensor;
  if (path === 'pooled') h = layers.maxPooling2d({ poolSize: 2 }).apply(h) as dt.layers.SymbolicTensor;
  const m = models.model({ inputs: input, outputs: h });
  conv.setWeights([noise([3, 3, c, f], seed + 1), noise([f], seed + 2)]); // values of order 1, as test/winograd4.test.ts's
  return m;
}

/** The same in float64 on the reference backend, from the model's weights. */
function exactNet(m: dt.models.Model, x: dt.Tensor, path: 'plain' | 'pooled' | 'residual'): Float64Array {
  const [k, b] = m.getWeights();
  return dt.withBackend('js', () => {
    const x64 = x.cast('float64');
    let y = dt.conv2d(x64, k.cast('float64'), { padding: 'same', bias: b.cast('float64') });
    if (path === 'residual') y = y.add(x64);
    y = dt.relu(y);
    if (path === 'pooled') y = dt.maxPool2d(y, 2);
    return y.dataSync() as Float64Array;
  });
}

/** Records the form of every kernel a plan prepares on b (until stopRecording). */
function recordPreparedForms(b: WasmBackend): string[] {
  const forms: string[] = [];
  const prepare = b.prepareConvWeights.bind(b);
  b.prepareConvWeights = (w, p, info, form) => { forms.push(form); prepare(w, p, info, form); };
  return forms;
}
const stopRecording = (b: WasmBackend): void => { delete (b as unknown as Record<string, unknown>).prepareConvWeights; };

describe('Winograd at batch 1 once the kernel transform is cached', () => {
  const byThreads = new Map<string, Float32Array>();
  for (const threads of [1, 2]) {
    it(`picks F(2x2) / F(4x4) where measured faster, within 1e-4 of float64 and of the direct kernel, ${threads} thread${threads > 1 ? 's' : ''} (bitwise alike)`, async (t) => {
      dt.setBackend('wasm');
      dt.setThreads(threads);
      await dt.ready();
      const b = backend() as WasmBackend;
      const forms = recordPreparedForms(b);
      let worst = 0;
      try {
        for (const [hw, c, f, path, algorithm] of BATCH1) {
          const what = `${c}->${f} @${hw} ${path}`;
          const m = convNet(hw, c, f, path, hw * c + f);
          const x = noise([1, hw, hw, c], f);
          forms.length = 0;
          const y = values(m.predict(x));
          assert.deepEqual(forms, [algorithm], `${what}: the weights prepared for ${algorithm}`);
          const err = worstError(y, exactNet(m, x, path));
          assert.ok(err < 1e-4, `${what}: ${err} from float64`);
          worst = Math.max(worst, err);
          b.convAlgorithm = 'direct';
          m.resetPlans();
          const direct = values(m.predict(x));
          b.convAlgorithm = 'auto';
          assert.ok(worstError(y, direct) < 1e-4, `${what}: vs the direct kernel`);
          const key = what;
          if (byThreads.has(key)) assert.deepEqual(y, byThreads.get(key), `${what}: two threads vs one`);
          byThreads.set(key, y);
        }
      } finally {
        stopRecording(b);
        b.convAlgorithm = 'auto';
      }
      t.diagnostic(`worst error vs float64, relative to max(1, |y|): ${worst.toExponential(2)}`);
    });
  }
});

describe('weights packed once for the direct kernels', () => {
  it('a 1x1 256->512 convolution on 4x4 (packed only when packed ahead) is packed in the prologue and equals the unpacked predict bit for bit, 1 and 2 threads', async () => {
    dt.setBackend('wasm');
    for (const threads of [1, 2]) {
      dt.setThreads(threads);
      await dt.ready();
      const b = backend() as WasmBackend;
      const forms = recordPreparedForms(b);
      try {
        dt.setRandomSeed(3);
        const input = layers.input({ shape: [4, 4, 256] });
        const conv = layers.conv2d({ filters: 512, kernelSize: 1, activation: 'relu' });
        const m = models.model({ inputs: input, outputs: conv.apply(input) as dt.layers.SymbolicTensor });
        const x = noise([1, 4, 4, 256], 4);
        const packed = values(m.predict(x));
        assert.deepEqual(forms, ['packed']);
        weightCacheTuning.enabled = false;
        m.resetPlans();
        const unpacked = values(m.predict(x));
        weightCacheTuning.enabled = true;
        assert.deepEqual(packed, unpacked, `${threads} threads`);
      } finally {
        weightCacheTuning.enabled = true;
        stopRecording(b);
      }
    }
  });
});
