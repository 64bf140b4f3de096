// NumPy's legacy RandomState(seed).shuffle (MT19937 with its integer seeding, and
// random_interval's masked rejection), so that file lists split exactly as Keras splits them.

class MT19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;
  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
  /** Uniform integer in [0, max] (max < 2^32), NumPy's random_interval. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }
}

/** In place, the permutation np.random.RandomState(seed).shuffle(items) makes. */
export function numpyShuffle<T>(items: T[] | Int32Array, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2**32 - 1], got ${seed}`);
  const rng = new MT19937(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.interval(i);
    const t = items[i]; items[i] = items[j]; items[j] = t;
  }
}
