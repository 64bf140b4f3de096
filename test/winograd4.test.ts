// Winograd F(4x4, 3x3) on wasm (forced by convAlgorithm 'winograd4'): against a float64
// convolution and the direct kernel on odd sizes (edge tiles), both paddings, 4..128
// channels, one and two threads, bias, relu and the residual epilogue; the input gradient
// through it against the reference backend; a compiled training step with it against eager.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { backend } from '../src/core/engine.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(41);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

function backendWith(threads: number, alg: 'direct' | 'winograd' | 'winograd4'): WasmBackend {
  const b = new WasmBackend(threads);
  b.convAlgorithm = alg;
  return b;
}

/** act(conv(x, k) + b (+ r)) in float64 on the reference backend. */
function exactConv(x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, padding: 'same' | 'valid', relu: boolean, r?: dt.Tensor): dt.Tensor {
  return dt.withBackend('js', () => {
    let y = dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, bias: b.cast('float64') });
    if (r) y = y.add(r.cast('float64').reshape(y.shape));
    return relu ? dt.relu(y) : y;
  });
}

// [batch, h, w, C, F, padding]: every output size 1..13 on small channels (edge tiles in
// both directions), then wider channel counts on odd sizes.
const SHAPES: [number, number, number, number, number, 'same' | 'valid'][] = [
  ...Array.from({ length: 13 }, (_, i) => [i % 2 ? 1 : 3, i + 1, 13 - i, 4, 8, 'same'] as [number, number, number, number, number, 'same']),
  ...Array.from({ length: 13 }, (_, i) => [2, i + 3, ((i * 5) % 13) + 3, 8, 4, 'valid'] as [number, number, number, number, number, 'valid']),
  [3, 9, 7, 32, 16, 'same'], [1, 5, 6, 4, 128, 'valid'], [2, 6, 10, 128, 4, 'same'], [2, 16, 16, 64, 64, 'same'], [1, 11, 13, 16, 16, 'valid'],
  [1, 8, 8, 128, 128, 'same'], [4, 7, 5, 12, 20, 'same'],
];

describe('Winograd F(4x4, 3x3) forward on wasm', () => {
  it('matches the float64 convolution within 1e-4 and the direct kernel, 1 and 2 threads alike (edge tiles, both paddings, bias, relu)', (t) => {
    const one = backendWith(1, 'winograd4'), two = backendWith(2, 'winograd4'), direct = backendWith(2, 'direct');
    let worst = 0, worstDirect = 0;
    for (const [n, h, w, c, f, padding] of SHAPES) {
      const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
      const info = dt.convInfo(x.shape, k.shape, { padding });
      for (const relu of [false, true]) {
        const exact = exactConv(x, k, b, padding, relu);
        const outs = [one, two, direct].map((be) => {
          const out = new Float32Array(exact.size);
          if (relu) be.conv2dActivation(x.data, k.data, b.data, out, info, 'relu');
          else be.conv2d(x.data, k.data, b.data, out, info);
          return out;
        });
        const what = `[${n}, ${h}, ${w}, ${c}] -> ${f} ${padding}${relu ? ' relu' : ''}`;
        const err = worstError(outs[0], exact.data);
        assert.ok(err < 1e-4, `${what}: F(4x4) is ${err} from float64`);
        // Tiles are computed the same way whichever thread takes them: bitwise equal.
        assert.deepEqual(outs[1], outs[0], `${what}: two threads vs one`);
        assert.ok(worstError(outs[0], outs[2]) < 1e-4, `${what}: vs the direct kernel`);
        worst = Math.max(worst, err);
        worstDirect = Math.max(worstDirect, worstError(outs[2], exact.data));
      }
    }
    t.diagnostic(`worst error vs float64, relative to max(1, |y|): F(4x4) ${worst.toExponential(2)}, direct ${worstDirect.toExponential(2)}`);
  });

  it('runs F(4x4) where forced (it rounds differently from the direct kernel)', () => {
    const x = rand([1, 8, 8, 16]), k = rand([3, 3, 16, 16]);
    const info = dt.convInfo(x.shape, k.shape, { padding: 'same' });
    const [a, d] = [backendWith(1, 'winograd4'), backendWith(1, 'direct')].map((be) => { const o = new Float32Array(8 * 8 * 16); be.conv2d(x.data, k.data, null, o, info); return o; });
    assert.ok(a.some((v, i) => v !== d[i]), 'forced F(4x4) gave the direct kernel\'s bits');
  });

  it('adds the residual in its epilogue (conv2dResidual, relu or none)', () => {
    const wasm = backendWith(2, 'winograd4');
    for (const [n, h, w, c, f, padding] of [[2, 9, 11, 16, 16, 'same'], [1, 7, 6, 32, 8, 'valid'], [3, 5, 5, 64, 64, 'same']] as const) {
      const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
      const info = dt.convInfo(x.shape, k.shape, { padding });
      const size = n * info.outH * info.outW * f, r = rand([size]);
      for (const relu of [false, true]) {
        const out = new Float32Array(size);
        wasm.conv2dResidual(x.data, k.data, b.data, r.data, out, info, relu ? 'relu' : null);
        const err = worstError(out, exactConv(x, k, b, padding, relu, r).data);
        assert.ok(err < 1e-4, `residual [${n}, ${h}, ${w}, ${c}] -> ${f} ${padding} ${relu}: ${err}`);
      }
    }
  });

  it('error vs float64 by input channels, F(4x4) next to F(2x2) and direct (printed; F(4x4) within 1e-4)', (t) => {
    const algs = { 'F(4x4)': backendWith(1, 'winograd4'), 'F(2x2)': backendWith(1, 'winograd'), direct: backendWith(1, 'direct') };
    const lines: string[] = [];
    for (const c of [16, 32, 64, 128]) {
      const x = rand([2, 16, 16, c]), k = rand([3, 3, c, 32]), b = rand([32]);
      const info = dt.convInfo(x.shape, k.shape, { padding: 'same' });
      const exact = exactConv(x, k, b, 'same', false);
      const errs = Object.entries(algs).map(([name, be]) => {
        const out = new Float32Array(exact.size);
        be.conv2d(x.data, k.data, b.data, out, info);
        return [name, worstError(out, exact.data)] as const;
      });
      assert.ok(errs[0][1] < 1e-4, `F(4x4) at ${c} input channels: ${errs[0][1]}`);
      lines.push(`C=${c}: ${errs.map(([name, e]) => `${name} ${e.toExponential(2)}`).join(', ')}`);
    }
    t.diagnostic(lines.join('; '));
  });
});

