// The Winograd F(2x2, 3x3) filter gradient (assembly/winograd-filter-grad.ts, launched by
// src/backends/wasm/winograd-filter-grad.ts) against the reference backend's direct gradient
// in float64 and against the packed direct kernel it replaces: output sizes 1..13, 'same',
// 'valid' and uneven explicit padding, channel counts that are and are not multiples of 8,
// batch 1 and many, 1 and 2 threads, panels that split images; its error on a large batch;
// which convolutions choose it; and a compiled training step that uses it against eager.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { backend as activeBackend } from '../src/core/engine.ts';
import { filterGradKernel, trainTuning, winogradFilterGradTileFor, winogradFilterGradTilesOuter } from '../src/backends/wasm/train-kernels.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose } from './helpers/oracle.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(57);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** Largest |a - b| over the largest |b|: the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

/** A 3x3 stride-1 convolution's geometry; an explicit [top, left] padding adds that many zeros before and one after. */
function geometry(x: number[], f: number, padding: 'same' | 'valid' | readonly [number, number]): ConvInfo {
  const w = [3, 3, x[3], f];
  if (typeof padding === 'string') return convInfo(x, w, { padding });
  const same = convInfo(x, w, { padding: 'same' });
  return { ...same, padTop: padding[0], padLeft: padding[1], outH: x[1] + padding[0] - 1, outW: x[2] + padding[1] - 1 };
}

/** dW with the filter-gradient choice forced ('always': Winograd, 'never': the packed or earlier kernels). */
function filterGrad(be: WasmBackend, x: Float32Array, dy: Float32Array, info: ConvInfo, mode: 'always' | 'never', panel = 128, tile: 2 | 4 = 2): Float32Array<ArrayBufferLike> {
  const saved = [trainTuning.winogradFilterGrad, trainTuning.winogradFilterGradPanel, trainTuning.winogradFilterGradTile] as const;
  trainTuning.winogradFilterGrad = mode;
  trainTuning.winogradFilterGradPanel = panel;
  trainTuning.winogradFilterGradTile = tile;
  try {
    const dw = new Float32Array(9 * info.inC * info.outC);
    be.conv2dBackpropFilter(x, dy, dw, info);
    return dw;
  } finally {
    [trainTuning.winogradFilterGrad, trainTuning.winogradFilterGradPanel, trainTuning.winogradFilterGradTile] = saved;
  }
}

/** The names of the wasm kernels `fn` launches on `be`. */
function kernelsRun(be: WasmBackend, fn: () => void): Set<string> {
  const names = new Set<string>(), par = be.par;
  be.par = (name, ...rest) => { names.add(name); return par.call(be, name, ...rest); };
  try { fn(); } finally { be.par = par; }
  return names;
}

// [batch, outH, outW, inC, F]: outH and outW 1..13, channels 4..128 (F % 8 == 4 and == 0).
const SHAPES: [number, number, number, number, number][] = [
  [1, 1, 1, 4, 4], [1, 2, 3, 4, 8], [3, 3, 2, 8, 12], [1, 4, 5, 12, 20], [2, 5, 4, 20, 8], [1, 6, 7, 16, 36],
  [2, 7, 6, 36, 16], [1, 8, 9, 8, 4], [3, 9, 8, 4, 12], [1, 10, 11, 24, 24], [2, 11, 10, 12, 28], [1, 12, 13, 32, 64],
  [1, 13, 12, 8, 8], [5, 13, 13, 4, 16], [1, 4, 4, 128, 128], [17, 3, 5, 16, 16],
];

