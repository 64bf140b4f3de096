// BatchNormalization's fused gradient with the activation's mask rebuilt from x: the fused
// forward records its f32 coefficients (batchNormActivation's `coefficients`), and the wasm
// gradient then reads x and dy only (bnGradSumsFromInput, affineRowsFromInput) instead of also
// reading the activation's output. It must give the r-reading kernels' results bit for bit
// (the same mask, the same arithmetic), not read r at all, fall back to r where the record is
// missing or does not fit, and a training plan must pass the record from forward to gradient.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import type { ConvActivation } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { normTrainTuning } from '../src/backends/wasm/norm-train.ts';
import { backend } from '../src/core/engine.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose } from './helpers/oracle.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(404);
const floats = (n: number, shift = 0, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread + shift);
/** Index of the first element whose bits differ (NaN equals NaN), or -1. */
const firstBitDifference = (a: Float32Array, b: Float32Array): number => {
  const [ia, ib] = [new Int32Array(a.buffer, a.byteOffset, a.length), new Int32Array(b.buffer, b.byteOffset, b.length)];
  for (let i = 0; i < a.length; i++) if (ia[i] !== ib[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
};
const eps = 1e-3;

// C <= 32: the sums walk channel groups; wider: rows in order. C <= 64: the dx pass takes four
// rows at a time, wider one; channel tails 1-3; rows not a multiple of the unrolls or blocks;
// sizes above 4096 values split between threads.
const SHAPES: [number, number][] = [[1, 1], [3, 5], [33, 9], [67, 16], [97, 36], [130, 64], [301, 13], [777, 36], [13, 1030], [4099, 3], [2048, 64], [512, 130]];

interface Case { x: Float32Array; dy: Float32Array; gamma: Float32Array; beta: Float32Array; rows: number; C: number; act: ConvActivation }
function makeCase(rows: number, C: number, act: ConvActivation, shift: number, spread: number): Case {
  const x = floats(rows * C, shift, spread), dy = floats(rows * C);
  // relu6: gamma up to 5, so y crosses 6 as well as 0.
  const gamma = floats(C, act === 'relu6' ? 3 : 1.5, act === 'relu6' ? 2 : 1), beta = floats(C, act === 'relu6' ? 2 : 0);
  if (rows * C > 64) { dy[C + C - 1] = Infinity; dy[(rows - 1) * C] = NaN; }
  return { x, dy, gamma, beta, rows, C, act };
}
/** The fused forward (with its coefficients record, or none) and its gradient given r and the record. */
function run(be: WasmBackend | JsBackend, k: Case, co: Float32Array | null, r?: Float32Array) {
  const { x, dy, gamma, beta, rows, C, act } = k;
  const y = new Float32Array(rows * C), mean = new Float32Array(C), variance = new Float32Array(C);
  be.batchNormActivation(x, gamma, beta, y, mean, variance, rows, C, eps, act, co);
  const [dx, dg, db] = [new Float32Array(rows * C), new Float32Array(C), new Float32Array(C)];
  be.batchNormActivationGrad(x, dy, r ?? y, mean, variance, gamma, dx, dg, db, rows, C, eps, act, co);
  return { y, mean, variance, dx, dg, db };
}

describe('membound4: the fused BN gradient with the mask rebuilt from x', () => {
  for (const threads of [1, 2]) {
    it(`equals the r-reading gradient bit for bit and the js reference within 1e-5, relu and relu6, ${threads} thread(s)`, async () => {
      const be = new WasmBackend(threads), js = new JsBackend();
      await be.whenReady();
      for (const [rows, C] of SHAPES) for (const act of ['relu', 'relu6'] as const) for (const [shift, spread] of [[0.3, 1], [1000, 0.5]]) {
        const what = `[${rows}, ${C}] ${act} mean ${shift}`, k = makeCase(rows, C, act, shift, spread);
        const co = new Float32Array(3 * C + 1);
        const fromX = run(be, k, co), fromR = run(be, k, null);
        assert.equal(co[3 * C], 1, `${what}: the record is marked written`);
        for (const name of ['y', 'mean', 'variance', 'dx', 'dg', 'db'] as const) {
          const i = firstBitDifference(fromX[name], fromR[name]);
          assert.equal(i, -1, `${what}: ${name}[${i}] ${fromX[name][i]} from x, ${fromR[name][i]} from r`);
        }
        // Against the reference kernels (float32 in, float64 sums): finite values within 1e-5
        // of the terms' size, the non-finite ones at the same places.
        const ref = run(js, k, null);
        for (const name of ['dx', 'dg', 'db'] as const) {
          let scale = 1;
          for (const v of ref[name]) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
          ref[name].forEach((want, i) => {
            const got = fromX[name][i];
            if (!Number.isFinite(want)) assert.ok(Object.is(got, want), `${what}: ${name}[${i}] ${got}, the reference ${want}`);
            else assert.ok(Math.abs(got - want) <= 1e-5 * scale, `${what}: ${name}[${i}] ${got}, the reference ${want}`);
          });
        }
      }
    });
  }

  it('does not read r where the record is valid; reads it where the record is missing, from the reference, for another mean, or the knob is off', () => {
    const be = new WasmBackend(1), js = new JsBackend();
    for (const [rows, C] of [[97, 36], [301, 13], [512, 130]] as [number, number][]) {
      const k = makeCase(rows, C, 'relu', 0.3, 1), what = `[${rows}, ${C}]`;
      const good = run(be, k, null);
      const zeros = new Float32Array(rows * C); // an r that masks everything: a reader of r gets dx = k (x - m) + d
      const co = new Float32Array(3 * C + 1);
      assert.equal(firstBitDifference(run(be, k, co, zeros).dx, good.dx), -1, `${what}: r was read although the record is valid`);
      const masked = run(be, k, null, zeros).dx;
      assert.notEqual(firstBitDifference(masked, good.dx), -1, `${what}: the all-masking r changes dx`);
      try {
        normTrainTuning.maskFromInput = false;
        assert.equal(firstBitDifference(run(be, k, co, zeros).dx, masked), -1, `${what}: maskFromInput off reads r`);
      } finally { normTrainTuning.maskFromInput = true; }
      // A record written by the reference backend (0: none) or a mean that is not the forward's: r is read.
      const jsRecord = new Float32Array(3 * C + 1).fill(7);
      js.batchNormActivation(k.x, k.gamma, k.beta, new Float32Array(rows * C), new Float32Array(C), new Float32Array(C), rows, C, eps, 'relu', jsRecord);
      assert.ok(jsRecord.every((v) => v === 0), `${what}: the reference writes 0`);
      const y = new Float32Array(rows * C), mean = new Float32Array(C), variance = new Float32Array(C), [dx, dg, db] = [new Float32Array(rows * C), new Float32Array(C), new Float32Array(C)];
      be.batchNormActivationGrad(k.x, k.dy, zeros, good.mean, good.variance, k.gamma, dx, dg, db, rows, C, eps, 'relu', jsRecord);
      assert.equal(firstBitDifference(dx, masked), -1, `${what}: a reference record reads r`);
      be.batchNormActivation(k.x, k.gamma, k.beta, y, mean, variance, rows, C, eps, 'relu', co);
      const otherMean = mean.map((m) => m + 0.25), [dx2, dx3] = [new Float32Array(rows * C), new Float32Array(rows * C)];
      be.batchNormActivationGrad(k.x, k.dy, zeros, otherMean, variance, k.gamma, dx2, dg, db, rows, C, eps, 'relu', co);
      be.batchNormActivationGrad(k.x, k.dy, zeros, otherMean, variance, k.gamma, dx3, dg, db, rows, C, eps, 'relu', null);
      assert.equal(firstBitDifference(dx2, dx3), -1, `${what}: another mean than the forward's reads r`);
    }
  });

  it('a record of the wrong length is refused, naming it, on both backends', () => {
    for (const be of [new WasmBackend(1), new JsBackend()]) {
      const x = floats(12), out = () => new Float32Array(2);
      assert.throws(() => be.batchNormActivation(x, null, null, new Float32Array(12), out(), out(), 6, 2, eps, 'relu', new Float32Array(5)),
        /batchNormActivation: coefficients must hold 7 floats for 2 channels, got 5/);
    }
  });

  for (const backendName of ['js', 'wasm']) {
    it(`on ${backendName}: a training plan hands the forward's record to the gradient and trains as eager does (relu6)`, () => {
      dt.setBackend(backendName);
      const build = () => {
        dt.setRandomSeed(12);
        const inputs = layers.input({ shape: [9, 7, 4] });
        let x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
        x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x)) as SymbolicTensor;
        x = new layers.Conv2D({ filters: 37, kernelSize: 1, useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization({ scale: false }).apply(x)) as SymbolicTensor;
        x = new layers.GlobalAveragePooling2D().apply(x) as SymbolicTensor;
        const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
        return models.model({ inputs, outputs });
      };
      const x = randomTensor([10, 9, 7, 4], rng, -1, 2, 'float32'), y = dt.tensor(Array.from({ length: 10 }, (_, i) => i % 3), null, 'int32');
      const [compiled, eager] = [build(), build()];
      const sgd = () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 });
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd() });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd(), runEagerly: true });
      // On wasm, the compiled steps' gradients run the kernels that rebuild the mask from x.
      const ran = new Set<string>(), be = backend() as unknown as { par: (name: string, ...rest: unknown[]) => void };
      const par = be.par;
      be.par = (name: string, ...rest: unknown[]) => { ran.add(name); return par.call(be, name, ...rest); };
      try {
        for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      } finally { be.par = par; }
      if (backendName === 'wasm') assert.ok(ran.has('bnGradSumsFromInput') && ran.has('affineRowsFromInput'), [...ran].join(', '));
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
      const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      const train = [...plans.entries()].find(([key]) => key.includes('|train|'))![1];
      const forwards = train.calls.filter((c) => c.kernel === 'batchNormActivation'), grads = train.calls.filter((c) => c.kernel === 'batchNormActivationGrad');
      assert.equal(forwards.length, 2);
      assert.equal(grads.length, 2);
      // Plan calls name buffers by their slot in the workspace ({ slot: { length, offset, .. } }).
      type Ref = { slot: { length: number; offset: number } };
      for (const g of grads) {
        const record = g.args[13] as Ref, C = g.args[10] as number;
        assert.ok(record?.slot && forwards.some((f) => (f.args[10] as Ref).slot === record.slot), 'the gradient reads the record its forward writes');
        assert.equal(record.slot.length, 3 * C + 1);
      }
    });
  }
});
