// A seeded, bounded fuzz of the public ops and layers: random shapes (empty axes included),
// axes, strides, paddings and layer options, valid or not, run on the wasm backend (eagerly and
// through compiled plans) and on the reference backend. Each case must give the same result on
// both (1e-4 relative) or the same plain Error on both: never a wasm trap, a RangeError or a
// result only one backend gives (an out-of-bounds read shows up as a different value).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(6); // this seed hit both bugs the fuzz found (an empty bias add hung the pool; an empty matMul)
const int = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
const shape = (rank = int(0, 4), max = 6): number[] => Array.from({ length: rank }, () => (rng.next() < 0.05 ? 0 : int(1, max)));
const values = (s: number[]): dt.Tensor => randomTensor(s, rng, -2, 2, 'float32');
/** Sometimes a big one, so that the element-wise ops run in wasm (they do from 4096 elements). */
const maybeBig = (): number[] => (rng.next() < 0.3 ? [int(64, 80), int(64, 80)] : shape());
const broadcastPartner = (s: number[]): number[] => {
  const r = rng.next();
  if (r < 0.4) return [...s];
  if (r < 0.7) return s.map((d) => (rng.next() < 0.5 ? 1 : d)).slice(int(0, s.length));
  return shape(); // usually incompatible
};

type Case = { name: string; run: () => dt.Tensor | dt.Tensor[] | number[] };

