// Random tensors, drawn by a kernel from a generator whose state lives in backend memory.
// Because the kernel advances that state itself, a compiled step that replays the call draws
// new numbers every time, exactly as op-by-op execution does (Keras 3's SeedGenerator idea).
import { backend, isTracing, persistentCopy } from '../core/engine.ts';
import { isFloat, type DType } from '../core/dtype.ts';
import { formatShape, type Shape } from '../core/shape.ts';
import type { Tensor, Variable } from '../core/tensor.ts';
import { random } from '../core/random.ts';
import type { RandomDist } from '../backends/backend.ts';
import { make } from './util.ts';

/**
 * A stream of random numbers: make one per layer (in its constructor), pass it to the random
 * ops. `seed` fixes the stream; without one it is drawn from setRandomSeed's generator.
 */
export class SeedGenerator {
  private stateArray: Int32Array;
  readonly seed: number | undefined;
  constructor(seed?: number | null) {
    if (isTracing()) {
      throw new Error('SeedGenerator: created while a compiled step was being traced (inside a layer\'s call()); ' +
        'create it once, in the layer\'s constructor, so that every step draws from the same advancing stream');
    }
    // null, as Keras configs write "no seed", is the same as none.
    if (seed === null) seed = undefined;
    if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`SeedGenerator: seed must be an integer, got ${seed}`);
    this.seed = seed;
    const k0 = seed ?? random().int(2 ** 32), k1 = seed === undefined ? random().int(2 ** 32) : 0x5eed;
    this.stateArray = persistentCopy(Int32Array.of(k0 | 0, k1 | 0, 0, 0));
  }
  /** The generator's state [key0, key1, counterLo, counterHi], moved into backend memory on first use. */
  get state(): Int32Array { return (this.stateArray = persistentCopy(this.stateArray)); }
  /** A copy of the state (to save, or to rewind a stream in tests). */
  getState(): Int32Array { return this.stateArray.slice(); }
  setState(s: ArrayLike<number>): void { this.state.set(s); }
}

function draw(what: string, dist: RandomDist, shape: Shape, seed: SeedGenerator, a: number, b: number, dtype: DType): Tensor {
  if (!(seed instanceof SeedGenerator)) {
    throw new Error(`${what}: seed must be a SeedGenerator (made once, e.g. in a layer's constructor: new SeedGenerator(42)), got ${typeof seed === 'number' ? `the number ${seed}` : typeof seed}`);
  }
  if (!isFloat(dtype)) throw new Error(`${what}: dtype must be float32 or float64, got ${dtype}`);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what}: invalid shape ${formatShape(shape)}`);
  return make(dtype, shape, (out) => backend().random(dist, seed.state, out, a, b));
}

export interface UniformOptions { minval?: number; maxval?: number; dtype?: DType }
export interface NormalOptions { mean?: number; stddev?: number; dtype?: DType }

/**
 * The generator of a call in TensorFlow.js's form (`randomUniform(shape, 0, 1, 'float32', 7)`):
 * a number seeds a fresh stream (the same seed, the same numbers, as in TF.js); none draws one
 * from setRandomSeed's generator. Inside a layer's call() this is refused while tracing: a layer
 * keeps its own SeedGenerator, made in its constructor.
 */
function generatorOf(what: string, seed: SeedGenerator | number | undefined, ...numbers: unknown[]): SeedGenerator {
  for (const n of numbers) {
    if (n !== undefined && typeof n !== 'number') {
      throw new Error(`${what}: expected (shape, generator, options) or TensorFlow.js's (shape, ${what === 'randomUniform' ? 'minval, maxval' : 'mean, stdDev'}, dtype, seed), got ${Object.prototype.toString.call(n)} where a number belongs`);
    }
  }
  return seed instanceof SeedGenerator ? seed : new SeedGenerator(seed);
}

/**
 * Uniform in [minval, maxval). Keras 3's form takes a SeedGenerator and options
 * (`randomUniform(shape, generator, {minval, maxval, dtype})`); TensorFlow.js's form takes
 * `randomUniform(shape, minval?, maxval?, dtype?, seed?)`.
 */