describe('Winograd F(4x4, 3x3) in training', () => {
  it('the input gradient through it (the flipped-kernel convolution) matches the reference backend', () => {
    const js = new JsBackend();
    for (const threads of [1, 2]) {
      const wasm = backendWith(threads, 'winograd4');
      for (const [n, h, w, c, f, padding] of [[2, 7, 6, 8, 12, 'same'], [1, 9, 13, 16, 8, 'valid'], [3, 8, 8, 32, 32, 'same'], [1, 6, 5, 64, 16, 'valid']] as const) {
        const x = rand([n, h, w, c]), k = rand([3, 3, c, f]);
        const info = dt.convInfo(x.shape, k.shape, { padding });
        const dy = rand([n, info.outH, info.outW, f]);
        const dx = new Float32Array(x.size), expected = new Float32Array(x.size);
        wasm.conv2dBackpropInput(dy.data, k.data, dx, info);
        js.conv2dBackpropInput(dy.data, k.data, expected, info);
        const err = worstError(dx, expected);
        assert.ok(err < 1e-4, `input gradient [${n}, ${h}, ${w}, ${c}] -> ${f} ${padding}, ${threads} thread(s): ${err}`);
      }
    }
  });

  it('a compiled training step of a small conv net with it forced equals the eager one (and the reference backend\'s)', () => {
    const make = (runEagerly: boolean) => {
      dt.setRandomSeed(3);
      const model = new dt.models.Sequential([new dt.layers.Input({ shape: [9, 10, 4] }),
        new dt.layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
        new dt.layers.Conv2D({ filters: 12, kernelSize: 3, padding: 'valid' }),
        new dt.layers.Flatten(), new dt.layers.Dense({ units: 3, activation: 'softmax' })]);
      model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new dt.optimizers.SGD({ learningRate: 0.05 }), runEagerly });
      return model;
    };
    const x = rand([6, 9, 10, 4]), y = dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32');
    const previous = dt.getBackend();
    try {
      dt.setBackend('js');
      const reference = make(true);
      dt.setBackend('wasm');
      const wasm = backend() as WasmBackend, before = wasm.convAlgorithm;
      wasm.convAlgorithm = 'winograd4';
      try {
        const eager = make(true), planned = make(false);
        for (let step = 0; step < 3; step++) {
          planned.setWeights(eager.getWeights());
          const start = eager.getWeights().map((w) => dt.tensor(Float32Array.from(w.data), w.shape));
          const le = eager.trainStep(x, y).loss, lp = planned.trainStep(x, y).loss;
          assert.ok(Math.abs(le - lp) <= 1e-5 * Math.max(1, Math.abs(le)), `step ${step} loss: eager ${le} vs compiled ${lp}`);
          eager.getWeights().forEach((w, i) => assert.ok(worstError(planned.getWeights()[i].data, w.data) < 1e-5, `step ${step}, weight ${i}: compiled vs eager`));
          // The same step on the reference backend from the same weights.
          dt.withBackend('js', () => {
            reference.setWeights(start);
            const lr = reference.trainStep(x, y).loss;
            assert.ok(Math.abs(le - lr) <= 1e-4 * Math.max(1, Math.abs(lr)), `step ${step} loss: wasm ${le} vs js ${lr}`);
            reference.getWeights().forEach((w, i) => assert.ok(worstError(eager.getWeights()[i].data, w.data) < 1e-4, `step ${step}, weight ${i}: wasm vs js`));
          });
        }
      } finally {
        wasm.convAlgorithm = before;
      }
    } finally {
      dt.setBackend(previous);
    }
  });
});
