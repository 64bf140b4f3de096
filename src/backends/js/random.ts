// The reference random and state kernels. Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3"): a counter-based generator, so value i is a pure function of
// (key, counter + i's block) and any thread can compute any range of values on its own.
import type { TypedArray } from '../../core/dtype.ts';
import type { RandomDist } from '../backend.ts';

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** The high 32 bits of the unsigned 64-bit product a * b. */
function mulHi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const m1 = a1 * b0, m2 = a0 * b1;
  const mid = ((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) >>> 0;
}

/** Ten Philox rounds on the counter (c0..c3) with key (k0, k1), into out[0..3]. */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulHi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0; c1 = lo1; c2 = (hi0 ^ c3 ^ k1) >>> 0; c3 = lo0;
    k0 = (k0 + W0) >>> 0; k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/** A uniform in [0, 1) from the top 24 bits of a word (exact in float32). */
const unit = (u: number): number => (u >>> 8) * 5.9604644775390625e-8;
/** A uniform in (0, 1]: safe for log. */
const unitOpen = (u: number): number => ((u >>> 8) + 1) * 5.9604644775390625e-8;

/**
 * The largest float32 below b: a uniform draw of [a, b) stored as float32 can round onto b
 * (a + (b - a) u with u just below 1, where b - a < |b|), which the half-open range excludes.
 */
export function float32Below(b: number): number {
  const f = new Float32Array([b]), bits = new Int32Array(f.buffer);
  if (f[0] >= b) bits[0] += f[0] > 0 ? -1 : f[0] < 0 ? 1 : -2147483647; // below 0: -1.4e-45
  return f[0];
}

/** How many 128-bit counter blocks n draws of dist use (the counter advances by this). */
export function blocksFor(dist: RandomDist, n: number): number {
  if (dist === 'normal') return Math.ceil(n / 2);
  if (dist === 'truncatedNormal') return n;
  return Math.ceil(n / 4);
}

/** Draws values [start, end) of a call whose counter starts at (lo, hi). */
export function randomRange(dist: RandomDist, state: Int32Array, out: TypedArray, a: number, b: number, start: number, end: number): void {
  const k0 = state[0] >>> 0, k1 = state[1] >>> 0, lo = state[2] >>> 0, hi = state[3] >>> 0;
  // float32 draws of [a, b) stay below b (see float32Below); float64 ones cannot reach it.
  const clamp = out instanceof Float32Array && b > a, below = clamp ? float32Below(b) : 0;
  const w = new Uint32Array(4);
  const block = (j: number, round = 0): void => {
    const c = lo + j;
    philox(c >>> 0, (hi + Math.floor(c / 4294967296)) >>> 0, round, 0, k0, k1, w);
  };
  for (let i = start; i < end; i++) {
    if (dist === 'uniform' || dist === 'bernoulli') {
      if (i === start || (i & 3) === 0) block(i >> 2);
      const u = unit(w[i & 3]);
      const v = dist === 'uniform' ? a + (b - a) * u : u < a ? 1 : 0;
      out[i] = dist === 'uniform' && clamp && Math.fround(v) >= b ? below : v;
    } else if (dist === 'normal') {
      if (i === start || (i & 1) === 0) block(i >> 1);
      out[i] = a + b * boxMuller(w, i & 1);
    } else {
      // Truncated: resample (the same element's block in later rounds) until within 2 stddev.
      let z = 0;
      for (let round = 0; round < 64; round++) {
        block(i, round);
        z = boxMuller(w, 0);
        if (Math.abs(z) <= 2) break;
        z = boxMuller(w, 1);
        if (Math.abs(z) <= 2) break;
      }
      out[i] = a + b * Math.max(-2, Math.min(2, z));
    }
  }
}

/** One standard normal from the word pair `pair` of a block (Box-Muller, cosine or sine branch by pair). */
function boxMuller(w: Uint32Array, pair: number): number {
  const r = Math.sqrt(-2 * Math.log(unitOpen(w[0]))), t = 2 * Math.PI * unit(w[1]);
  const r2 = Math.sqrt(-2 * Math.log(unitOpen(w[2]))), t2 = 2 * Math.PI * unit(w[3]);
  return pair === 0 ? r * Math.cos(t) : r2 * Math.cos(t2);
}

/** Advances the state's 64-bit counter past the blocks a call of n draws used. */
export function advance(dist: RandomDist, state: Int32Array, n: number): void {
  const c = (state[2] >>> 0) + blocksFor(dist, n);
  state[2] = c >>> 0;
  state[3] = ((state[3] >>> 0) + Math.floor(c / 4294967296)) >>> 0;
}

export function random(dist: RandomDist, state: Int32Array, out: TypedArray, a: number, b: number): void {
  randomRange(dist, state, out, a, b, 0, out.length);
  advance(dist, state, out.length);
}

export function movingAverage(v: TypedArray, x: TypedArray, momentum: number): void {
  for (let i = 0; i < v.length; i++) v[i] = v[i] * momentum + x[i] * (1 - momentum);
}
