// The wasm random kernel draws exactly the reference backend's numbers (src/backends/js/random.ts):
// uniform and Bernoulli values run four Philox blocks at once in SIMD (assembly/random.ts), the
// ragged ends of a range one value at a time, so any range, any split between threads and a
// counter that carries into its high word must give the same bits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { float32Below, randomRange } from '../src/backends/js/random.ts';
import type { RandomDist } from '../src/backends/backend.ts';

const firstDifference = (a: Float32Array, b: Float32Array): string => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return '';
};

describe('random kernel: wasm SIMD vs the reference', () => {
  const b1 = new WasmBackend(1);
  const dists: [RandomDist, number, number][] = [['uniform', -2, 3], ['uniform', 0, 1], ['bernoulli', 0.3, 0], ['bernoulli', 0.5, 0], ['bernoulli', 1, 0], ['bernoulli', 0, 0], ['normal', 1, 2]];
  // Counters: small, and lo just below 2^32 so that blocks of one call carry into hi.
  const states = [Int32Array.of(11, 22, 5, 0), Int32Array.of(-7, 1234567, -3, 9)];

  it('any range [start, end) of a call gives the reference values, bit for bit', () => {
    const mem = b1.mem, n = 200;
    const out = mem.f32(mem.reserve(n * 4), n), params = mem.reserve(16);
    for (const [dist, a, b] of dists) {
      new Float64Array(mem.buffer, params, 2).set([a, b]);
      const code = { uniform: 0, normal: 1, truncatedNormal: 2, bernoulli: 3 }[dist];
      for (const state of states) {
        const ref = new Float32Array(n);
        randomRange(dist, state, ref, a, b, 0, n);
        for (const [start, end] of [[0, 200], [1, 199], [15, 17], [16, 32], [3, 64], [17, 150], [0, 15], [5, 5]]) {
          out.fill(Number.NaN);
          mem.exports.randomFill(code, state[0], state[1], state[2], state[3], out.byteOffset, params, start, end);
          const d = firstDifference(out.subarray(start, end), ref.subarray(start, end));
          assert.equal(d, '', `${dist}(${a}, ${b}) state ${Array.from(state)} range [${start}, ${end}): ${d}`);
          assert.ok(out.subarray(0, start).every(Number.isNaN) && out.subarray(end).every(Number.isNaN), `${dist} [${start}, ${end}) wrote outside its range`);
        }
      }
    }
  });

  it('the backend on 1 and 2 threads gives the reference values for odd lengths', async () => {
    const b2 = new WasmBackend(2);
    await b2.whenReady();
    for (const backend of [b1, b2]) {
      for (const [dist, a, b] of dists) {
        for (const n of [1, 33, 4099, 70001]) {
          const state = Int32Array.of(3, 4, -100, 7), refState = Int32Array.from(state);
          const out = new Float32Array(n), ref = new Float32Array(n);
          backend.random(dist, state, out, a, b);
          randomRange(dist, refState, ref, a, b, 0, n);
          const d = firstDifference(out, ref);
          assert.equal(d, '', `${dist}(${a}, ${b}) n ${n} on ${backend.threads} thread(s): ${d}`);
        }
      }
    }
  });

  it('uniform draws stay below maxval in float32, alike on every backend', async () => {
    // Over [1000, 1001) a float32 is 6e-5 apart: about 3e-5 of the draws round onto 1001.
    const b2 = new WasmBackend(2);
    await b2.whenReady();
    const n = 200001, state = Int32Array.of(9, 8, 7, 6);
    const ref = new Float32Array(n);
    randomRange('uniform', Int32Array.from(state), ref, 1000, 1001, 0, n);
    const below = float32Below(1001);
    assert.ok(ref.every((v) => v >= 1000 && v < 1001), 'reference within [1000, 1001)');
    assert.ok(ref.filter((v) => v === below).length > 0, 'the case reaches a draw that rounded onto maxval');
    for (const backend of [b1, b2]) {
      const out = new Float32Array(n);
      backend.random('uniform', Int32Array.from(state), out, 1000, 1001);
      assert.equal(firstDifference(out, ref), '', `${backend.threads} thread(s)`);
    }
    assert.equal(float32Below(3), 2.999999761581421);
    assert.equal(float32Below(0), -1.401298464324817e-45);
    assert.equal(float32Below(0.7), Math.fround(0.7)); // 0.7 rounds down in float32: already below
    assert.ok(float32Below(0.1) < 0.1 && Math.fround(0.1) > 0.1, "0.1 rounds up: the float32 before it");
  });
});
