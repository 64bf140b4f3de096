// Dot on inputs of any rank >= 2 (Keras's batch_dot): values against the contraction written
// in float64, gradients by finite differences, shapes symbolic and eager, errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, type Tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { assertClose } from './helpers/oracle.ts';

const rng = new Random(21);
const strides = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** out[b, rest of x..., rest of y...] = sum_k x[b, .., k at a1, ..] * y[b, .., k at a2, ..], in float64. */
function batchDot(x: Tensor, y: Tensor, a1: number, a2: number, normalize = false): { values: Float64Array; shape: number[] } {
  const norm = (t: Tensor, axis: number): Float64Array => {
    const v = Float64Array.from(t.data), st = strides(t.shape);
    if (!normalize) return v;
    const sums = new Float64Array(t.size);
    for (let i = 0; i < t.size; i++) { const base = i - (Math.floor(i / st[axis]) % t.shape[axis]) * st[axis]; sums[base] += v[i] * v[i]; }
    for (let i = 0; i < t.size; i++) { const base = i - (Math.floor(i / st[axis]) % t.shape[axis]) * st[axis]; v[i] /= Math.sqrt(Math.max(sums[base], 1e-12)); }
    return v;
  };
  const xv = norm(x, a1), yv = norm(y, a2), sx = strides(x.shape), sy = strides(y.shape);
  const restX = x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1), restY = y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a2);
  const dims = [x.shape[0], ...restX.map((i) => x.shape[i]), ...restY.map((i) => y.shape[i])];
  const total = dims.reduce((a, b) => a * b, 1), so = strides(dims), values = new Float64Array(total);
  for (let o = 0; o < total; o++) {
    const idx = dims.map((d, i) => Math.floor(o / so[i]) % d);
    let bx = idx[0] * sx[0], by = idx[0] * sy[0];
    restX.forEach((ax, j) => { bx += idx[1 + j] * sx[ax]; });
    restY.forEach((ax, j) => { by += idx[1 + restX.length + j] * sy[ax]; });
    for (let k = 0; k < x.shape[a1]; k++) values[o] += xv[bx + k * sx[a1]] * yv[by + k * sy[a2]];
  }
  return { values, shape: dims.length === 1 ? [dims[0], 1] : dims };
}

const cases: { x: number[]; y: number[]; axes: number | [number, number] }[] = [
  { x: [2, 3, 4, 5], y: [2, 5, 6], axes: [3, 1] },
  { x: [2, 3, 4, 5], y: [2, 3, 2, 5], axes: [-1, -1] },
  { x: [2, 4], y: [2, 3, 4], axes: [1, 2] },
  { x: [3, 2, 4, 2, 3], y: [3, 4], axes: [2, 1] },
];

describe('Dot of rank > 3 (batch_dot)', () => {
  for (const { x: xs, y: ys, axes } of cases) {
    it(`${JSON.stringify(xs)} . ${JSON.stringify(ys)} on axes ${JSON.stringify(axes)}: values (and with normalize), shape, gradients`, () => {
      const x = randomTensor(xs, rng, -1, 1, 'float32'), y = randomTensor(ys, rng, -1, 1, 'float32');
      const pair = Array.isArray(axes) ? axes : [axes, axes];
      const [a1, a2] = [pair[0] < 0 ? pair[0] + xs.length : pair[0], pair[1] < 0 ? pair[1] + ys.length : pair[1]];
      for (const normalize of [false, true]) {
        const got = new layers.Dot({ axes, normalize }).apply([x, y]) as Tensor;
        const want = batchDot(x, y, a1, a2, normalize);
        assertClose(got, dt.tensor(Float32Array.from(want.values), want.shape), 1e-5, `normalize=${normalize}`);
        const sym = new layers.Dot({ axes, normalize }).apply([layers.input({ shape: xs.slice(1) }), layers.input({ shape: ys.slice(1) })]);
        assert.deepEqual(sym.shape, [null, ...want.shape.slice(1)]);
      }
      dt.withBackend('js', () => {
        const x64 = randomTensor(xs, rng), y64 = randomTensor(ys, rng);
        checkGradients((p, q) => new layers.Dot({ axes, normalize: true }).apply([p, q]) as Tensor, [x64, y64]);
      });
    });
  }

  it('errors name the layer, the shapes and the axes', () => {
    assert.throws(() => new layers.Dot({ axes: [3, 1], name: 'dd' }).apply([layers.input({ shape: [3, 4, 5] }), layers.input({ shape: [4, 6] })]),
      /Layer "dd" \(Dot\): incompatible input shapes: shape \(None, 3, 4, 5\)\[3\] != shape \(None, 4, 6\)\[1\]/);
    assert.throws(() => new layers.Dot({ axes: 4, name: 'de' }).apply([layers.input({ shape: [3, 4, 5] }), layers.input({ shape: [3, 4, 5] })]), /Layer "de" \(Dot\): axes 4 must name non-batch axes/);
  });
});
