// relu's and relu6's gradients as one kernel each (binary reluGrad / relu6Grad: dy masked by the
// activation's output): bit-identical on both backends to the step-and-multiply they replace,
// special values included; finite differences of the rules that use them and of their own; and a compiled ResNet step whose
// plan holds no separate mask (nothing fell back to the composite).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from '../bench/zoo-data.ts';

const rng = new Random(83);
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || (a === 0 && b === 0);

describe('activation gradient kernels (reluGrad, relu6Grad)', () => {
  // Outputs at and around both kinks, the infinities and NaN; gradients with NaN and Inf in them.
  const Y = [0, -0, 1e-30, -1e-30, 1e-8, 3, 5.999999, 6, 6.000001, 7, -1, Infinity, -Infinity, NaN];
  const DY = [1, -2.5, 0, -0, NaN, Infinity, -Infinity, 1e-20];
  const y: number[] = [], dy: number[] = [];
  for (const a of Y) for (const b of DY) { y.push(a); dy.push(b); }
  for (let i = 0; i < 4097; i++) { y.push(rng.uniform(-2, 8)); dy.push(rng.uniform(-3, 3)); }
  const n = y.length; // odd: the scalar tail runs too

  it('wasm (1 and 2 threads) and js equal js mul(dy, step(y)) / mul(dy, relu6Step(y)) bit for bit', async () => {
    const js = new JsBackend();
    for (const [op, mask] of [['reluGrad', 'step'], ['relu6Grad', 'relu6Step']] as const) {
      const m = new Float32Array(n), want = new Float32Array(n);
      js.unary(mask, Float32Array.from(y), m);
      // tf.step keeps NaN; the gradient's mask is 0 there (TF's ReluGrad: y > 0 ? dy : 0).
      for (let i = 0; i < n; i++) if (Number.isNaN(m[i])) m[i] = 0;
      js.binary('mul', Float32Array.from(dy), [1], m, [1], want, [n]);
      const ref = new Float32Array(n);
      js.binary(op, Float32Array.from(dy), [1], Float32Array.from(y), [1], ref, [n]);
      for (let i = 0; i < n; i++) assert.ok(same(ref[i], want[i]), `js ${op}(${dy[i]}, ${y[i]}) = ${ref[i]}, composite ${want[i]}`);
      for (const threads of [1, 2]) {
        const wasm = new WasmBackend(threads);
        await wasm.whenReady();
        const inWasm = (v: ArrayLike<number>): Float32Array => { const a = wasm.mem.f32(wasm.mem.reserve(v.length * 4), v.length); a.set(v); return a; };
        const out = inWasm(new Float32Array(n));
        wasm.binary(op, inWasm(dy), [1], inWasm(y), [1], out, [n]);
        for (let i = 0; i < n; i++) assert.ok(same(out[i], want[i]), `wasm ${threads}t ${op}(${dy[i]}, ${y[i]}) = ${out[i]}, composite ${want[i]}`);
        // A single dy broadcast over y (mode 2) goes through the same SIMD operation.
        const one = inWasm(new Float32Array(n));
        wasm.binary(op, inWasm([-1.5]), [0], inWasm(y), [1], one, [n]);
        for (let i = 0; i < n; i++) assert.ok(same(one[i], -1.5 * (op === 'reluGrad' ? +(y[i] > 0) : +(y[i] > 0 && y[i] < 6))), `wasm ${op} broadcast dy at ${i}: ${one[i]}`);
      }
    }
  });

  it('relu and relu6 gradients (first order) and the gradients of their gradients match finite differences', () => {
    dt.withBackend('js', () => {
      // Away from the kinks (|x| and |x - 6| > 1e-3) so that central differences are defined.
      const x = randomTensor([3, 7], rng, -2, 8);
      for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 1e-3 || Math.abs(x.data[i] - 6) < 1e-3) x.data[i] += 0.01;
      checkGradients((t) => dt.relu(t), [x]);
      checkGradients((t) => dt.relu6(t), [x]);
      // The gradient ops' own rule (linear in dy), as a function of dy for a fixed output y.
      const dy = randomTensor([3, 7], rng, -1, 1), y = dt.relu(x);
      checkGradients((u) => dt.reluGrad(u, y), [dy]);
      checkGradients((u) => dt.relu6Grad(u, dt.relu6(x)), [dy]);
    });
  });

  it("a compiled ResNet-20 step's plan has no separate relu mask, and trains as the eager model does", async () => {
    await dt.ready();
    dt.setBackend('wasm');
    const entry = ZOO.resnet20;
    const build = (): dt.models.Model => entry.build();
    const [compiled, eager] = [build(), build()];
    eager.setWeights(compiled.getWeights());
    compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
    eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', runEagerly: true });
    const { x, y } = syntheticBatch(entry, 4);
    const [lc, le] = [compiled.trainOnBatch(x, y) as unknown as number, eager.trainOnBatch(x, y) as unknown as number];
    assert.ok(Math.abs(lc - le) <= 1e-5 * Math.max(1, Math.abs(le)), `loss compiled ${lc} vs eager ${le}`);
    const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
    const [key, { calls }] = [...plans.entries()].find(([k]) => k.includes('|train|'))!;
    const kernels = calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : ''));
    assert.equal(kernels.filter((k) => k === 'unary step' || k === 'unary relu6Step').length, 0, `${key}: ${kernels.join(', ')}`);
    // The residual blocks' closing relus (after the add, not fused into a batch norm) each leave one.
    assert.ok(kernels.filter((k) => k === 'binary reluGrad').length > 0, `${key}: ${kernels.join(', ')}`);
    const [wc, we] = [compiled.getWeights(), eager.getWeights()];
    wc.forEach((w, i) => {
      const [a, b] = [w.dataSync(), we[i].dataSync()];
      for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-5 * Math.max(1, Math.abs(b[j])), `weight ${i}[${j}]: compiled ${a[j]} vs eager ${b[j]}`);
    });
  });
});
