// BatchNormalization's batch statistics taken in the convolution in front of it (a training
// plan's fusion, compile/fusions-bn-stats.ts): conv2dBatchStats writes the output and its
// per-channel mean and variance (wasm: the pointwise GEMM sums them in its epilogue, other
// kernels in a pass after), and the BN forwards given that record take no pass of their own.
// Checked: the record against the float64 two-pass statistics of the output (mean 1000 with a
// small spread included), the output equal to conv2d's, 1 and 2 threads bit for bit, the BN
// forwards with the record against the ones without on both backends, bad records refused, and
// training plans with the fusion against eager steps and against the plan without it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { columnMoments, readStatistics, statisticsFloats } from '../src/backends/js/norm-stats.ts';
import { bnStatsTuning } from '../src/compile/fusions-bn-stats.ts';
import { backend } from '../src/core/engine.ts';
import { Random } from '../src/core/random.ts';
import { convInfo } from '../src/ops/conv.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertCompiledTrainsAsEager, worstError } from './helpers/compare.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(2323);
const floats = (n: number, shift = 0, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread + shift);
const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const eps = 1e-3;

interface ConvCase { what: string; info: ConvInfo; x: Float32Array; w: Float32Array; bias: Float32Array | null }
/** [batch, h, w, c] -> filters, kernel, stride, padding; `shift`: the bias (the outputs' mean). */
function convCase(batch: number, h: number, wd: number, c: number, filters: number, k: number, stride: number, padding: 'same' | 'valid', shift: number, groups = 1): ConvCase {
  const info = convInfo([batch, h, wd, c], [k, k, c / groups, filters], { strides: stride, padding, groups });
  const x = floats(batch * h * wd * c), w = floats(k * k * (c / groups) * filters, 0, 0.01 + 0.5 / Math.sqrt(k * k * c));
  const bias = shift === 0 ? null : floats(filters, shift, 0.5);
  return { what: `[${batch},${h},${wd},${c}] ${k}x${k}/${stride} ${padding} -> ${filters}${groups > 1 ? ` groups ${groups}` : ''} mean ~${shift}`, info, x, w, bias };
}
// 1x1 stride 1 (the pointwise GEMM: its epilogue) with odd channels, pixels not a multiple of
// its 6-row tile, calls on one thread and split between threads; 3x3 at strides 1 and 2 with
// padding (the pass after); 3x3 depthwise ones (dwConv3x3's epilogue) at strides 1 and 2.
const CASES = (): ConvCase[] => [
  convCase(1, 3, 5, 4, 8, 1, 1, 'valid', 0.3),
  convCase(2, 7, 5, 13, 37, 1, 1, 'valid', 1000),
  convCase(3, 17, 19, 32, 64, 1, 1, 'valid', 0),
  convCase(4, 32, 32, 32, 64, 1, 1, 'valid', 1000),
  convCase(2, 31, 29, 16, 24, 1, 1, 'valid', 2),
  convCase(2, 9, 11, 5, 7, 3, 1, 'same', 1000),
  convCase(3, 16, 16, 16, 32, 3, 2, 'same', 0.5),
  convCase(2, 12, 10, 20, 20, 3, 1, 'same', 0, 20),
  convCase(8, 32, 32, 32, 32, 3, 1, 'same', 1000, 32),
  convCase(8, 33, 31, 24, 24, 3, 2, 'same', 0, 24),
  convCase(2, 9, 9, 6, 6, 3, 2, 'valid', 0.5, 6),
];
const rowsOf = (i: ConvInfo): number => i.batch * i.outH * i.outW;

function runStats(be: WasmBackend | JsBackend, k: ConvCase): { out: Float32Array; statistics: Float32Array } {
  const out = new Float32Array(rowsOf(k.info) * k.info.outC), statistics = new Float32Array(statisticsFloats(k.info.outC));
  be.conv2dBatchStats(k.x, k.w, k.bias, out, k.info, statistics);
  return { out, statistics };
}