describe('Winograd filter gradient against the float64 reference and the packed kernel', () => {
  it('F(4x4): the transforms by tiles (each tile\'s channel quads together) give the same bits as by channel quads', async () => {
    const be = new WasmBackend(2);
    await be.whenReady();
    const saved = trainTuning.winogradFilterGradTilesOuter;
    try {
      for (const [batch, outH, outW, C, F] of SHAPES) {
        for (const padding of ['same', 'valid', [2, 1]] as const) {
          const [inH, inW] = padding === 'same' ? [outH, outW] : padding === 'valid' ? [outH + 2, outW + 2] : [outH - 1, outW];
          if (inH < 1 || inW < 1) continue;
          const info = geometry([batch, inH, inW, C], F, padding);
          const x = floats(batch * inH * inW * C), dy = floats(batch * outH * outW * F);
          const runs = ([0, 1, 2, 3] as const).map((flags) => { trainTuning.winogradFilterGradTilesOuter = flags; return filterGrad(be, x, dy, info, 'always', 5, 4); });
          for (let k = 1; k < 4; k++) assert.deepEqual(runs[k], runs[0], `[${batch},${inH},${inW},${C}] -> ${F} ${JSON.stringify(padding)}, tilesOuter ${k}`);
        }
      }
    } finally { trainTuning.winogradFilterGradTilesOuter = saved; }
  });

  it("F(4x4)'s transforms by tiles from 32 channels ('auto')", () => {
    const at = (c: number, f: number) => winogradFilterGradTilesOuter(convInfo([2, 8, 8, c], [3, 3, c, f], { padding: 'same' }));
    assert.deepEqual([at(16, 16), at(32, 16), at(16, 32), at(64, 128)], [0, 1, 2, 3]);
  });

  for (const tile of [2, 4] as const) it(`F(${tile}x${tile}, 3x3): every shape and padding within 1e-5 relative, on 1 and 2 threads, with whole and splitting panels`, async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    let worst = 0;
    for (const [batch, outH, outW, C, F] of SHAPES) {
      for (const padding of ['same', 'valid', [2, 1]] as const) {
        const [inH, inW] = padding === 'same' ? [outH, outW] : padding === 'valid' ? [outH + 2, outW + 2] : [outH - 1, outW];
        if (inH < 1 || inW < 1) continue;
        const info = geometry([batch, inH, inW, C], F, padding);
        assert.deepEqual([info.outH, info.outW], [outH, outW], 'the case geometry');
        const x = floats(batch * inH * inW * C), dy = floats(batch * outH * outW * F);
        const exact = new Float64Array(9 * C * F);
        js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
        const packed = filterGrad(backends[1], x, dy, info, 'never');
        for (const [be, panel] of [[backends[0], 128], [backends[1], 128], [backends[1], 5], [backends[0], 3]] as const) {
          const what = `F(${tile}x${tile}) [${batch},${inH},${inW},${C}] -> ${F} ${JSON.stringify(padding)} on ${be.threads} thread(s), panel ${panel}`;
          let dw: Float32Array<ArrayBufferLike> = new Float32Array(0);
          const ran = kernelsRun(be, () => { dw = filterGrad(be, x, dy, info, 'always', panel, tile); });
          const kernel = tile === 2 ? 'winogradFilterGrad' : 'winogradFilterGrad4';
          assert.ok(ran.has(kernel) && ran.has(`${kernel}Output`), `${what}: ran ${[...ran]}`);
          const err = relativeError(dw, exact);
          worst = Math.max(worst, err);
          assert.ok(err <= 1e-5, `${what}: relative error ${err} against float64`);
          assert.ok(relativeError(dw, packed) <= 1e-5, `${what}: against the packed kernel ${relativeError(dw, packed)}`);
        }
      }
    }
    assert.ok(worst > 0, 'float32 differs from float64 somewhere: the comparison ran');
    console.log(`# F(${tile}x${tile}): worst relative error ${worst.toExponential(2)} against float64`);
  });

  it('a large batch ([32, 16, 16, 64] -> 64): both tiles within 1e-4 relative of float64, as the packed kernel', async () => {
    const js = new JsBackend(), be = new WasmBackend(2);
    await be.whenReady();
    const info = geometry([32, 16, 16, 64], 64, 'same');
    const x = floats(32 * 16 * 16 * 64), dy = floats(32 * 16 * 16 * 64);
    const exact = new Float64Array(9 * 64 * 64);
    js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
    const packed = relativeError(filterGrad(be, x, dy, info, 'never'), exact);
    const f2 = relativeError(filterGrad(be, x, dy, info, 'always', 128, 2), exact), f4 = relativeError(filterGrad(be, x, dy, info, 'always', 128, 4), exact);
    console.log(`# large batch, relative to float64: F(2x2) ${f2.toExponential(2)}, F(4x4) ${f4.toExponential(2)}, packed ${packed.toExponential(2)}`);
    assert.ok(f2 <= 1e-4 && f4 <= 1e-4 && packed <= 1e-4, `F(2x2) ${f2}, F(4x4) ${f4}, packed ${packed}`);
  });

  it("conv2dBackpropFilterPooled (unpooled, then the filter gradient) takes it and matches the reference's", async () => {
    const js = new JsBackend(), be = new WasmBackend(2);
    await be.whenReady();
    const conv = geometry([3, 10, 12, 8], 12, 'same');
    const pool = { batch: 3, inH: 10, inW: 12, channels: 12, outH: 5, outW: 6, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
    const x = floats(3 * 10 * 12 * 8), w = floats(9 * 8 * 12), dyPool = floats(3 * 5 * 6 * 12);
    const pooled = new Float32Array(dyPool.length), argmax = new Int32Array(dyPool.length);
    be.conv2dMaxPool(x, w, null, pooled, argmax, conv, pool);
    const exact = new Float64Array(w.length);
    js.conv2dBackpropFilterPooled(Float64Array.from(x), Float64Array.from(dyPool), argmax, exact, conv, pool);
    trainTuning.winogradFilterGrad = 'always';
    const dw = new Float32Array(w.length);
    try {
      const ran = kernelsRun(be, () => be.conv2dBackpropFilterPooled(x, dyPool, argmax, dw, conv, pool));
      assert.ok(ran.has('winogradFilterGrad'), [...ran].join(', '));
    } finally { trainTuning.winogradFilterGrad = 'auto'; }
    assert.ok(relativeError(dw, exact) <= 1e-5, `relative error ${relativeError(dw, exact)}`);
  });
});

