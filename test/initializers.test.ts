// Initializers: every name, {className, config} and objects; statistics against Keras's formulas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { getInitializer, initializers } from '../src/layers/initializers.ts';
import { layerFromKeras, layerToKeras } from '../src/io/keras-config.ts';

const stats = (t: dt.Tensor): { mean: number; std: number; min: number; max: number } => {
  const v = Array.from(t.data);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), min: Math.min(...v), max: Math.max(...v) };
};

describe('initializers', () => {
  const shape = [3, 3, 40, 50]; // fan_in 360, fan_out 450
  const [fanIn, fanOut] = [360, 450];
  // Keras: uniform limit sqrt(3 scale / fan); (truncated) normal std sqrt(scale / fan).
  const cases: [string, number, 'uniform' | 'normal'][] = [
    ['glorotUniform', Math.sqrt(2 / (fanIn + fanOut)), 'uniform'], ['glorotNormal', Math.sqrt(2 / (fanIn + fanOut)), 'normal'],
    ['heUniform', Math.sqrt(2 / fanIn), 'uniform'], ['heNormal', Math.sqrt(2 / fanIn), 'normal'],
    ['lecunUniform', Math.sqrt(1 / fanIn), 'uniform'], ['lecunNormal', Math.sqrt(1 / fanIn), 'normal'],
  ];
  for (const [name, std, kind] of cases) {
    it(`${name}: std ${std.toFixed(4)}, ${kind === 'uniform' ? 'within the limit' : 'within two std of the untruncated'}`, () => {
      const s = stats(getInitializer(name as 'zeros', 'test')(shape));
      assert.ok(Math.abs(s.mean) < 0.02 * std * 10, `${name} mean ${s.mean}`);
      assert.ok(Math.abs(s.std / std - 1) < 0.02, `${name} std ${s.std} vs ${std}`);
      const bound = kind === 'uniform' ? std * Math.sqrt(3) : (2 * std) / 0.8796256610342398;
      assert.ok(s.max <= bound && s.min >= -bound, `${name} range [${s.min}, ${s.max}] within ${bound}`);
    });
  }
  it('randomNormal, randomUniform, truncatedNormal, constant, ones, zeros by Keras name and arguments', () => {
    const n = getInitializer({ className: 'RandomNormal', config: { mean: 1, stddev: 0.5, seed: 3 } }, 't')([200, 200]);
    const sn = stats(n);
    assert.ok(Math.abs(sn.mean - 1) < 0.01 && Math.abs(sn.std - 0.5) < 0.01, `randomNormal ${sn.mean} ${sn.std}`);
    const u = stats(initializers.randomUniform({ minval: -2, maxval: 3 })([200, 200]));
    assert.ok(u.min >= -2 && u.max < 3 && Math.abs(u.mean - 0.5) < 0.03, `randomUniform ${u.min} ${u.max} ${u.mean}`);
    const t = stats(getInitializer({ className: 'TruncatedNormal', config: { mean: 0.5, stddev: 0.1 } }, 't')([200, 200]));
    // A unit normal cut at +-2 has std 0.8796...
    assert.ok(t.min >= 0.3 && t.max <= 0.7 && Math.abs(t.std - 0.1 * 0.8796) < 0.002, `truncatedNormal ${t.min} ${t.max} ${t.std}`);
    assert.deepEqual(Array.from(getInitializer({ className: 'Constant', config: { value: 2.5 } }, 't')([3]).data), [2.5, 2.5, 2.5]);
    assert.deepEqual(Array.from(getInitializer('ones', 't')([2]).data), [1, 1]);
    assert.deepEqual(Array.from(getInitializer('zeros', 't')([2]).data), [0, 0]);
    assert.deepEqual(Array.from(getInitializer('random_normal', 't')([2]).shape), [2]);
  });
  it('orthogonal: QᵀQ = gain² I for tall, wide and conv shapes; same values for the same seed', () => {
    for (const s of [[7, 4], [4, 7], [2, 2, 3, 5]]) {
      const w = getInitializer({ className: 'Orthogonal', config: { gain: 2, seed: 5 } }, 't')(s);
      const cols = s[s.length - 1], rows = w.size / cols;
      const [m, n, at] = rows >= cols ? [rows, cols, (i: number, j: number) => w.data[i * cols + j]] : [cols, rows, (i: number, j: number) => w.data[j * cols + i]];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += at(i, a) * at(i, b);
        assert.ok(Math.abs(dot - (a === b ? 4 : 0)) < 1e-5, `${s}: column ${a}·${b} = ${dot}`);
      }
      assert.deepEqual(Array.from(getInitializer({ className: 'Orthogonal', config: { gain: 2, seed: 5 } }, 't')(s).data), Array.from(w.data));
    }
  });
  it('identity: gain on the diagonal, 2-D only', () => {
    assert.deepEqual(Array.from(initializers.identity({ gain: 3 })([2, 3]).data), [3, 0, 0, 0, 3, 0]);
    assert.throws(() => initializers.identity()([2, 2, 2]), /Identity initializer: expected a 2-D shape, got \[2, 2, 2\]/);
  });
  it('layers take names, {className, config} and objects, and save them to configs that rebuild', () => {
    for (const id of ['lecunNormal', 'lecun_uniform', 'orthogonal', { className: 'RandomUniform', config: { minval: 0.2, maxval: 0.3 } }, initializers.constant({ value: 0.25 })]) {
      const dense = new layers.Dense({ units: 4, kernelInitializer: id as 'zeros', name: 'd' });
      dense.apply(dt.zeros([1, 5]));
      const keras = layerToKeras(dense);
      const again = layerFromKeras(JSON.parse(JSON.stringify(keras)));
      assert.deepEqual(layerToKeras(again), keras, `${JSON.stringify(id)} through Keras JSON`);
      assert.deepEqual(layerToKeras(new layers.Dense(dense.getConfig() as never)), keras, `${JSON.stringify(id)} through getConfig`);
    }
    const k = new layers.Dense({ units: 4, kernelInitializer: { className: 'RandomUniform', config: { minval: 0.2, maxval: 0.3 } } });
    k.apply(dt.zeros([1, 5]));
    const s = stats(k.getWeights()[0]);
    assert.ok(s.min >= 0.2 && s.max < 0.3, `kernel from {className, config}: ${s.min}..${s.max}`);
  });
  it('unknown initializers are clear errors naming the layer', () => {
    // At construction, as Keras does.
    assert.throws(() => new layers.Dense({ units: 2, kernelInitializer: 'heNormall' as 'zeros', name: 'dd' }), /Layer "dd": unknown initializer 'heNormall', expected a name or \{className, config\} of one of .*orthogonal/);
    assert.throws(() => new layers.Conv2D({ filters: 2, kernelSize: 1, biasInitializer: { className: 'Glorot' }, name: 'cc' }), /Layer "cc": unknown initializer 'Glorot'/);
  });
});

describe('uniform initializers stay below maxval in float32', () => {
  it('a draw that rounds onto maxval becomes the largest float32 below it', async () => {
    const { uniform32 } = await import('../src/layers/initializers.ts');
    const { Random } = await import('../src/core/random.ts');
    // The generator's largest draw, 1 - 2^-32: 2 + 1 * u rounds to 3 in float32 (seen: 2 in 30M draws of [2, 3)).
    const top = Object.assign(Object.create(Random.prototype) as InstanceType<typeof Random>, { next: () => 1 - 2 ** -32 });
    for (const [lo, hi] of [[2, 3], [-2, 3], [-1, 0], [-3, -2], [0, 1e-30]]) {
      const v = Math.fround(uniform32(top, lo, hi));
      assert.ok(v < hi && v >= lo, `[${lo}, ${hi}): ${v}`);
    }
    assert.equal(Math.fround(uniform32(top, 2, 3)), 2.999999761581421);
  });
});