describe('bn-stats: conv2dBatchStats', () => {
  it('writes conv2d\'s output and its mean and variance within 1e-5 of float64, both backends; 1 and 2 threads bit for bit', async () => {
    const one = new WasmBackend(1), two = new WasmBackend(2), js = new JsBackend();
    await Promise.all([one.whenReady(), two.whenReady()]);
    for (const k of CASES()) {
      const C = k.info.outC, rows = rowsOf(k.info);
      for (const [name, be] of [['js', js], ['wasm 1 thread', one], ['wasm 2 threads', two]] as const) {
        const got = runStats(be, k), plain = new Float32Array(got.out.length);
        be.conv2d(k.x, k.w, k.bias, plain, k.info);
        assert.ok(sameBits(got.out, plain), `${k.what} ${name}: the output is conv2d's`);
        const want = columnMoments(plain, rows, C), stats = readStatistics(got.statistics, C);
        for (let c = 0; c < C; c++) {
          assert.ok(Math.abs(stats.mean[c] - want.mean[c]) <= 1e-5 * Math.max(1e-3, Math.abs(want.mean[c])), `${k.what} ${name}: mean[${c}] ${stats.mean[c]}, float64 ${want.mean[c]}`);
          assert.ok(Math.abs(stats.variance[c] - want.variance[c]) <= 1e-5 * want.variance[c] + 1e-12, `${k.what} ${name}: variance[${c}] ${stats.variance[c]}, float64 ${want.variance[c]}`);
        }
      }
      assert.ok(sameBits(runStats(one, k).statistics, runStats(two, k).statistics), `${k.what}: 1 and 2 threads give the same record`);
    }
  });

  it('sums the statistics in the pointwise GEMM\'s and the 3x3 depthwise kernel\'s epilogues on wasm (no pass after), and elsewhere in a pass after', async () => {
    const be = new WasmBackend(2);
    await be.whenReady();
    const ran: string[] = [], par = be.par.bind(be);
    be.par = (name, ...rest) => { ran.push(name); return par(name, ...rest); };
    runStats(be, convCase(4, 32, 32, 32, 64, 1, 1, 'valid', 0));
    assert.deepEqual(ran.filter((n) => n !== 'packPanels'), ['pointwiseGemmStats']);
    ran.length = 0;
    runStats(be, convCase(8, 32, 32, 32, 32, 3, 1, 'same', 0, 32));
    assert.deepEqual(ran, ['dwConv3x3Stats']);
    ran.length = 0;
    runStats(be, convCase(3, 16, 16, 16, 32, 3, 2, 'same', 0));
    assert.ok(ran.includes('bnShiftedSums') && !ran.includes('pointwiseGemmStats'), ran.join(', '));
  });

  it('the BN forwards given the record equal the ones without within 1e-5 (relu, relu6, none, residual), both backends', async () => {
    const be = new WasmBackend(2), js = new JsBackend();
    await be.whenReady();
    for (const k of [CASES()[1], CASES()[3], CASES()[5]]) {
      const C = k.info.outC, rows = rowsOf(k.info);
      for (const [name, b] of [['js', js], ['wasm', be]] as const) {
        const { out: x, statistics } = runStats(b, k);
        const gamma = floats(C, 1, 0.5), beta = floats(C), residual = floats(x.length);
        const forwards: [string, (s: Float32Array | null, y: Float32Array, m: Float32Array, v: Float32Array) => void][] = [
          ['batchNorm', (s, y, m, v) => b.batchNorm(x, gamma, beta, y, m, v, rows, C, eps, s)],
          ['batchNormActivation relu', (s, y, m, v) => b.batchNormActivation(x, gamma, beta, y, m, v, rows, C, eps, 'relu', null, s)],
          ['batchNormActivation relu6', (s, y, m, v) => b.batchNormActivation(x, gamma, null, y, m, v, rows, C, eps, 'relu6', new Float32Array(3 * C + 1), s)],
          ['batchNormResidualActivation', (s, y, m, v) => b.batchNormResidualActivation(x, null, beta, residual, y, m, v, rows, C, eps, 'relu', s)],
        ];
        for (const [kernel, f] of forwards) {
          const [y0, y1] = [new Float32Array(x.length), new Float32Array(x.length)], [m0, m1, v0, v1] = [0, 0, 0, 0].map(() => new Float32Array(C));
          f(null, y0, m0, v0);
          f(statistics, y1, m1, v1);
          const what = `${k.what} ${name} ${kernel}`;
          assert.ok(worstError(y1, y0) <= 1e-5, `${what}: y ${worstError(y1, y0)}`);
          assert.ok(worstError(m1, m0) <= 1e-5, `${what}: mean ${worstError(m1, m0)}`);
          v0.forEach((v, c) => assert.ok(Math.abs(v1[c] - v) <= 1e-5 * v + 1e-12, `${what}: variance[${c}] ${v1[c]} vs ${v}`));
        }
      }
    }
  });

  it('a record of the wrong size or dtype is refused, naming the kernel, on both backends', () => {
    for (const be of [new WasmBackend(1), new JsBackend()]) {
      const k = convCase(1, 3, 5, 4, 8, 1, 1, 'valid', 0), out = new Float32Array(15 * 8);
      assert.throws(() => be.conv2dBatchStats(k.x, k.w, null, out, k.info, new Float32Array(31)), /conv2dBatchStats: statistics must be a float array of 32 values for 8 channels, got Float32Array\(31\)/);
      assert.throws(() => be.batchNorm(out, null, null, new Float32Array(out.length), new Float32Array(8), new Float32Array(8), 15, 8, eps, new Float32Array(8)), /batchNorm: statistics must be a float array of 32 values/);
      assert.throws(() => be.batchNormActivation(out, null, null, new Float32Array(out.length), new Float32Array(8), new Float32Array(8), 15, 8, eps, 'relu', null, new Int32Array(32)), /batchNormActivation: statistics must be a float array of 32 values for 8 channels, got Int32Array\(32\)/);
      assert.throws(() => be.batchNormResidualActivation(out, null, null, out, new Float32Array(out.length), new Float32Array(8), new Float32Array(8), 15, 8, eps, 'relu', new Float32Array(4)), /batchNormResidualActivation: statistics must be/);
    }
  });
});

