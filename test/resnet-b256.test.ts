// ResNet-20 at batch 256 on wasm: F(4x4)'s edge blocks gathered with their zeros before the
// input transform (winogradTuning.gatherEdges) and its tiles split in equal chunks between the
// threads (winogradTuning.evenChunks). Both must change no bit: each is compared with the
// earlier path, on 1 and 2 threads, odd sizes, every padding F(4x4) meets (the input
// gradient's is 2 where the forward's was 0), every epilogue, within F(4x4)'s bound (1e-4
// relative) of a float64 convolution.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { recordSplits } from '../src/backends/wasm/split-recorder.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import type { ExplicitPadding } from '../src/ops/conv.ts';
import { worstError } from './helpers/compare.ts';
import { convForward, EPILOGUES } from './helpers/conv-epilogue.ts';

const rng = new Random(22);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

function withTuning<T>(settings: Partial<typeof winogradTuning>, body: () => T): T {
  const before = { ...winogradTuning };
  Object.assign(winogradTuning, settings);
  try { return body(); } finally { Object.assign(winogradTuning, before); }
}

type Pad = 'same' | 'valid' | ExplicitPadding;
const float64Conv = (x: dt.Tensor, k: dt.Tensor, info: ConvInfo): Float64Array => {
  const want = new Float64Array(info.batch * info.outH * info.outW * info.outC);
  new JsBackend().conv2d(x.cast('float64').data, k.cast('float64').data, null, want, info);
  return want;
};
const threadBackends = [1, 2].map((threads) => { const be = new WasmBackend(threads); be.convAlgorithm = 'winograd4'; return be; });

describe('F(4x4) edge blocks gathered before the input transform (winogradTuning.gatherEdges)', () => {
  // [batch, height, width, C, F, padding]: the three ResNet-20 widths and 20 (gemm's 4x8 path),
  // images smaller than a block (every tile an edge one), wider than a panel, odd sizes,
  // asymmetric pads and a pad of 2 on a side (blocks starting two pixels out, or wholly outside).
  const shapes: [number, number, number, number, number, Pad][] = [
    [2, 11, 11, 16, 16, 'same'], [1, 8, 8, 64, 64, 'same'], [2, 9, 7, 32, 32, 'valid'], [1, 13, 37, 16, 16, 'same'],
    [1, 6, 5, 16, 20, [[2, 0], [0, 2]]], [1, 2, 3, 32, 16, [[2, 2], [2, 1]]], [3, 5, 10, 16, 32, [[0, 1], [2, 2]]],
  ];
  for (const be of threadBackends) {
    for (const [n, h, w, C, F, padding] of shapes) {
      it(`${be.threads} thread(s): ${n}x${h}x${w}x${C} -> ${F}, padding ${JSON.stringify(padding)}: every epilogue bit for bit as read pixel by pixel, within 1e-4 of float64`, () => {
        const x = rand([n, h, w, C]), k = rand([3, 3, C, F]), b = rand([F]);
        const info = dt.convInfo(x.shape, k.shape, { padding });
        const r = rand([n, info.outH, info.outW, F]);
        for (const ep of EPILOGUES) {
          const gathered = convForward(be, x, k, b, r, info, ep);
          const byPixel = withTuning({ gatherEdges: false }, () => convForward(be, x, k, b, r, info, ep));
          assert.deepEqual(gathered, byPixel, `${ep}: gathering the edge blocks changed the result`);
        }
        const e = worstError(convForward(be, x, k, b, r, info, 'none'), float64Conv(x, k, info));
        assert.ok(e <= 1e-4, `${e} from float64`);
      });
    }
    it(`${be.threads} thread(s): the input gradient of a 'valid' convolution (F(4x4) over dy padded by 2) as read pixel by pixel, within 1e-4 of float64`, () => {
      const x = rand([2, 11, 9, 32]), k = rand([3, 3, 32, 32]);
      const info = dt.convInfo(x.shape, k.shape, { padding: 'valid' });
      const dy = rand([2, info.outH, info.outW, 32]);
      const run = (): Float32Array => { const dx = new Float32Array(x.size).fill(NaN); be.conv2dBackpropInput(dy.data as Float32Array, k.data as Float32Array, dx, info); return dx; };
      const gathered = run();
      assert.deepEqual(gathered, withTuning({ gatherEdges: false }, run));
      const want = new Float64Array(x.size);
      new JsBackend().conv2dBackpropInput(dy.cast('float64').data, k.cast('float64').data, want, info);
      assert.ok(worstError(gathered, want) <= 1e-4);
    });
  }
});

describe('F(4x4) tiles split in equal chunks between threads (winogradTuning.evenChunks)', () => {
  const [one, two] = threadBackends;
  // ResNet-20's three stages at batch 64 (what predict runs at batch 256: steps of 64) and its
  // 64-channel stage at 256,
  // plus odd tile counts, with F a multiple of 8 (chunks of any tiles) and not (chunks of 4s).
  const shapes: [number, number, number, number][] = [[64, 32, 16, 16], [64, 16, 32, 32], [64, 8, 64, 64], [256, 8, 64, 64], [37, 10, 32, 32], [41, 10, 16, 24], [37, 11, 16, 20]];
  for (const [n, hw, C, F] of shapes) {
    it(`${n}x${hw}x${hw}x${C} -> ${F}: two threads get equal tiles, and every epilogue equals one thread's and the whole-panel chunks' bit for bit`, () => {
      const x = rand([n, hw, hw, C]), k = rand([3, 3, C, F]), b = rand([F]);
      const info = dt.convInfo(x.shape, k.shape, { padding: 'same' });
      const r = rand([n, info.outH, info.outW, F]);
      const jobs = recordSplits(two, () => convForward(two, x, k, b, r, info, 'relu')).flatMap((c) => c.jobs).filter((j) => j.kernel === 'winograd4Conv');
      assert.equal(jobs.length, 1);
      const [a, c] = jobs[0].perThread, tiles = jobs[0].total;
      // Equal halves where the tiles are a multiple of the 8 chunks (ResNet-20's), else within a
      // tile per chunk (F a multiple of 8) or within a chunk (chunks of 4s).
      const bound = tiles % 8 === 0 ? 0 : F % 8 === 0 ? jobs[0].chunks : jobs[0].chunk;
      assert.ok(Math.abs(a - c) <= bound, `${tiles} tiles split ${a} / ${c} in chunks of ${jobs[0].chunk}`);
      for (const ep of EPILOGUES) {
        const even = convForward(two, x, k, b, r, info, ep);
        assert.deepEqual(even, convForward(one, x, k, b, r, info, ep), `${ep}: 1 and 2 threads differ`);
        assert.deepEqual(even, withTuning({ evenChunks: false }, () => convForward(two, x, k, b, r, info, ep)), `${ep}: the chunking changed the result`);
      }
    });
  }
});