export function randomUniform(shape: Shape, seed: SeedGenerator, options?: UniformOptions): Tensor;
export function randomUniform(shape: Shape, minval?: number, maxval?: number, dtype?: DType, seed?: number | SeedGenerator): Tensor;
export function randomUniform(shape: Shape, a?: SeedGenerator | number, b?: UniformOptions | number, dtype?: DType, seed?: number | SeedGenerator): Tensor {
  const [g, { minval = 0, maxval = 1, dtype: dt = 'float32' }] = a instanceof SeedGenerator
    ? [a, (b ?? {}) as UniformOptions] : [generatorOf('randomUniform', seed, a, b), { minval: a, maxval: b as number | undefined, dtype }];
  if (!(maxval > minval)) throw new Error(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  return draw('randomUniform', 'uniform', shape, g, minval, maxval, dt);
}
/** Normal: `randomNormal(shape, generator, {mean, stddev, dtype})` or TF.js's `randomNormal(shape, mean?, stdDev?, dtype?, seed?)`. */
export function randomNormal(shape: Shape, seed: SeedGenerator, options?: NormalOptions): Tensor;
export function randomNormal(shape: Shape, mean?: number, stddev?: number, dtype?: DType, seed?: number | SeedGenerator): Tensor;
export function randomNormal(shape: Shape, a?: SeedGenerator | number, b?: NormalOptions | number, dtype?: DType, seed?: number | SeedGenerator): Tensor {
  const [g, o] = normalArgs('randomNormal', a, b, dtype, seed);
  if (!(o.stddev >= 0)) throw new Error(`randomNormal: stddev must be >= 0, got ${o.stddev}`);
  return draw('randomNormal', 'normal', shape, g, o.mean, o.stddev, o.dtype);
}
/** Normal, redrawn where it falls more than two standard deviations from the mean (as Keras's); both forms as randomNormal. */
export function truncatedNormal(shape: Shape, seed: SeedGenerator, options?: NormalOptions): Tensor;
export function truncatedNormal(shape: Shape, mean?: number, stddev?: number, dtype?: DType, seed?: number | SeedGenerator): Tensor;
export function truncatedNormal(shape: Shape, a?: SeedGenerator | number, b?: NormalOptions | number, dtype?: DType, seed?: number | SeedGenerator): Tensor {
  const [g, o] = normalArgs('truncatedNormal', a, b, dtype, seed);
  if (!(o.stddev >= 0)) throw new Error(`truncatedNormal: stddev must be >= 0, got ${o.stddev}`);
  return draw('truncatedNormal', 'truncatedNormal', shape, g, o.mean, o.stddev, o.dtype);
}
function normalArgs(what: string, a: SeedGenerator | number | undefined, b: NormalOptions | number | undefined, dtype: DType | undefined, seed: number | SeedGenerator | undefined): [SeedGenerator, Required<NormalOptions>] {
  const o = a instanceof SeedGenerator ? (b ?? {}) as NormalOptions : { mean: a, stddev: b as number | undefined, dtype };
  return [a instanceof SeedGenerator ? a : generatorOf(what, seed, a, b), { mean: o.mean ?? 0, stddev: o.stddev ?? 1, dtype: o.dtype ?? 'float32' }];
}
/** 1 with probability p, else 0. */
export function randomBernoulli(shape: Shape, seed: SeedGenerator, p: number, dtype: DType = 'float32'): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`randomBernoulli: p must be in [0, 1], got ${p}`);
  return draw('randomBernoulli', 'bernoulli', shape, seed, p, 0, dtype);
}

/**
 * v <- v * momentum + value * (1 - momentum), in place, by a kernel (so a compiled step updates
 * the moving statistics at every replay). Not differentiable.
 */
export function assignMovingAverage(v: Variable, value: Tensor, momentum: number): void {
  if (v.size !== value.size) throw new Error(`assignMovingAverage: ${v.name} has shape ${formatShape(v.shape)}, the value ${formatShape(value.shape)}`);
  v.data = persistentCopy(v.data);
  backend().movingAverage(v.data, value.data, momentum);
}