function makeCase(): Case {
  const kind = pick(['unary', 'binary', 'reduce', 'softmax', 'layout', 'matMul', 'conv', 'pool', 'grad', 'model']);
  switch (kind) {
    case 'unary': {
      const op = pick(['relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'square', 'abs', 'neg'] as const), x = values(maybeBig());
      return { name: `${op}(${x.shape})`, run: () => x[op]() };
    }
    case 'binary': {
      const op = pick(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'] as const), s = maybeBig();
      const a = values(s), b = rng.next() < 0.15 ? int(-3, 3) : values(broadcastPartner(s));
      return { name: `${op}(${a.shape}, ${typeof b === 'number' ? b : b.shape})`, run: () => a[op](b) };
    }
    case 'reduce': {
      const op = pick(['sum', 'mean', 'max', 'min', 'argMax'] as const), x = values(shape());
      const axis = rng.next() < 0.2 ? undefined : rng.next() < 0.8 ? int(-x.rank - 1, x.rank) : [int(-x.rank, x.rank - 1), int(-x.rank, x.rank - 1)];
      const keep = rng.next() < 0.5;
      return { name: `${op}(${x.shape}, axis ${JSON.stringify(axis)}, keepDims ${keep})`, run: () => (op === 'argMax' ? x.argMax(typeof axis === 'number' ? axis : -1) : x[op](axis, keep)) };
    }
    case 'softmax': {
      const x = values(rng.next() < 0.3 ? [int(30, 70), int(60, 130)] : shape()), axis = int(-x.rank - 1, x.rank), op = pick(['softmax', 'logSoftmax'] as const);
      return { name: `${op}(${x.shape}, ${axis})`, run: () => x[op](axis) };
    }
    case 'layout': {
      const x = values(shape()), r = rng.int(6);
      if (r === 0) { const target = shape(int(0, 3)); if (rng.next() < 0.3) target.push(-1); return { name: `reshape(${x.shape} -> ${target})`, run: () => x.reshape(target) }; }
      if (r === 1) { const perm = Array.from({ length: x.rank }, (_, i) => i).sort(() => rng.next() - 0.5); if (rng.next() < 0.2) perm.push(0); return { name: `transpose(${x.shape}, [${perm}])`, run: () => x.transpose(perm) }; }
      if (r === 2) { const axis = int(-x.rank - 2, x.rank + 1); return { name: `expandDims(${x.shape}, ${axis})`, run: () => x.expandDims(axis) }; }
      if (r === 3) { const axis = int(-x.rank - 1, x.rank); return { name: `squeeze(${x.shape}, ${axis})`, run: () => x.squeeze(axis) }; }
      const spec = x.shape.map((d) => pick([int(-d - 1, d), `${int(-d, d)}:${int(-d, d + 2)}`, `::${int(1, 3)}`, null] as const));
      return { name: `index(${x.shape}, ${JSON.stringify(spec)})`, run: () => x.index(...spec) };
    }
    case 'matMul': {
      const m = int(0, 40), k = int(1, 40), n = int(1, 40), ta = rng.next() < 0.3, tb = rng.next() < 0.3;
      const a = values(ta ? [k, m] : [m, k]), b = values(tb ? [n, rng.next() < 0.9 ? k : k + 1] : [rng.next() < 0.9 ? k : k + 1, n]);
      return { name: `matMul(${a.shape}${ta ? 'ᵀ' : ''}, ${b.shape}${tb ? 'ᵀ' : ''})`, run: () => dt.matMul(a, b, { transposeA: ta, transposeB: tb }) };
    }
    case 'conv': {
      const c = pick([1, 2, 3, 4, 8, 9, 16]), f = pick([1, 3, 4, 8, 16]), kh = int(1, 5), kw = int(1, 5);
      const x = values([int(1, 5), int(1, 12), int(1, 12), c]), w = values([kh, kw, rng.next() < 0.9 ? c : c + 1, f]);
      const strides = pick([1, 1, 2, 3, [1, 2]] as const), padding = pick(['same', 'valid'] as const), bias = rng.next() < 0.5 ? values([f]) : undefined;
      return { name: `conv2d(${x.shape}, ${w.shape}, strides ${strides}, ${padding}${bias ? ', bias' : ''})`, run: () => dt.conv2d(x, w, { strides, padding, bias }) };
    }
    case 'pool': {
      const x = values([int(1, 4), int(1, 12), int(1, 12), pick([1, 3, 4, 8])]), size = pick([1, 2, 3, [2, 3]] as const), padding = pick(['same', 'valid'] as const);
      return { name: `maxPool2d(${x.shape}, ${size}, ${padding})`, run: () => dt.maxPool2d(x, size, { padding }) };
    }
    case 'grad': {
      const x = values([int(1, 3), int(2, 9), int(2, 9), pick([1, 4, 8])]), w = values([3, 3, x.shape[3], pick([4, 8])]);
      const padding = pick(['same', 'valid'] as const), strides = pick([1, 2] as const);
      return { name: `grads of sum(relu(maxPool(conv2d(${x.shape}, ${w.shape}, ${strides}, ${padding}))))`, run: () => {
        const { grads } = dt.valueAndGrads(() => dt.maxPool2d(dt.conv2d(x, w, { strides, padding }).relu(), 2, { padding: 'same' }).mul(x.shape[0]).sum(), [x, w]);
        return grads;
      } };
    }
    default: {
      // A small model with random options, compiled (plans on wasm memory) and trained one step.
      const h = int(3, 12), c = pick([1, 3]), filters = pick([1, 4, 8]), units = int(1, 12);
      const stack = () => [
        new layers.Input({ shape: [h, h, c] }),
        new layers.Conv2D({ filters, kernelSize: int(1, 4), strides: pick([1, 2]), padding: pick(['same', 'valid']), activation: pick(['relu', 'tanh', 'linear']) }),
        ...(rng.next() < 0.5 ? [new layers.MaxPooling2D({ poolSize: pick([1, 2]) })] : []),
        new layers.Flatten(), new layers.Dense({ units, activation: 'softmax' }),
      ];
      const seed = rng.int(1000), n = int(1, 20), x = values([n, h, h, c]);
      const y = dt.tensor(Array.from({ length: n }, (_, i) => i % units), null, 'int32');
      const layersOnce = stack();
      return { name: `model conv ${filters} on [${n}, ${h}, ${h}, ${c}] -> ${units} units`, run: () => {
        dt.setRandomSeed(seed);
        dt.setRandomSeed(seed);
        const m = new models.Sequential(rebuild(layersOnce));
        m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
        const [loss] = [m.trainOnBatch(x, y)[0]];
        return [loss, ...Array.from(m.predict(x, { batchSize: int(1, n) }).data)];
      } };
    }
  }
}

/** Fresh layers with the same options (each backend's run builds its own weights from one seed). */
function rebuild(template: layers.Layer[]): layers.Layer[] {
  return template.map((l) => {
    const config = l.getConfig();
    delete config.name;
    const Cls = l.constructor as new (args: unknown) => layers.Layer;
    return l.className === 'InputLayer' ? new layers.Input({ batchShape: config.batchInputShape as number[] }) : new Cls(config);
  });
}

/** Messages name layers, which each run numbers afresh (max_pooling2d_13 vs _14). */
const unnumbered = (m: string): string => m.replace(/([a-z0-9])_\d+"/g, '$1"');

type Outcome = { error: Error } | { values: number[][]; shapes: number[][] };
function outcome(run: () => dt.Tensor | dt.Tensor[] | number[]): Outcome {
  try {
    const r = run();
    const list = Array.isArray(r) ? r : [r];
    return { values: list.map((t) => (typeof t === 'number' ? [t] : Array.from(t.data))), shapes: list.map((t) => (typeof t === 'number' ? [] : [...t.shape])) };
  } catch (e) {
    return { error: e as Error };
  }
}

describe('public API fuzz', () => {
  it('400 random calls: the wasm backend matches the reference backend, or both refuse with the same Error', () => {
    let ok = 0, refused = 0;
    const failures: string[] = [];
    for (let i = 0; i < 400; i++) {
      const c = makeCase();
      const ours = dt.withBackend('wasm', () => outcome(c.run));
      const theirs = dt.withBackend('js', () => outcome(c.run));
      const label = `case ${i} ${c.name}`;
      if ('error' in ours || 'error' in theirs) {
        if (!('error' in ours) || !('error' in theirs)) { failures.push(`${label}: only one backend failed: ${'error' in ours ? ours.error.message : (theirs as { error: Error }).error.message}`); continue; }
        if (ours.error.constructor !== Error) { failures.push(`${label}: ${ours.error.constructor.name}: ${ours.error.message}`); continue; }
        if (unnumbered(ours.error.message) !== unnumbered(theirs.error.message)) { failures.push(`${label}: different errors: ${ours.error.message} / ${theirs.error.message}`); continue; }
        refused++;
        continue;
      }
      if (JSON.stringify(ours.shapes) !== JSON.stringify(theirs.shapes)) { failures.push(`${label}: shapes ${JSON.stringify(ours.shapes)} vs ${JSON.stringify(theirs.shapes)}`); continue; }
      let worst = 0;
      ours.values.forEach((v, j) => v.forEach((a, k) => {
        const b = theirs.values[j][k];
        const err = Number.isNaN(a) && Number.isNaN(b) ? 0 : a === b ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(b));
        if (!(err <= worst)) worst = err;
      }));
      if (!(worst < 1e-4)) failures.push(`${label}: values differ by ${worst}`);
      else ok++;
    }
    console.log(`api fuzz: 400 cases, ${ok} equal on both backends, ${refused} refused alike, ${failures.length} failures`);
    assert.deepEqual(failures, []);
    assert.ok(ok > 150 && refused > 20, 'the fuzz reaches both outcomes');
  });
});
