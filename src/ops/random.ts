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

/** Uniform in [minval, maxval). */
export function randomUniform(shape: Shape, seed: SeedGenerator, { minval = 0, maxval = 1, dtype = 'float32' }: UniformOptions = {}): Tensor {
  if (!(maxval > minval)) throw new Error(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  return draw('randomUniform', 'uniform', shape, seed, minval, maxval, dtype);
}
export function randomNormal(shape: Shape, seed: SeedGenerator, { mean = 0, stddev = 1, dtype = 'float32' }: NormalOptions = {}): Tensor {
  if (!(stddev >= 0)) throw new Error(`randomNormal: stddev must be >= 0, got ${stddev}`);
  return draw('randomNormal', 'normal', shape, seed, mean, stddev, dtype);
}
/** Normal, redrawn where it falls more than two standard deviations from the mean (as Keras's). */
export function truncatedNormal(shape: Shape, seed: SeedGenerator, { mean = 0, stddev = 1, dtype = 'float32' }: NormalOptions = {}): Tensor {
  if (!(stddev >= 0)) throw new Error(`truncatedNormal: stddev must be >= 0, got ${stddev}`);
  return draw('truncatedNormal', 'truncatedNormal', shape, seed, mean, stddev, dtype);
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