/** conv 1x1 -> BN -> relu6, depthwise 3x3 -> BN -> relu6, conv 3x3 stride 2 -> BN -> relu, a residual tail conv -> BN -> add -> relu, a plain conv -> BN. */
function buildModel(): models.Model {
  dt.setRandomSeed(23);
  const inputs = layers.input({ shape: [9, 7, 5] });
  const bn = (x: SymbolicTensor): SymbolicTensor => new layers.BatchNormalization().apply(x) as SymbolicTensor;
  const conv = (x: SymbolicTensor, filters: number, kernelSize: number, strides = 1): SymbolicTensor =>
    new layers.Conv2D({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as SymbolicTensor;
  let x = new layers.ReLU({ maxValue: 6 }).apply(bn(conv(inputs, 13, 1))) as SymbolicTensor;
  x = new layers.ReLU({ maxValue: 6 }).apply(bn(new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(x) as SymbolicTensor)) as SymbolicTensor;
  x = new layers.ReLU().apply(bn(conv(x, 16, 3, 2))) as SymbolicTensor;
  const tail = bn(conv(x, 16, 3));
  x = new layers.ReLU().apply(new layers.Add().apply([tail, x]) as SymbolicTensor) as SymbolicTensor;
  x = bn(conv(x, 8, 1));
  x = new layers.GlobalAveragePooling2D().apply(x) as SymbolicTensor;
  const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
  return models.model({ inputs, outputs });
}

describe('bn-stats: the training plan fusion', () => {
  for (const backendName of ['js', 'wasm']) {
    it(`on ${backendName}: every conv -> BN takes the convolution's statistics, trains as eager, and as the plan without the fusion`, async () => {
      dt.setBackend(backendName);
      const x = randomTensor([10, 9, 7, 5], rng, -1, 2, 'float32'), y = dt.tensor(Array.from({ length: 10 }, (_, i) => i % 3), null, 'int32');
      await assertCompiledTrainsAsEager(buildModel, x, y, `${backendName} bn-stats`);
      const trained = (enabled: boolean): { model: models.Model; ran: Set<string> } => {
        bnStatsTuning.enabled = enabled;
        const ran = new Set<string>(), be = backend() as unknown as { par?: (name: string, ...rest: unknown[]) => void };
        const par = be.par;
        if (par) be.par = (name: string, ...rest: unknown[]) => { ran.add(name); return par.call(be, name, ...rest); };
        try {
          const model = buildModel();
          model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
          for (let step = 0; step < 3; step++) model.trainStep(x, y);
          return { model, ran };
        } finally { bnStatsTuning.enabled = true; if (par) be.par = par; }
      };
      const fused = trained(true), plain = trained(false);
      fused.model.getWeights().forEach((w, i) => assert.ok(worstError(w.dataSync(), plain.model.getWeights()[i].dataSync()) <= 1e-5, `weight ${i}: fused vs unfused plan`));
      const plans = (fused.model as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      const train = [...plans.entries()].find(([key]) => key.includes('|train|'))![1];
      assert.equal(train.calls.filter((c) => c.kernel === 'conv2dBatchStats').length, 5, train.calls.map((c) => c.kernel).join(', '));
      assert.equal(train.calls.filter((c) => c.kernel === 'conv2d').length, 0);
      if (backendName === 'wasm') assert.ok(['pointwiseGemmStats', 'dwConv3x3Stats'].every((k) => fused.ran.has(k) && !plain.ran.has(k)), [...fused.ran].join(', '));
    });
  }
});
