// A small seedable generator (mulberry32), so that initial weights and shuffles repeat
// exactly for a given seed.
export class Random {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo = 0, hi = 1): number { return lo + (hi - lo) * this.next(); }
  /** Standard normal by Box-Muller. */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next(), v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }
  /** Fisher-Yates, in place. */
  shuffle<T extends { [i: number]: number; length: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
  /** A new generator seeded from this one: for a component that wants its own stream. */
  fork(): Random { return new Random(Math.floor(this.next() * 4294967296)); }
}

let globalRandom = new Random(Date.now() ^ Math.floor(Math.random() * 4294967296));

/** Seeds everything random in deeptype (initial weights, shuffling, dropout) at once. */
export function setRandomSeed(seed: number): void { globalRandom = new Random(seed); }
export const random = (): Random => globalRandom;
