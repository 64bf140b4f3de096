// Eager ops on big arrays in JS memory (a dataset being prepared: cast, scale, slice rows) on the
// wasm backend: the values are the reference's, and wasm memory, which never shrinks, does not
// grow by the arrays' size: element-wise ops stage pieces of 2^20 elements, and slices between
// two JS arrays are copied in JS, as contiguous runs where the trailing axes are whole.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(11);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 4 - 2);
const MB = 2 ** 20;

/** Slice of step 1 by index arithmetic, written here: out[i...] = x[begin + i...]. */
function sliceByIndex(x: Float32Array, shape: number[], begin: number[], outShape: number[]): Float32Array {
  const out = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    let rest = i, off = 0;
    for (let d = outShape.length - 1; d >= 0; d--) { off += (begin[d] + (rest % outShape[d])) * strides[d]; rest = Math.floor(rest / outShape[d]); }
    out[i] = x[off];
  }
  return out;
}

describe('eager ops on big JS arrays through the wasm backend', () => {
  it('unary, binary (same shape, a scalar either side) and uint8 casts in pieces: reference values, wasm memory grows by pieces, not by the arrays', async () => {
    const wasm = new WasmBackend(2), ref = new JsBackend();
    await wasm.whenReady();
    const n = 3_300_001; // three pieces and a bit, 13 MB of float32 per array
    const a = floats(n), b = floats(n), scalar = Float32Array.of(0.37);
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256);
    const before = wasm.mem.memory.buffer.byteLength;
    const run = (be: WasmBackend | JsBackend): Float32Array[] => {
      const outs = Array.from({ length: 5 }, () => new Float32Array(n));
      be.unary('relu', a, outs[0]);
      be.binary('mul', a, [1], b, [1], outs[1], [n]);
      be.binary('sub', a, [1], scalar, [0], outs[2], [n]);
      be.binary('div', scalar, [0], b, [1], outs[3], [n]);
      be.cast(bytes, outs[4]);
      return outs;
    };
    const got = run(wasm), want = run(ref);
    for (const [k, name] of ['relu', 'mul', 'sub scalar', 'scalar div', 'cast'].entries()) {
      // Pieces must join without a gap: look at every element (the last piece is one element).
      for (let i = 0; i < n; i++) if (got[k][i] !== want[k][i] && !(Number.isNaN(got[k][i]) && Number.isNaN(want[k][i]))) assert.fail(`${name}[${i}]: ${got[k][i]}, the reference ${want[k][i]}`);
    }
    const grown = (wasm.mem.memory.buffer.byteLength - before) / MB;
    assert.ok(grown <= 20, `wasm memory grew by ${grown.toFixed(1)} MB for 13 MB arrays (staged whole it is 39 MB)`);
  });

  it('slices between JS arrays: the index formula, js and wasm, without staging the source', async () => {
    const wasm = new WasmBackend(1), ref = new JsBackend();
    await wasm.whenReady();
    const cases: [number[], number[], number[]][] = [
      [[9], [2], [5]], [[7, 5], [2, 0], [3, 5]], [[7, 5], [1, 1], [4, 3]], [[6, 4, 3, 5], [1, 0, 0, 0], [4, 4, 3, 5]],
      [[6, 4, 3, 5], [0, 1, 2, 0], [6, 2, 1, 5]], [[6, 4, 3, 5], [2, 1, 0, 1], [3, 3, 3, 4]], [[5, 8, 8, 3], [0, 0, 0, 0], [5, 8, 8, 3]],
    ];
    for (const [shape, begin, outShape] of cases) {
      const x = floats(shape.reduce((p, q) => p * q, 1)), want = sliceByIndex(x, shape, begin, outShape);
      for (const be of [ref, wasm]) {
        const out = new Float32Array(want.length).fill(NaN);
        be.slice(x, shape, begin, shape.map(() => 1), out, outShape);
        assert.deepEqual(out, want, `${be.constructor.name} slice of [${shape}] at [${begin}] size [${outShape}]`);
      }
    }
    // Rows of a 13 MB dataset: no staging at all.
    const rows = 4400, row = 784, big = floats(rows * row), before = wasm.mem.memory.buffer.byteLength;
    const out = new Float32Array(1000 * row);
    wasm.slice(big, [rows, 28, 28, 1], [3000, 0, 0, 0], [1, 1, 1, 1], out, [1000, 28, 28, 1]);
    assert.deepEqual(out, big.subarray(3000 * row, 4000 * row));
    assert.equal(wasm.mem.memory.buffer.byteLength, before, 'slicing rows of a JS array grew wasm memory');
  });
});
