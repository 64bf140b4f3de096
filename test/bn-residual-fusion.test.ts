// A residual block's tail, batchNorm -> add -> relu (or relu6), as one batchNormResidualActivation
// call in a compiled training step: the kernel against the unfused kernels on both backends (odd
// rows and channels, with and without gamma/beta, 1 and 2 threads), the unfused float64 formula
// written here, and the plans of residual blocks (fused where the pattern holds, left alone where
// the shortcut is written after the normalization or read elsewhere; compiled = eager).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import type { Backend, ConvActivation } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { bnResidualActivation } from '../src/compile/fusions-norm.ts';
import type { Call } from '../src/compile/fusions.ts';

const rng = new Random(97);
const floats = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
const ACT: Record<ConvActivation, (v: number) => number> = { relu: (v) => Math.max(v, 0), relu6: (v) => Math.min(Math.max(v, 0), 6) };

/** act(batchNorm(x) + residual) in float64 from the definition: biased batch variance. */
function reference(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, res: Float32Array, rows: number, C: number, eps: number, act: ConvActivation): Float64Array {
  const out = new Float64Array(x.length);
  for (let c = 0; c < C; c++) {
    let m = 0, v = 0;
    for (let r = 0; r < rows; r++) m += x[r * C + c];
    m /= rows;
    for (let r = 0; r < rows; r++) v += (x[r * C + c] - m) ** 2;
    v /= rows;
    for (let r = 0; r < rows; r++) {
      const i = r * C + c;
      out[i] = ACT[act](((x[i] - m) / Math.sqrt(v + eps)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0) + res[i]);
    }
  }
  return out;
}

