// Optimizers: 10 steps against TensorFlow.js where it has the optimizer, else against Keras 3's
// update rule written here in float64; clipping, weight decay, moving averages; compiled vs
// eager training; learning-rate schedules at steps 0, 1, 10, 1000 against Keras's formulas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { tf } from './helpers/oracle.ts';
import * as schedules from '../src/training/schedules.ts';

const { optimizers } = dt;
const rng = new Random(3);
const rand = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    assert.ok(err <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]} (${err.toExponential(2)})`);
  }
};

// A small regression model and its data: Dense(4 -> 3) then Dense(3 -> 2), MSE.
const X = rand(8 * 4), Y = rand(8 * 2), W1 = rand(12), B1 = rand(3, -0.1, 0.1), W2 = rand(6), B2 = rand(2, -0.1, 0.1);
function model(optimizer: dt.optimizers.Optimizer, runEagerly = false): dt.models.Sequential {
  const m = new dt.models.Sequential([new dt.layers.Input({ shape: [4] }), new dt.layers.Dense({ units: 3, activation: 'tanh' }), new dt.layers.Dense({ units: 2 })]);
  m.setWeights([dt.tensor(W1, [4, 3]), dt.tensor(B1), dt.tensor(W2, [3, 2]), dt.tensor(B2)]);
  m.compile({ loss: 'mse', optimizer, runEagerly });
  return m;
}
function train(optimizer: dt.optimizers.Optimizer, runEagerly = false, steps = 10): number[] {
  const m = model(optimizer, runEagerly);
  const x = dt.tensor(X, [8, 4]), y = dt.tensor(Y, [8, 2]);
  for (let s = 0; s < steps; s++) m.trainOnBatch(x, y);
  return m.getWeights().flatMap((w) => Array.from(w.data));
}
function trainTf(optimizer: tf.Optimizer, steps = 10): number[] {
  const vars = [tf.variable(tf.tensor(W1, [4, 3])), tf.variable(tf.tensor(B1)), tf.variable(tf.tensor(W2, [3, 2])), tf.variable(tf.tensor(B2))];
  const x = tf.tensor(X, [8, 4]), y = tf.tensor(Y, [8, 2]);
  for (let s = 0; s < steps; s++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, vars[0]), vars[1])), vars[2]), vars[3]), y))) as tf.Scalar, false, vars);
  }
  return vars.flatMap((v) => Array.from(v.dataSync()));
}

describe('optimizers match TensorFlow.js over 10 steps (compiled)', () => {
  const cases: [string, () => dt.optimizers.Optimizer, () => tf.Optimizer][] = [
    ['sgd', () => new optimizers.SGD({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
    ['momentum', () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }), () => tf.train.momentum(0.1, 0.9)],
    ['nesterov', () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), () => tf.train.momentum(0.1, 0.9, true)],
    ['adam', () => new optimizers.Adam({ learningRate: 0.05 }), () => tf.train.adam(0.05, 0.9, 0.999, 1e-7)],
    ['rmsprop', () => new optimizers.RMSprop({ learningRate: 0.01 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
    ['rmsprop momentum', () => new optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5 }), () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7)],
    // Centered: TF.js subtracts epsilon under the root (rmsprop_optimizer.js), Keras 3 adds it;
    // with a negligible epsilon the two agree.
    ['rmsprop centered', () => new optimizers.RMSprop({ learningRate: 0.01, centered: true, epsilon: 1e-12 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-12, true)],
    ['rmsprop centered momentum', () => new optimizers.RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5, epsilon: 1e-12 }), () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-12, true)],
    ['adagrad', () => new optimizers.Adagrad({ learningRate: 0.1 }), () => tf.train.adagrad(0.1, 0.1)],
    ['adamax', () => new optimizers.Adamax({ learningRate: 0.05 }), () => tf.train.adamax(0.05, 0.9, 0.999, 1e-7)],
  ];
  for (const [name, ours, theirs] of cases) {
    it(name, () => close(train(ours()), trainTf(theirs()), 1e-5, name));
  }
});

// Keras 3's update rules in float64, one variable, given gradient sequences.
type Rule = (w: Float64Array, g: number[], t: number, lr: number, s: Record<string, Float64Array>) => void;
const each = (w: Float64Array, f: (i: number) => void): void => { for (let i = 0; i < w.length; i++) f(i); };
const slot = (s: Record<string, Float64Array>, k: string, n: number, init = 0): Float64Array => (s[k] ??= new Float64Array(n).fill(init));
const kerasRules: Record<string, [() => dt.optimizers.Optimizer, Rule]> = {
  AdamW: [() => new optimizers.AdamW({ learningRate: 0.01, weightDecay: 0.1 }), (w, g, t, lr, s) => {
    const m = slot(s, 'm', w.length), v = slot(s, 'v', w.length);
    each(w, (i) => {
      w[i] -= w[i] * 0.1 * lr;
      m[i] += (g[i] - m[i]) * 0.1; v[i] += (g[i] * g[i] - v[i]) * 0.001;
      w[i] -= ((lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (m[i] / (Math.sqrt(v[i]) + 1e-7));
    });
  }],
  Nadam: [() => new optimizers.Nadam({ learningRate: 0.01 }), (w, g, t, lr, s) => {
    const m = slot(s, 'm', w.length), v = slot(s, 'v', w.length), prod = slot(s, 'prod', 1, 1);
    const u = (k: number): number => 0.9 * (1 - 0.5 * 0.96 ** k);
    prod[0] *= u(t);
    const ut = u(t), ut1 = u(t + 1), pt = prod[0], pt1 = pt * ut1;
    each(w, (i) => {
      m[i] += (g[i] - m[i]) * 0.1; v[i] += (g[i] * g[i] - v[i]) * 0.001;
      const mHat = (ut1 * m[i]) / (1 - pt1) + ((1 - ut) * g[i]) / (1 - pt), vHat = v[i] / (1 - 0.999 ** t);
      w[i] -= (mHat * lr) / (Math.sqrt(vHat) + 1e-7);
    });
  }],
  Lion: [() => new optimizers.Lion({ learningRate: 0.01 }), (w, g, _t, lr, s) => {
    const m = slot(s, 'm', w.length);
    each(w, (i) => { w[i] -= lr * Math.sign(m[i] * 0.9 + g[i] * 0.1); m[i] = m[i] * 0.99 + g[i] * 0.01; });
  }],
  Ftrl: [() => new optimizers.Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.01, l2RegularizationStrength: 0.02, l2ShrinkageRegularizationStrength: 0.01, beta: 0.1 }), (w, g, _t, lr, s) => {
    const acc = slot(s, 'acc', w.length, 0.1), lin = slot(s, 'lin', w.length);
    const l2 = 0.02 + 0.1 / (2 * lr);
    each(w, (i) => {
      const gs = g[i] + 2 * 0.01 * w[i], next = acc[i] + g[i] * g[i];
      lin[i] += gs - ((next ** 0.5 - acc[i] ** 0.5) / lr) * w[i];
      const q = next ** 0.5 / lr + 2 * l2;
      w[i] = Math.abs(lin[i]) > 0.01 ? (Math.sign(lin[i]) * 0.01 - lin[i]) / q : 0;
      acc[i] = next;
    });
  }],
  'Ftrl (power -0.7)': [() => new optimizers.Ftrl({ learningRate: 0.1, learningRatePower: -0.7 }), (w, g, _t, lr, s) => {
    const acc = slot(s, 'acc', w.length, 0.1), lin = slot(s, 'lin', w.length);
    each(w, (i) => {
      const next = acc[i] + g[i] * g[i];
      lin[i] += g[i] - ((next ** 0.7 - acc[i] ** 0.7) / lr) * w[i];
      w[i] = Math.abs(lin[i]) > 0 ? (-lin[i]) / (next ** 0.7 / lr) : 0;
      acc[i] = next;
    });
  }],
  // Not against TF.js: its Adadelta divides by the accumulated gradient before this step's
  // update (tfjs-core adadelta_optimizer.js); Keras 3 uses the updated one.
  Adadelta: [() => new optimizers.Adadelta({ learningRate: 1, rho: 0.9 }), (w, g, _t, lr, s) => {
    const ag = slot(s, 'ag', w.length), ad = slot(s, 'ad', w.length);
    each(w, (i) => {
      ag[i] = 0.9 * ag[i] + 0.1 * g[i] * g[i];
      const delta = -Math.sqrt(ad[i] + 1e-7) * g[i] / Math.sqrt(ag[i] + 1e-7);
      ad[i] = 0.9 * ad[i] + 0.1 * delta * delta;
      w[i] += lr * delta;
    });
  }],
  'RMSprop centered (Keras 3: + epsilon)': [() => new optimizers.RMSprop({ learningRate: 0.01, centered: true, momentum: 0.3 }), (w, g, _t, lr, s) => {
    const v = slot(s, 'v', w.length), ag = slot(s, 'ag', w.length), m = slot(s, 'm', w.length);
    each(w, (i) => {
      v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
      ag[i] = 0.9 * ag[i] + 0.1 * g[i];
      const inc = (lr * g[i]) / Math.sqrt(v[i] - ag[i] * ag[i] + 1e-7);
      m[i] = 0.3 * m[i] + inc;
      w[i] -= m[i];
    });
  }],
  'SGD clipnorm 0.5': [() => new optimizers.SGD({ learningRate: 0.1, clipnorm: 0.5 }), (w, g, _t, lr) => {
    const norm = Math.sqrt(g.reduce((a, b) => a + b * b, 0)), c = norm > 0.5 ? 0.5 / norm : 1;
    each(w, (i) => { w[i] -= lr * g[i] * c; });
  }],
  'SGD clipvalue 0.3': [() => new optimizers.SGD({ learningRate: 0.1, clipvalue: 0.3 }), (w, g, _t, lr) => each(w, (i) => { w[i] -= lr * Math.min(Math.max(g[i], -0.3), 0.3); })],
  'Adam weightDecay 0.05': [() => new optimizers.Adam({ learningRate: 0.01, weightDecay: 0.05 }), (w, g, t, lr, s) => {
    const m = slot(s, 'm', w.length), v = slot(s, 'v', w.length);
    each(w, (i) => {
      w[i] -= w[i] * 0.05 * lr;
      m[i] = 0.9 * m[i] + 0.1 * g[i]; v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      w[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7);
    });
  }],
  'SGD with ExponentialDecay': [() => new optimizers.SGD({ learningRate: new schedules.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 }) }),
    (w, g, t, _lr) => each(w, (i) => { w[i] -= 0.1 * 0.5 ** ((t - 1) / 3) * g[i]; })],
};

describe('optimizers match Keras 3\'s update rules (float64)', () => {
  for (const [name, [make, rule]] of Object.entries(kerasRules)) {
    it(name, () => dt.withBackend('js', () => {
      const opt = make();
      const init = rand(7, -2, 2);
      const v = new dt.Variable(dt.tensor(init, null, 'float64'), 'w');
      const ref = Float64Array.from(init), state: Record<string, Float64Array> = {};
      for (let t = 1; t <= 10; t++) {
        const g = rand(7, -3, 3);
        const lr = opt.learningRate;
        opt.apply([dt.tensor(g, null, 'float64')], [v]);
        rule(ref, g, t, lr, state);
      }
      close(v.data, ref, 1e-9, name);
      assert.equal(opt.iterations, 10);
    }));
  }

  it('globalClipnorm scales all gradients together; useEma keeps Keras\'s moving average', () => dt.withBackend('js', () => {
    const a = new dt.Variable(dt.tensor([1, 2], null, 'float64'), 'a'), b = new dt.Variable(dt.tensor([3], null, 'float64'), 'b');
    const opt = new optimizers.SGD({ learningRate: 1, globalClipnorm: 1, useEma: true, emaMomentum: 0.5 });
    opt.applyGradients([[dt.tensor([3, 0], null, 'float64'), a], [dt.tensor([4], null, 'float64'), b]]); // joint norm 5
    close(a.data, [1 - 0.6, 2], 1e-12, 'a'); close(b.data, [3 - 0.8], 1e-12, 'b');
    close(opt.movingAverage(a)!.data, [0.4, 2], 1e-12, 'ema starts at the weights');
    opt.apply([dt.tensor([0.1, 0.1], null, 'float64'), dt.tensor([0], null, 'float64')], [a, b]);
    close(opt.movingAverage(a)!.data, [0.5 * 0.4 + 0.5 * 0.3, 0.5 * 2 + 0.5 * 1.9], 1e-12, 'ema');
    opt.finalizeVariableValues([a, b]);
    close(a.data, [0.35, 1.95], 1e-12, 'finalized');
  }));
});

describe('compiled steps and runEagerly give the same weights (wasm kernels vs reference)', () => {
  const all: [string, () => dt.optimizers.Optimizer][] = [
    ['Adam', () => new optimizers.Adam({ learningRate: 0.05, clipnorm: 0.5 })],
    ['AdamW', () => new optimizers.AdamW({ learningRate: 0.05, useEma: true })],
    ['SGD', () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, globalClipnorm: 1 })],
    ['RMSprop', () => new optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, clipvalue: 0.1 })],
    ['RMSprop centered', () => new optimizers.RMSprop({ learningRate: 0.01, centered: true })],
    ['RMSprop centered momentum', () => new optimizers.RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 })],
    ['Adagrad', () => new optimizers.Adagrad({ learningRate: 0.1, weightDecay: 0.01 })],
    ['Adadelta', () => new optimizers.Adadelta({ learningRate: 1 })],
    ['Adamax', () => new optimizers.Adamax({ learningRate: 0.05 })],
    ['Nadam', () => new optimizers.Nadam({ learningRate: 0.05 })],
    ['Lion', () => new optimizers.Lion({ learningRate: 0.01 })],
    ['Ftrl', () => new optimizers.Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.001 })],
    ['SGD + CosineDecay warmup', () => new optimizers.SGD({ learningRate: new schedules.CosineDecay({ initialLearningRate: 0, warmupTarget: 0.2, warmupSteps: 3, decaySteps: 10 }) })],
    ['Adam + PiecewiseConstantDecay', () => new optimizers.Adam({ learningRate: new schedules.PiecewiseConstantDecay({ boundaries: [2, 5], values: [0.1, 0.05, 0.01] }) })],
    ['RMSprop + InverseTimeDecay', () => new optimizers.RMSprop({ learningRate: new schedules.InverseTimeDecay({ initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5, staircase: true }) })],
    ['SGD + PolynomialDecay', () => new optimizers.SGD({ learningRate: new schedules.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 5, power: 2, cycle: true }) })],
    ['Adam + CosineDecayRestarts', () => new optimizers.Adam({ learningRate: new schedules.CosineDecayRestarts({ initialLearningRate: 0.05, firstDecaySteps: 3 }) })],
    ['Lion + ExponentialDecay', () => new optimizers.Lion({ learningRate: new schedules.ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 4, decayRate: 0.3 }) })],
  ];
  for (const [name, make] of all) {
    it(name, () => {
      const compiled = train(make(), false), eager = train(make(), true);
      close(compiled, eager, 1e-5, name);
      assert.ok(compiled.some((v, i) => Math.abs(v - [...W1, ...B1, ...W2, ...B2][i]) > 1e-4), `${name}: the weights moved`);
    });
  }
});

describe('learning-rate schedules equal Keras\'s formulas at steps 0, 1, 10, 1000', () => {
  const steps = [0, 1, 10, 1000];
  const cases: [schedules.LearningRateSchedule, (s: number) => number][] = [
    [new schedules.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9 }), (s) => 0.1 * 0.9 ** (s / 7)],
    [new schedules.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9, staircase: true }), (s) => 0.1 * 0.9 ** Math.floor(s / 7)],
    [new schedules.PiecewiseConstantDecay({ boundaries: [1, 100], values: [1, 0.5, 0.1] }), (s) => (s <= 1 ? 1 : s <= 100 ? 0.5 : 0.1)],
    [new schedules.InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5 }), (s) => 0.1 / (1 + 0.5 * s / 5)],
    [new schedules.InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5, staircase: true }), (s) => 0.1 / (1 + 0.5 * Math.floor(s / 5))],
    [new schedules.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 0.5 }), (s) => (0.1 - 0.01) * (1 - Math.min(s, 100) / 100) ** 0.5 + 0.01],
    [new schedules.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 30, cycle: true }), (s) => { const d = 30 * Math.max(1, Math.ceil(s / 30)); return (0.1 - 1e-4) * (1 - s / d) + 1e-4; }],
    [new schedules.CosineDecay({ initialLearningRate: 0.1, decaySteps: 500, alpha: 0.1 }), (s) => 0.1 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, 500) / 500)) + 0.1)],
    [new schedules.CosineDecay({ initialLearningRate: 0.01, decaySteps: 500, warmupTarget: 0.1, warmupSteps: 20 }),
      (s) => (s < 20 ? 0.01 + (s / 20) * 0.09 : 0.1 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s - 20, 500) / 500)))],
    [new schedules.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 8, tMul: 2, mMul: 0.5, alpha: 0.05 }), (s) => {
      // Periods 8, 16, 32, ... each starting at half the previous peak.
      let start = 0, len = 8, i = 0;
      while (s >= start + len) { start += len; len *= 2; i++; }
      return 0.1 * (0.95 * 0.5 * 0.5 ** i * (1 + Math.cos(Math.PI * (s - start) / len)) + 0.05);
    }],
    [new schedules.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 8, tMul: 1 }), (s) => 0.1 * 0.5 * (1 + Math.cos(Math.PI * ((s / 8) % 1)))],
  ];
  for (const [schedule, formula] of cases) {
    it(`${schedule.className} ${JSON.stringify(schedule.getConfig())}`, () => {
      close(steps.map((s) => schedule.call(s)), steps.map(formula), 1e-12, schedule.className);
      const again = schedules.scheduleFromConfig(JSON.parse(JSON.stringify(schedule.toJSON())));
      close(steps.map((s) => again.call(s)), steps.map(formula), 1e-12, 'round trip');
    });
  }
});

describe('optimizer configs and bad input', () => {
  it('a schedule is saved and restored with the optimizer', () => {
    const opt = new optimizers.Nadam({ learningRate: new schedules.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }), clipnorm: 2 });
    const back = optimizers.optimizerFromConfig(JSON.parse(JSON.stringify(optimizers.optimizerToConfig(opt))), 'test');
    assert.ok(back instanceof optimizers.Nadam);
    assert.equal(back.clipnorm, 2);
    back.iterations = 4;
    assert.equal(back.learningRate, 0.1 * 0.25);
    assert.throws(() => { back.learningRate = 0.1; }, /ExponentialDecay schedule and cannot be set to a number/);
  });
  it('refuses bad options with clear errors', () => {
    assert.throws(() => new optimizers.SGD({ clipnorm: -1 }), /SGD: clipnorm must be a positive number \(or null for none\), got -1/);
    assert.throws(() => new optimizers.Adam({ clipvalue: 0 }), /Adam: clipvalue must be a positive number/);
    assert.throws(() => new optimizers.Adam({ globalClipnorm: -2 }), /globalClipnorm must be a positive number/);
    assert.throws(() => new optimizers.Adam({ clipnorm: 1, clipvalue: 1 }), /only one of clipnorm, clipvalue and globalClipnorm/);
    assert.throws(() => new optimizers.AdamW({ weightDecay: -0.1 }), /AdamW: weightDecay must be a number >= 0, got -0.1/);
    assert.throws(() => new optimizers.Lion({ learningRate: -1 }), /Lion: learningRate must be a positive number or a LearningRateSchedule, got -1/);
    assert.throws(() => new optimizers.Adam({ beta_1: 0.9 } as never), /Adam: unknown option 'beta_1'/);
    assert.throws(() => optimizers.getOptimizer('adamww'), /unknown optimizer 'adamww', expected an Optimizer or one of adam, adamw, sgd, rmsprop, adagrad, adadelta, adamax, nadam, lion, ftrl/);
    assert.throws(() => new schedules.PiecewiseConstantDecay({ boundaries: [10, 10, 20], values: [1, 2, 3, 4] }), /boundaries must be strictly increasing, got 10 then 10 at index 1/);
    assert.throws(() => new schedules.PiecewiseConstantDecay({ boundaries: [1], values: [1] }), /values must have one more element than boundaries/);
    assert.throws(() => schedules.scheduleFromConfig({ className: 'CosineDecayy', config: {} }), /unknown learning-rate schedule 'CosineDecayy', expected one of ExponentialDecay, PiecewiseConstantDecay/);
  });
  it('refuses hyperparameters that are not numbers in range, naming the optimizer, option, range and value', () => {
    // These trained to NaN (Adam beta1 NaN, RMSprop rho 1.5, Adagrad epsilon -1) or silently
    // wrong weights (RMSprop rho '0.5' and momentum {} coerced, nesterov 'yes' taken as false).
    const bad: [() => unknown, RegExp][] = [
      [() => new optimizers.Adam({ beta1: NaN }), /^Error: Adam: beta1 must be a number in \[0, 1\), got NaN$/],
      [() => new optimizers.AdamW({ beta2: 1 }), /^Error: AdamW: beta2 must be a number in \[0, 1\), got 1$/],
      [() => new optimizers.Adamax({ epsilon: '1e-3' as never }), /^Error: Adamax: epsilon must be a number >= 0, got "1e-3" \(a string\)$/],
      [() => new optimizers.Nadam({ beta2: -1 }), /Nadam: beta2 must be a number in \[0, 1\), got -1/],
      [() => new optimizers.RMSprop({ rho: 1.5 }), /RMSprop: rho must be a number in \[0, 1\], got 1.5/],
      [() => new optimizers.RMSprop({ momentum: {} as never }), /RMSprop: momentum must be a number in \[0, 1\], got \{\}/],
      [() => new optimizers.RMSprop({ centered: 1 as never }), /RMSprop: centered must be true or false, got 1/],
      [() => new optimizers.SGD({ nesterov: 'yes' as never }), /SGD: nesterov must be true or false, got "yes" \(a string\)/],
      [() => new optimizers.SGD({ momentum: '0.9' as never }), /SGD: momentum must be a number in \[0, 1\], got "0.9"/],
      [() => new optimizers.Adagrad({ epsilon: -1 }), /Adagrad: epsilon must be a number >= 0, got -1/],
      [() => new optimizers.Adagrad({ initialAccumulatorValue: Infinity }), /Adagrad: initialAccumulatorValue must be a number >= 0, got Infinity/],
      [() => new optimizers.Adadelta({ rho: true as never }), /Adadelta: rho must be a number in \[0, 1\], got true/],
      [() => new optimizers.Lion({ beta2: 2 }), /Lion: beta2 must be a number in \[0, 1\], got 2/],
      [() => new optimizers.Ftrl({ beta: '0.1' as never }), /Ftrl: beta must be a number >= 0, got "0.1"/],
      [() => new optimizers.Ftrl({ learningRatePower: NaN }), /Ftrl: learningRatePower must be a number <= 0, got NaN/],
      [() => new optimizers.SGD({ learningRate: Infinity }), /SGD: learningRate must be a positive number or a LearningRateSchedule, got Infinity/],
      [() => new optimizers.Adam({ useEma: 'yes' as never }), /Adam: useEma must be true or false, got "yes"/],
      [() => new optimizers.Adam({ emaMomentum: '0.5' as never }), /Adam: emaMomentum must be a number in \[0, 1\], got "0.5"/],
      // Accepted and dropped before: saved files name the optimizer by its class.
      [() => new optimizers.Adam({ name: 'mine' } as never), /Adam: option 'name' is not supported .*got "mine"/],
    ];
    for (const [make, message] of bad) assert.throws(make, (e: Error) => message.test(String(e)), String(message));
    // null and undefined still mean the default; edge values of the ranges are accepted.
    const sgd = new optimizers.SGD({ momentum: null as never, nesterov: undefined });
    assert.equal(sgd.momentum, 0); assert.equal(sgd.nesterov, false);
    assert.equal(new optimizers.Adamax({ beta2: 1 }).beta2, 1);
    assert.equal(new optimizers.Adam({ beta1: 0, epsilon: 0 }).beta1, 0);
    // From a saved config: the file is named too.
    assert.throws(() => optimizers.optimizerFromConfig({ class_name: 'RMSProp', config: { learningRate: 0.1, decay: '0.9' } }, 'model.json'),
      /^Error: model.json: RMSprop: rho must be a number in \[0, 1\], got "0.9" \(a string\)$/);
  });
});

describe('saved models keep the optimizer, its schedule and its state', () => {
  it('Ftrl with a schedule and clipping: save, load, and training continues identically', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const make = () => new optimizers.Ftrl({ learningRate: new schedules.InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 1 }), clipnorm: 1 });
    const m = model(make());
    const x = dt.tensor(X, [8, 4]), y = dt.tensor(Y, [8, 2]);
    for (let s = 0; s < 3; s++) m.trainOnBatch(x, y);
    const dir = join(mkdtempSync(join(tmpdir(), 'opt-')), 'm');
    await m.save(dir, { includeOptimizer: true });
    const loaded = await dt.models.loadModel(dir);
    assert.ok(loaded.optimizer instanceof optimizers.Ftrl);
    assert.equal(loaded.optimizer.iterations, 3);
    assert.equal(loaded.optimizer.clipnorm, 1);
    assert.equal(loaded.optimizer.learningRate, m.optimizer!.learningRate);
    for (let s = 0; s < 3; s++) { m.trainOnBatch(x, y); loaded.trainOnBatch(x, y); }
    close(loaded.getWeights().flatMap((w) => Array.from(w.data)), m.getWeights().flatMap((w) => Array.from(w.data)), 0, 'continued');
  });
});

describe('moving averages are part of the saved optimizer state', () => {
  it('getWeights/setWeights carry <variable>/average under useEma', () => dt.withBackend('js', () => {
    const v = new dt.Variable(dt.tensor([1, 2], null, 'float64'), 'w');
    const a = new optimizers.SGD({ learningRate: 0.5, useEma: true, emaMomentum: 0.9 });
    a.apply([dt.tensor([1, 1], null, 'float64')], [v]);
    a.apply([dt.tensor([1, 1], null, 'float64')], [v]);
    const state = a.getWeights([v]);
    assert.deepEqual(state.map((s) => s.name), ['iter', 'w/average']);
    const b = new optimizers.SGD({ learningRate: 0.5, useEma: true, emaMomentum: 0.9 });
    b.setWeights(new Map(state.map((s) => [s.name, s.tensor])), [v], 'test');
    close(b.movingAverage(v)!.data, a.movingAverage(v)!.data, 0, 'restored');
    assert.throws(() => b.setWeights(new Map([['iter', state[0].tensor]]), [v], 'test'), /test: the optimizer state has no 'w\/average'/);
  }));
});
