// The three-channel (RGB stem) filter gradient, assembly/conv-filter-grad-c3.ts, against the
// reference backend's kernel in float64 and the im2col kernel it replaces, on odd shapes:
// batches that do and do not fill its fixed chunks of images, kernel sizes 3x3, 5x2 and 1x1,
// strides 1-3, dilations 1-2, valid, same and uneven explicit padding, 8 to 40 filters; and
// the same bits on one thread and two (its partials are fixed chunks of images).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { filterGradKernel, trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(7);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

/** Geometry of x [n, h, w, 3] by a kH x kW kernel to f filters; an explicit [top, left] padding adds one zero after as well. */
function geometry(x: number[], k: [number, number], f: number, strides: number, dilations: number, padding: 'same' | 'valid' | readonly [number, number]): ConvInfo {
  const w = [k[0], k[1], 3, f];
  if (typeof padding === 'string') return convInfo(x, w, { strides, dilations, padding });
  const [top, left] = padding;
  const out = (n: number, kk: number, before: number) => Math.floor((n + before + 1 - ((kk - 1) * dilations + 1)) / strides) + 1;
  const valid = convInfo(x, w, { strides, dilations, padding: 'valid' });
  return { ...valid, padTop: top, padLeft: left, outH: out(x[1], k[0], top), outW: out(x[2], k[1], left) };
}

describe('three-channel filter gradient (convFilterGradC3)', () => {
  it('within 1e-5 of the float64 reference and of the im2col kernel, 1 = 2 threads bit for bit, on odd shapes', async () => {
    const js = new JsBackend(), one = new WasmBackend(1), two = new WasmBackend(2);
    await two.whenReady();
    let cases = 0, worst = 0;
    for (const [batch, h, w] of [[1, 11, 9], [3, 13, 10], [9, 10, 11]] as const) {
      for (const [k, f] of [[[3, 3], 8], [[3, 3], 40], [[5, 2], 16], [[1, 1], 24]] as const) {
        for (const strides of [1, 2, 3]) {
          for (const dilations of [1, 2]) {
            for (const padding of ['same', 'valid', [2, 1]] as const) {
              const info = geometry([batch, h, w, 3], k as [number, number], f, strides, dilations, padding);
              if (info.outH <= 0 || info.outW <= 0) continue;
              assert.equal(filterGradKernel(info), 'threeChannels');
              const x = floats(batch * h * w * 3), dy = floats(batch * info.outH * info.outW * f);
              const size = k[0] * k[1] * 3 * f, exact = new Float64Array(size);
              js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
              const label = `${batch}x${h}x${w}x3, ${k} -> ${f}, strides ${strides}, dilations ${dilations}, padding ${padding}`;
              const [dw1, dw2, before] = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
              one.conv2dBackpropFilter(x, dy, dw1, info);
              two.conv2dBackpropFilter(x, dy, dw2, info);
              trainTuning.threeChannelFilterGrad = false;
              try { two.conv2dBackpropFilter(x, dy, before, info); } finally { trainTuning.threeChannelFilterGrad = true; }
              const err = relativeError(dw1, exact);
              worst = Math.max(worst, err);
              assert.ok(err <= 1e-5, `${label}: relative error ${err}`);
              assert.ok(relativeError(before, exact) <= 1e-5, `${label}: the im2col kernel`);
              assert.deepEqual(dw2, dw1, `${label}: two threads`);
              cases++;
            }
          }
        }
      }
    }
    assert.ok(cases > 150, `cases ran: ${cases}`);
    assert.ok(worst > 0, 'float32 differs from float64 somewhere: the comparison ran');
  });

  it('is chosen for three channels and filters in eights only, ungrouped', () => {
    const at = (c: number, f: number) => filterGradKernel(convInfo([2, 8, 8, c], [3, 3, c, f], { padding: 'same' }));
    assert.equal(at(3, 32), 'threeChannels');
    assert.equal(at(3, 12), 'earlier');
    assert.equal(at(4, 32), 'winograd');
    trainTuning.threeChannelFilterGrad = false;
    try { assert.equal(at(3, 32), 'earlier'); } finally { trainTuning.threeChannelFilterGrad = true; }
  });
});