describe('batchNormResidualActivation: batchNorm + add + relu / relu6 in one pass', () => {
  it('equals the unfused kernels (bit for bit on wasm) and the float64 formula within 1e-5, js and wasm 1/2 threads', async () => {
    const backends: Backend[] = [new JsBackend(), new WasmBackend(1), new WasmBackend(2)];
    for (const b of backends) if (b instanceof WasmBackend) await b.whenReady();
    let checked = 0;
    for (const [rows, C] of [[1, 1], [7, 3], [33, 5], [64, 16], [301, 12], [2048, 17]]) {
      for (const act of ['relu', 'relu6'] as const) {
        for (const affine of [true, false]) {
          const x = floats(rows * C, -2, 5), res = floats(rows * C, -3, 4);
          const [gamma, beta] = affine ? [floats(C, 0.5, 3), floats(C, -1, 2)] : [null, null];
          const want = reference(x, gamma, beta, res, rows, C, 1e-3, act);
          for (const b of backends) {
            const what = `${rows}x${C} ${act}${affine ? '' : ' no gamma/beta'} on ${b instanceof WasmBackend ? `wasm ${b.threads}t` : 'js'}`;
            const arr = (v: ArrayLike<number>): Float32Array => {
              if (!(b instanceof WasmBackend)) return Float32Array.from(v);
              const a = b.mem.f32(b.mem.reserve(Math.max(v.length, 1) * 4), v.length); a.set(v); return a;
            };
            const [bx, bres, g, be] = [arr(x), arr(res), gamma && arr(gamma), beta && arr(beta)];
            const y = arr(new Float32Array(rows * C).fill(NaN)), mean = arr(new Float32Array(C)), variance = arr(new Float32Array(C));
            b.batchNormResidualActivation(bx, g, be, bres, y, mean, variance, rows, C, 1e-3, act);
            // The unfused calls: batchNorm, add, activation.
            const [y0, m0, v0, z, r] = [arr(new Float32Array(rows * C)), arr(new Float32Array(C)), arr(new Float32Array(C)), arr(new Float32Array(rows * C)), arr(new Float32Array(rows * C))];
            b.batchNorm(bx, g, be, y0, m0, v0, rows, C, 1e-3);
            b.binary('add', y0, [1], bres, [1], z, [rows * C]);
            b.unary(act, z, r);
            for (let i = 0; i < C; i++) assert.ok(mean[i] === m0[i] && variance[i] === v0[i], `${what}: statistics of channel ${i}`);
            for (let i = 0; i < y.length; i++) {
              if (b instanceof WasmBackend) assert.ok(Object.is(y[i], r[i]), `${what} [${i}]: fused ${y[i]} vs unfused ${r[i]}`);
              else assert.ok(Math.abs(y[i] - r[i]) <= 1e-6 * Math.max(1, Math.abs(r[i])), `${what} [${i}]: fused ${y[i]} vs unfused ${r[i]}`);
              assert.ok(Math.abs(y[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `${what} [${i}]: ${y[i]} vs float64 ${want[i]}`);
            }
            checked++;
          }
        }
      }
    }
    assert.equal(checked, 72);
  });

  it('the rewrite leaves the pattern alone where the shortcut is written after the normalization, or y or z has another reader', () => {
    const buf = (): Float32Array => new Float32Array(8);
    const [x, y, s, z, r, m, v, other] = [buf(), buf(), buf(), buf(), buf(), buf(), buf(), buf()];
    const bn: Call = { kernel: 'batchNorm', args: [x, null, null, y, m, v, 2, 4, 1e-3] };
    const writeS: Call = { kernel: 'unary', args: ['neg', other, s] };
    const add: Call = { kernel: 'binary', args: ['add', y, [1], s, [1], z, [8]] };
    const relu: Call = { kernel: 'unary', args: ['relu', z, r] };
    const kernels = (calls: Call[]): string[] => bnResidualActivation.rewrite(calls, new Set([r])).map((c) => c.kernel);
    assert.deepEqual(kernels([writeS, bn, add, relu]), ['unary', 'batchNormResidualActivation']);
    assert.deepEqual(kernels([bn, writeS, add, relu]), ['batchNorm', 'unary', 'binary', 'unary'], 'the shortcut is written after the batchNorm');
    assert.deepEqual(kernels([writeS, bn, add, relu, { kernel: 'unary', args: ['neg', y, other] }]), ['unary', 'batchNorm', 'binary', 'unary', 'unary'], 'y read twice');
    assert.deepEqual(kernels([writeS, bn, add, relu, { kernel: 'unary', args: ['neg', z, other] }]), ['unary', 'batchNorm', 'binary', 'unary', 'unary'], 'z read twice');
    const fused = bnResidualActivation.rewrite([writeS, bn, add, relu], new Set([r]))[1];
    assert.deepEqual(fused.args, [x, null, null, s, r, m, v, 2, 4, 1e-3, 'relu']);
  });

  /** conv-BN-relu-conv-BN + shortcut -> relu; the shortcut a projection (1x1 conv + BN) when `project`, else the input. */
  function block(project: boolean, activation: 'relu' | 'relu6'): models.Model {
    const act = (): layers.Layer => (activation === 'relu' ? layers.reLU() : layers.reLU({ maxValue: 6 }));
    const inputs = layers.input({ shape: [6, 6, 4] });
    let h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
    h = act().apply(layers.batchNormalization().apply(h)) as SymbolicTensor;
    h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(h) as SymbolicTensor;
    h = layers.batchNormalization().apply(h) as SymbolicTensor;
    const shortcut = project
      ? layers.batchNormalization().apply(layers.conv2d({ filters: 4, kernelSize: 1, useBias: false }).apply(inputs)) as SymbolicTensor
      : inputs;
    const out = act().apply(layers.add().apply([h, shortcut])) as SymbolicTensor;
    const flat = layers.dense({ units: 3 }).apply(layers.globalAveragePooling2d().apply(out)) as SymbolicTensor;
    return models.model({ inputs, outputs: flat });
  }

  for (const [project, activation] of [[false, 'relu'], [false, 'relu6'], [true, 'relu']] as const) {
    it(`a residual block (${project ? 'projection' : 'identity'} shortcut, ${activation}) fuses its tail and trains as the eager model does`, async () => {
      await dt.ready();
      dt.setBackend('wasm');
      const [compiled, eager] = [block(project, activation), block(project, activation)];
      eager.setWeights(compiled.getWeights());
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', runEagerly: true });
      const x = dt.tensor(floats(5 * 6 * 6 * 4, -1, 1), [5, 6, 6, 4]), y = dt.tensor(Int32Array.from([0, 1, 2, 1, 0]), [5]);
      for (let step = 0; step < 2; step++) {
        const [lc, le] = [Number(compiled.trainOnBatch(x, y)), Number(eager.trainOnBatch(x, y))];
        assert.ok(Math.abs(lc - le) <= 1e-5 * Math.max(1, Math.abs(le)), `step ${step}: loss compiled ${lc} vs eager ${le}`);
      }
      compiled.getWeights().forEach((w, i) => {
        const [a, b] = [w.dataSync(), eager.getWeights()[i].dataSync()];
        for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-5 * Math.max(1, Math.abs(b[j])), `weight ${i}[${j}]: compiled ${a[j]} vs eager ${b[j]}`);
      });
      const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      const [key, { calls }] = [...plans.entries()].find(([k]) => k.includes('|train|'))!;
      const kernels = calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : ''));
      assert.equal(kernels.filter((k) => k === 'batchNormResidualActivation').length, 1, `${key}: ${kernels.join(', ')}`);
      const fused = calls.find((c) => c.kernel === 'batchNormResidualActivation')!;
      assert.equal(fused.args[10], activation, `${key}: the fused activation`);
      // The add and the activation are gone (the add left is the backward's gradient sum at the block input).
      assert.equal(kernels.filter((k) => k === `unary ${activation}`).length, 0, `${key}: ${kernels.join(', ')}`);
    });
  }
});
