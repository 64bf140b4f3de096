// F(4x4) on few tiles (batch 1), split by output channels or by tiles, on two threads, and on
// one thread for scale (issue #15's batch-1 latency): wall time per call with the weights
// prepared as a predict plan has them, fastest of `reps` per round, rounds alternating the
// splits; medians over rounds and the median of per-round ratios. Wall time: run it on a
// quiet machine (the load average is printed).
//   node --import tsx bench/winograd-columns.ts [--rounds 15] [--reps 200]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as dt from 'deeptype';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, reps: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds), reps = Number(values.reps);
const one = new WasmBackend(1), two = new WasmBackend(2);
await two.whenReady();
const defaultPairs = winogradTuning.columnSplitMinPairs;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
// The zoo's batch-1 F(4x4) calls with at most 16 tiles: [h, C, F, model].
const SHAPES: [number, number, number, string][] = [[8, 64, 64, 'resnet20'], [16, 32, 32, 'resnet20'], [8, 64, 128, 'vgg'], [8, 128, 128, 'vgg'], [16, 32, 64, 'vgg'], [16, 64, 64, 'vgg'], [11, 32, 64, 'convnet'], [14, 32, 64, 'autoencoder']];
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; us per call: 1 thread | 2 threads by tiles | by output channels | channels over tiles (median of rounds' ratios)`);
for (const [h, C, F, model] of SHAPES) {
  const info = dt.convInfo([1, h, h, C], [3, 3, C, F], { padding: 'same' });
  // Every array in the backend's own memory, as a plan's are (else each call copies them in).
  const setup = (be: WasmBackend): { x: Float32Array; k: Float32Array; b: Float32Array; out: Float32Array; p: Float32Array; form: string } => {
    const inWasm = (n: number, values?: Float32Array): Float32Array => {
      const r = be.planMemory!.persistent(n * 4), a = new Float32Array(r.buffer, r.base, n);
      if (values) a.set(values);
      return a;
    };
    const x = inWasm(h * h * C, dt.randomUniform([1, h, h, C], -1, 1).data as Float32Array), k = inWasm(9 * C * F, dt.randomUniform([3, 3, C, F], -1, 1).data as Float32Array);
    const form = be.preparedConvWeights('conv2dActivation', info)!;
    const p = inWasm(form.floats);
    be.prepareConvWeights(k, p, info, form.form);
    return { x, k, b: inWasm(F, dt.randomUniform([F], -1, 1).data as Float32Array), out: inWasm(h * h * F), p, form: form.form };
  };
  const a1 = setup(one), a2 = setup(two);
  const time = (be: WasmBackend, { x, k, b, out, p, form }: ReturnType<typeof setup>, split: number): number => {
    winogradTuning.columnSplitTiles = split;
    winogradTuning.columnSplitMinPairs = split > 0 ? 0 : defaultPairs; // forced on every shape, to compare
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      be.conv2dActivation(x, k, b, out, info, 'relu', p, form);
      best = Math.min(best, performance.now() - t);
    }
    return best * 1000;
  };
  time(one, a1, 16); time(two, a2, 0); time(two, a2, 16);
  const s1: number[] = [], tiles: number[] = [], cols: number[] = [];
  for (let r = 0; r < rounds; r++) {
    s1.push(time(one, a1, 16));
    tiles.push(time(two, a2, 0));
    cols.push(time(two, a2, 16));
  }
  Object.assign(winogradTuning, { columnSplitTiles: 4, columnSplitMinPairs: defaultPairs });
  const ratio = median(tiles.map((t, i) => t / cols[i]));
  console.log(`${model.padEnd(12)} ${C}->${F} @${h}x${h} (${Math.ceil(h / 4) ** 2} tiles) | ${median(s1).toFixed(1)} | ${median(tiles).toFixed(1)} | ${median(cols).toFixed(1)} | ${ratio.toFixed(2)}x (2 threads over 1: ${(median(s1) / median(cols)).toFixed(2)}x)`);
}
process.exit(0);