describe('which filter gradients take the Winograd kernel', () => {
  const zoo = (batch: number, hw: number, C: number, F: number, options: { strides?: number; dilations?: number } = {}): ConvInfo =>
    convInfo([batch, hw, hw, C], [3, 3, C, F], { padding: 'same', ...options });

  it('3x3 stride-1 convolutions of 16 tiles or more (every such zoo shape), where it measured faster', () => {
    for (const info of [zoo(64, 32, 32, 32), zoo(64, 8, 128, 128), zoo(64, 32, 16, 16), zoo(64, 28, 64, 32), zoo(1, 8, 64, 64)]) {
      assert.equal(filterGradKernel(info), 'winograd', JSON.stringify(info));
    }
    // F(4x4) from 64 of its tiles (VGG's smallest, 8x8 at batch 64, has 256), else F(2x2).
    assert.equal(winogradFilterGradTileFor(zoo(64, 8, 128, 128)), 4);
    assert.equal(winogradFilterGradTileFor(zoo(64, 32, 16, 16)), 4);
    assert.equal(winogradFilterGradTileFor(zoo(16, 4, 64, 64)), 2);
    assert.equal(winogradFilterGradTileFor(zoo(1, 8, 64, 64)), 2);
    // Under 16 tiles its fixed cost (dU written, summed and transformed) loses.
    for (const info of [zoo(1, 4, 128, 128), zoo(2, 4, 64, 64), zoo(1, 6, 32, 32)]) assert.equal(filterGradKernel(info), 'packed', JSON.stringify(info));
  });

  it('never where it does not fit, even when forced; the gradient is then the other kernels\' and right', async () => {
    const misfits = [zoo(2, 9, 8, 8, { strides: 2 }), zoo(2, 9, 8, 8, { dilations: 2 }), zoo(2, 9, 6, 8), zoo(2, 9, 8, 6), zoo(2, 9, 3, 32),
      convInfo([2, 9, 9, 8], [5, 5, 8, 8], { padding: 'same' })];
    const js = new JsBackend(), be = new WasmBackend(1);
    for (const info of misfits) {
      trainTuning.winogradFilterGrad = 'always';
      try {
        assert.notEqual(filterGradKernel(info), 'winograd', JSON.stringify(info));
        const x = floats(info.batch * info.inH * info.inW * info.inC), dy = floats(info.batch * info.outH * info.outW * info.outC);
        const dw = new Float32Array(info.kH * info.kW * info.inC * info.outC), exact = new Float64Array(dw.length);
        const ran = kernelsRun(be, () => be.conv2dBackpropFilter(x, dy, dw, info));
        assert.ok(!ran.has('winogradFilterGrad'), JSON.stringify(info));
        js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
        assert.ok(relativeError(dw, exact) <= 1e-5, `${JSON.stringify(info)}: ${relativeError(dw, exact)}`);
      } finally { trainTuning.winogradFilterGrad = 'auto'; }
    }
    trainTuning.winogradFilterGrad = 'never';
    try { assert.notEqual(filterGradKernel(zoo(64, 32, 32, 32)), 'winograd', "'never' turns it off"); } finally { trainTuning.winogradFilterGrad = 'auto'; }
  });
});

describe('a compiled training step with the Winograd filter gradient', () => {
  for (const tile of [2, 4] as const) it(`F(${tile}x${tile}): trains as eager does (both with it forced), and the plan runs it`, () => {
    dt.setBackend('wasm');
    const be = activeBackend() as WasmBackend;
    const build = () => {
      dt.setRandomSeed(13);
      const inputs = layers.input({ shape: [9, 7, 4] });
      let x = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inputs) as SymbolicTensor;
      x = new layers.Conv2D({ filters: 12, kernelSize: 3, activation: 'relu' }).apply(x) as SymbolicTensor;
      const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(new layers.Flatten().apply(x)) as SymbolicTensor;
      return models.model({ inputs, outputs });
    };
    const x = randomTensor([6, 9, 7, 4], rng, -1, 1, 'float32'), y = dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32');
    const [compiled, eager] = [build(), build()];
    compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', runEagerly: true });
    trainTuning.winogradFilterGrad = 'always';
    trainTuning.winogradFilterGradTile = tile;
    try {
      let ran = new Set<string>();
      for (let step = 0; step < 3; step++) {
        ran = kernelsRun(be, () => compiled.trainStep(x, y));
        eager.trainStep(x, y);
      }
      assert.ok(ran.has(tile === 2 ? 'winogradFilterGrad' : 'winogradFilterGrad4'), `the replayed plan's kernels: ${[...ran].join(', ')}`);
    } finally { trainTuning.winogradFilterGrad = 'auto'; trainTuning.winogradFilterGradTile = 'auto'; }
    compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
  });
});
