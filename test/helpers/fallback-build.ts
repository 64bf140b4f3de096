// Run as a child process by test/backends.test.ts: trains the seed model a few steps on the wasm
// backend and on the js reference, in a runtime set up by the environment (no
// SharedArrayBuffer: DEEPTYPE_NO_SAB=1; no relaxed SIMD: DEEPTYPE_RELAXED_SIMD=0), and prints
// what it ran on and both losses as one JSON line.
if (process.env.DEEPTYPE_NO_SAB) Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
const dt = await import('../../src/index.ts');
const { seedModel } = await import('../../examples/seed-model.ts');
const { backend } = await import('../../src/core/engine.ts');
await dt.ready();

const x = dt.tensor(Float32Array.from({ length: 64 * 784 }, (_, i) => ((i * 7919) % 1000) / 1000), [64, 28, 28]);
const y = dt.tensor(Int32Array.from({ length: 64 }, (_, i) => (i * 3) % 10), [64]);
const losses = (name: string): number[] => {
  dt.setBackend(name);
  dt.setRandomSeed(4);
  const model = seedModel();
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
  const out: number[] = [];
  for (let s = 0; s < 4; s++) out.push(model.trainStep(x.index([(s % 2) * 32, (s % 2) * 32 + 32]), y.index([(s % 2) * 32, (s % 2) * 32 + 32])).loss);
  return out;
};
const wasm = losses('wasm');
const mem = (backend() as unknown as { mem: { shared: boolean; relaxed: boolean } }).mem;
console.log(JSON.stringify({ shared: mem.shared, relaxed: mem.relaxed, threads: dt.withBackend('wasm', () => dt.getThreads()), wasm, js: losses('js') }));
process.exit(0);
