// Optimizer update kernels: wasm SIMD (arrays in wasm memory, as after a compiled step) against
// the reference kernels on plain arrays, one thread. Usage: node --import tsx bench/optimizers.ts [n]
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { Backend } from '../src/backends/backend.ts';

const n = Number(process.argv[2] ?? 1 << 20);
const wasm = new WasmBackend(1), js = new JsBackend();
const inWasm = (): Float32Array => { const v = wasm.mem.f32(wasm.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() * 0.1 + 0.01; return v; };
const plain = (): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 0.1 + 0.01);

type Update = (b: Backend, a: Float32Array[]) => void;
const updates: [string, number, Update][] = [
  ['adam', 3, (b, [w, g, m, v]) => b.adam(w, g, m, v, 1e-3, 0.9, 0.999, 1e-7, 5)],
  ['adagrad', 2, (b, [w, g, a]) => b.adagrad(w, g, a, 1e-3, 1e-7)],
  ['adadelta', 3, (b, [w, g, a, d]) => b.adadelta(w, g, a, d, 1e-3, 0.95, 1e-7)],
  ['adamax', 3, (b, [w, g, m, u]) => b.adamax(w, g, m, u, 1e-3, 0.9, 0.999, 1e-7, 5)],
  ['nadam', 3, (b, [w, g, m, v]) => b.nadam(w, g, m, v, 1e-3, 0.9, 0.999, 1e-7, 0.5, 0.05, 0.01)],
  ['lion', 2, (b, [w, g, m]) => b.lion(w, g, m, 1e-3, 0.9, 0.99)],
  ['ftrl', 3, (b, [w, g, a, l]) => b.ftrl(w, g, a, l, 1e-3, -0.5, 0, 0, 0)],
  ['rmsprop', 2, (b, [w, g, ms]) => b.rmsprop(w, g, ms, null, 1e-3, 0.9, 0, 1e-7)],
  ['rmspropCentered', 3, (b, [w, g, ms, mg]) => b.rmspropCentered(w, g, ms, mg, null, 1e-3, 0.9, 0, 1e-7)],
  ['emaUpdate', 1, (b, [w, g]) => b.emaUpdate(w, g, 0.99)],
];
/** Median ms of 9 rounds (the machine is shared). */
function time(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 9; r++) { const t = performance.now(); fn(); rounds.push(performance.now() - t); }
  return rounds.sort((a, b) => a - b)[4];
}
console.log(`${n} float32 weights, 1 thread: ms per update (median of 9), wasm SIMD vs reference`);
for (const [name, arrays, update] of updates) {
  // The arrays it updates live in wasm memory; the gradient (second) too, as a plan's output does.
  const w = [inWasm(), inWasm(), ...Array.from({ length: arrays - 1 }, inWasm)];
  const p = [plain(), plain(), ...Array.from({ length: arrays - 1 }, plain)];
  let tw = 0, tj = 0;
  for (let round = 0; round < 2; round++) { tw += time(() => update(wasm, w)); tj += time(() => update(js, p)); } // alternated
  console.log(`${name.padEnd(16)} wasm ${(tw / 2).toFixed(2)} ms  js ${(tj / 2).toFixed(2)} ms  ratio ${(tj / tw).toFixed(1)}x`);
}
process.exit(0);
