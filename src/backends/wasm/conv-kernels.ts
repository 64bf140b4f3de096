// The convolution family's dispatch on wasm pointers: which kernel runs a convolution, its
// gradients and its fusion with pooling (direct, im2col panels, depthwise, per group,
// Winograd), with what scratch, split how between threads. WasmBackend calls it with arrays
// already placed in wasm memory.
import type { ConvInfo, PoolInfo } from '../backend.ts';
import type { WasmMemory } from './memory.ts';
import { type ConvAlgorithm, winograd4, winograd4Weights, winogradChoice, winogradTuning, winogradWeights } from './winograd-kernels.ts';
import { dwFilterGradKernel, filterGradBlockPixels, filterGradChunk, filterGradKernel } from './train-kernels.ts';
import { winogradFilterGrad } from './winograd-filter-grad.ts';
import { CALLING_THREAD_MACS, elementChunk } from './split-policy.ts';
import { dwConv3x3, dwFilterGrad3x3, dwFilterGrad3x3Chunk, dwInputGrad3x3s2, filterGrad3x3Fits, inPlace3x3Fits, inputGrad3x3s2Fits } from './depthwise-kernels.ts';
import { pointwiseFits, pointwiseForward, pointwiseForwardFits, pointwiseInputGrad } from './pointwise-kernels.ts';

/** What the dispatch needs from the backend. */
export interface KernelHost {
  memory(): WasmMemory;
  threads(): number;
  /** The thread pool's chunk size for [0, total) in multiples of align. */
  chunk(total: number, align: number): number;
  /** Runs a parallel kernel over [0, total). */
  par(name: string, args: number[], total: number, align?: number, chunk?: number): void;
  /** Scratch bytes in wasm memory, freed when the backend's kernel call returns. */
  scratch(bytes: number): number;
  /** `blocks` [rows, cols] matrices at src as [cols, rows] ones in scratch, in reverse order if `reversed`. */
  transposeToScratch(src: number, rows: number, cols: number, blocks?: number, reversed?: boolean): number;
}

/**
 * The first and last layers' kernels (A/B flags: bench/small-convs.ts --compare <flag>):
 * oneFilterQuads: one-output-channel convolutions four outputs at a time (conv-one-filter.ts);
 * stemGemm: convolutions with fewer than 8 input channels and output channels a multiple of
 * 16 (the RGB stems) read a zero-bordered copy in place (assembly/conv-stem-gemm.ts) instead
 * of convGemm's im2col panels and activation pass (the same floats).
 */
export const stemTuning = { oneFilterQuads: true, stemGemm: true };

/** Rows per panel of the fused convolution kernels (PANEL in assembly/common.ts). */
const PANEL = 256;
/** Tiles per panel of the Winograd kernel (WINOGRAD_PANEL in assembly/winograd.ts). */
const WINOGRAD_PANEL = 64;

// Below CALLING_THREAD_MACS multiply-adds (split-policy.ts) a forward convolution runs on the
// calling thread alone (the same chunks, one after another: no partial sums, so the same result).
const macs = (i: ConvInfo): number => i.batch * i.outH * i.outW * i.outC * i.kH * i.kW * (i.inC / i.groups);

/**
 * Whether the direct kernels should read packed weights (packPanels: one more pass over the
 * weights per call, then each block of 8 output channels swept over every pixel of a chunk).
 * It pays with pixels enough to reuse the packed copy: from 256 pixels per call on, and from
 * 64 once the kernel outgrows the L2 cache's share (128 KB: there the strided taps of an
 * unpacked block fall into a few cache sets and are read from memory again every four pixels).
 * Measured side by side, CPU time on one thread: batch 1 (bench/small-convs.ts --compare
 * packing) 3x3 128 -> 128 on 8x8 1.51-1.54x, 64 -> 128 on 8x8 1.20x, 1x1 128 -> 256 on 8x8
 * 1.71x, 256 -> 512 on 4x4 (16 pixels) 0.89x, kernels under 128 KB 0.96-1.04x; batch 64
 * (bench/profile-latency.ts --batch 64, before / after this rule) MobileNet's 1x1 128 -> 128
 * 1.31x, 64 -> 128 1.06x, ResNet-20's 3x3 32 -> 32 1.05x, 16 -> 16 and VGG's 32 -> 32 1.00x.
 */
function packedPays(i: ConvInfo): boolean {
  const pixels = i.batch * i.outH * i.outW;
  return pixels >= 256 || (i.kH * i.kW * i.inC * i.outC * 4 >= 128 << 10 && pixels >= 64);
}

/**
 * Weights a plan prepared once (compile/prologue.ts): `at` holds w in `form` ('winograd4',
 * 'winograd': the transformed kernel U; 'packed': packPanels' panels).
 */
export interface Prepared { at: number; form: string }

/**
 * Where the direct kernels read packed weights once packing is done ahead (a plan's prologue
 * prepared them: no pass over the weights per call), besides where packedPays: kernels from
 * this many bytes. Measured at batch 1 side by side on one thread by CPU time, unpacked vs
 * packed ahead (bench/small-convs.ts --compare prepared-packing): 1x1 256->512 on 4x4 1.35x
 * (packing per call: 0.89x), 256->256 on 8x8 1.24x, 128->128 on 16x16 1.16x, 128->256 on 8x8
 * 1.01x; 3x3 128->128 on 8x8 1.81x, 64->128 1.20x, stride-2 32->64 1.04x; kernels under 64 KB
 * 0.98-1.07x (1x1 32->64 0.99x, 64->128 0.98x: noise).
 */
export const preparedPacking = { minKernelBytes: 64 << 10 };

/** Direct kernels whose range is output rows of all images (batch * outH), not images (convPoolDirect: row pairs). */
const ROW_SPLIT_KERNELS = new Set(['convDirect', 'dwConv', 'convDirectResidual', 'convStemGemm']);

export class ConvKernels {
  constructor(private readonly h: KernelHost) {}

  /**
   * Runs a direct convolution kernel over images, with one zero-bordered image of `channels`
   * channels (plus `extra` floats) of scratch per chunk; `tail` goes between the geometry and
   * the chunk size (the epilogue's activation code, for the forward kernels).
   */
  private direct(name: string, pointers: number[], i: ConvInfo, { extra = 0, chunk = this.h.chunk(i.batch, 1), tail = [] as number[], channels = i.inC } = {}): void {
    const hp = (i.outH - 1) * i.strideH + (i.kH - 1) * i.dilationH + 1, wp = (i.outW - 1) * i.strideW + (i.kW - 1) * i.dilationW + 1;
    // The forward kernels split output rows (the pooled one row pairs): whole images per chunk
    // while there are images enough for every thread, else an image's rows between threads (batch-1 inference).
    const perImage = ROW_SPLIT_KERNELS.has(name) ? i.outH : name === 'convPoolDirect' ? i.outH >> 1 : 0;
    const total = perImage ? i.batch * perImage : i.batch;
    if (perImage) chunk = macs(i) < CALLING_THREAD_MACS ? total : i.batch >= this.h.threads() ? chunk * perImage : this.h.chunk(total, 1);
    const pads = this.h.scratch(Math.ceil(total / chunk) * (hp * wp * channels + extra) * 4);
    this.h.par(name, [...pointers, pads, ...ConvKernels.geometry(i), ...tail, chunk], total, 1, chunk);
  }

  /** The geometry arguments every convolution kernel takes, in order. */
  private static geometry(i: ConvInfo): number[] {
    return [i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.kH, i.kW, i.strideH, i.strideW, i.padTop, i.padLeft, i.dilationH, i.dilationW];
  }

  /** Runs a fused convolution kernel over [0, total) with one im2col panel per thread. */
  private convPar(name: string, pointers: number[], info: ConvInfo, total: number, align: number, chunk = this.h.chunk(total, align), tail: number[] = []): void {
    const K = info.kH * info.kW * info.inC;
    const panels = this.h.scratch(Math.ceil(total / chunk) * PANEL * K * 4);
    this.h.par(name, [...pointers, panels, ...ConvKernels.geometry(info), ...tail, chunk], total, align, chunk);
  }

  /** out = act(conv(x, w) + bias) on wasm pointers (pb 0: no bias; act 0: none). */
  forward(px: number, pw: number, pb: number, po: number, info: ConvInfo, act: number, prep?: Prepared): void {
    if (info.groups > 1 && info.groups === info.inC && inPlace3x3Fits(info)) return dwConv3x3(this.h, px, pw, pb, po, info, act);
    if (info.groups > 1 && info.groups === info.inC) return this.direct('dwConv', [px, pw, pb, po], info, { tail: [act], channels: info.outC });
    if (info.groups > 1) {
      return this.perGroup(info, [[px, 'x', 'read'], [pw, 'w', 'read'], [po, 'y', 'write']], ([x, w, o], g, gi) => this.forward(x, w, pb && pb + g * gi.outC * 4, o, gi, act));
    }
    if (pointwiseForwardFits(info, pb !== 0 || act !== 0)) return pointwiseForward(this.h, px, pw, pb, 0, po, info, act, prep?.form === 'packed' ? prep.at : 0);
    if (this.runWinograd(px, pw, pb, 0, po, info, act, prep)) return;
    if (info.outC === 1) {
      // One output channel: the dot products vectorized over input channels (assembly/conv-one-filter.ts).
      const rows = info.batch * info.outH, g = ConvKernels.geometry(info);
      return this.h.par('convOneFilter', [px, pw, pb, po, g[0], g[1], g[2], g[3], g[4], ...g.slice(6), act, stemTuning.oneFilterQuads ? 1 : 0], rows, 1, macs(info) < CALLING_THREAD_MACS ? rows : undefined);
    }
    // With enough input channels the direct kernel wins; with few, its runs of kW * inC
    // floats are too short for its tile, and im2col panels feeding the GEMM do better.
    if (info.inC >= 8 && this.byColumns(info)) return this.columns(px, pw, pb, po, info, act);
    if (info.inC >= 8) return this.direct('convDirect', [px, pw, this.packed(pw, info, prep), pb, po], info, { tail: [act] });
    if (stemTuning.stemGemm && info.outC % 16 === 0 && info.dilationH === 1 && info.dilationW === 1) return this.direct('convStemGemm', [px, pw, pb, po], info, { tail: [act] });
    const rows = info.batch * info.outH * info.outW;
    this.convPar('convGemm', [px, pw, pb, po], info, rows, 4, macs(info) < CALLING_THREAD_MACS ? rows : undefined, [act, winogradTuning.wideGemm ? 1 : 0]);
  }

  /**
   * out = act(conv(x, w) + bias + residual): the direct kernel adds the residual image by
   * image while its rows are in cache (assembly/conv-residual.ts); other paths in a pass after.
   */
  forwardResidual(px: number, pw: number, pb: number, pr: number, po: number, info: ConvInfo, act: number, prep?: Prepared): void {
    if (pointwiseForwardFits(info, true)) return pointwiseForward(this.h, px, pw, pb, pr, po, info, act, prep?.form === 'packed' ? prep.at : 0); // the residual in its epilogue
    const winograd = this.winogradAlgorithm(info, prep);
    if (winograd === 'winograd4') return winograd4(this.h, px, pw, pb, pr, po, info, act, macs(info) < CALLING_THREAD_MACS, prep?.form === 'winograd4' ? prep.at : 0); // the residual in its epilogue
    if (info.groups === 1 && info.inC >= 8 && !winograd && !this.byColumns(info)) return this.direct('convDirectResidual', [px, pw, this.packed(pw, info, prep), pb, pr, po], info, { tail: [act] });
    this.forward(px, pw, pb, po, info, 0, prep);
    const n = info.batch * info.outH * info.outW * info.outC;
    this.h.par('residualActivate', [po, pr, act], n, 4, elementChunk(this.h.chunk, n));
  }

  /**
   * Whether the direct kernels split one call between threads by output channels
   * (assembly/conv-columns.ts): 'auto' (fewer images than threads, work enough to wake the
   * workers, two panels of 8 channels per thread), or always / never. 'never' by default: on a
   * quiet machine at batch 1 on two threads (`bench/small-convs.ts --threads 2 --compare
   * columns`) the split measured 0.73-1.02x the row split on every zoo shape 'auto' picks
   * (MobileNet's 1x1 32->64 on 32x32 0.73x, ResNet's 16->16 0.91x, VGG 0.97-1.01x); it won only
   * on calls too small for 'auto' (ResNet's stride-2 convolutions on 8x8, 1.55-1.87x).
   */
  columnSplit: 'auto' | 'always' | 'never' = 'never';

  private byColumns(i: ConvInfo): boolean {
    if (this.columnSplit !== 'auto') return this.columnSplit === 'always';
    const threads = this.h.threads();
    return threads > 1 && i.batch < threads && macs(i) >= CALLING_THREAD_MACS && i.outC >> 3 >= 2 * threads;
  }

  /**
   * The direct convolution (pooled when argmax is given) split by output channels: the images
   * zero-bordered once into scratch, then each chunk's panels of 8 channels for every pixel.
   */
  private columns(px: number, pw: number, pb: number, po: number, i: ConvInfo, act: number, pa?: number): void {
    const Hp = (i.outH - 1) * i.strideH + (i.kH - 1) * i.dilationH + 1, Wp = (i.outW - 1) * i.strideW + (i.kW - 1) * i.dilationW + 1;
    const xp = this.h.scratch(i.batch * Hp * Wp * i.inC * 4);
    this.h.par('padImages', [px, xp, i.inH, i.inW, i.inC, Hp, Wp, i.padTop, i.padLeft], i.batch, 1, i.batch);
    const wp = this.packed(pw, i), panels = Math.ceil(i.outC / 8), chunk = this.h.chunk(panels, 1);
    const g = [i.batch, i.inC, i.outH, i.outW, i.outC, i.kH, i.kW, i.strideH, i.strideW, i.dilationH, i.dilationW];
    if (pa === undefined) return this.h.par('convColumns', [xp, pw, wp, pb, po, ...g, act], panels, 1, chunk);
    const pairs = this.h.scratch(Math.ceil(panels / chunk) * 2 * i.outW * i.outC * 4);
    this.h.par('convPoolColumns', [xp, pw, wp, pb, po, pa, pairs, ...g, chunk], panels, 1, chunk);
  }

  /**
   * Whether the direct kernels read the weights packed in panels of 8 output channels
   * (assembly/conv.ts#packPanels): 'auto' (where packedPays says so), or always / never
   * (tests, benchmarks). Either way the same products are summed in the same order.
   */
  weightPacking: 'auto' | 'always' | 'never' = 'auto';

  /** Whether the direct kernels read this convolution's weights packed (`ahead`: packed once by a plan, not per call). */
  private packs(i: ConvInfo, ahead: boolean): boolean {
    const big = ahead && i.kH * i.kW * i.inC * i.outC * 4 >= preparedPacking.minKernelBytes;
    return i.outC >> 3 > 0 && this.weightPacking !== 'never' && (this.weightPacking === 'always' || big || packedPays(i));
  }

  /** The weights at pw packed for the direct kernels (into scratch, or prepared once by a plan), or 0 to read them in place. */
  private packed(pw: number, i: ConvInfo, prep?: Prepared): number {
    if (!this.packs(i, prep !== undefined)) return 0;
    if (prep?.form === 'packed') return prep.at;
    const wp = this.h.scratch(ConvKernels.packedFloats(i) * 4);
    this.packInto(pw, wp, i);
    return wp;
  }

  private static packedFloats(i: ConvInfo): number { return (i.outC >> 3) * i.kH * i.kW * i.inC * 8; }
  private packInto(pw: number, wp: number, i: ConvInfo): void {
    const K = i.kH * i.kW * i.inC, panels = i.outC >> 3;
    this.h.par('packPanels', [pw, wp, K, i.outC], panels, 1, panels * K < 1 << 14 ? panels : undefined);
  }

  /**
   * The form a plan should prepare this convolution's weights in, once (Backend's
   * preparedConvWeights): the transformed kernel where Winograd runs, packed panels where the
   * direct kernels pack, else null. The same choices the dispatch makes with prepared weights.
   */
  preparedForm(i: ConvInfo): { form: string; floats: number } | null {
    if (i.groups > 1) return null;
    const alg = winogradChoice(i, this.convAlgorithm, true);
    if (alg) return { form: alg, floats: (alg === 'winograd4' ? 36 : 16) * i.inC * i.outC };
    // Every direct path (plain, residual, pooled or not) packs by the same rule; one output
    // channel and fewer than 8 input channels run kernels that read w in place.
    const direct = i.inC >= 8 && i.outC !== 1 && !this.byColumns(i);
    return direct && this.packs(i, true) ? { form: 'packed', floats: ConvKernels.packedFloats(i) } : null;
  }

  /** Writes the weights at pw in a prepared form (see preparedForm) at pp. */
  prepare(pw: number, pp: number, i: ConvInfo, form: string): void {
    if (form === 'winograd4') winograd4Weights(this.h, pw, pp, i.inC, i.outC);
    else if (form === 'winograd') winogradWeights(this.h, pw, pp, i.inC, i.outC);
    else if (form === 'packed') this.packInto(pw, pp, i);
    else throw new Error(`internal error: no prepared weight form '${form}'`);
  }

  /**
   * Which algorithm 3x3 stride-1 convolutions use (forward and, through the flipped kernel,
   * input gradients): 'auto' (winogradChoice's measured table), or always 'direct' /
   * 'winograd' (F(2x2, 3x3)) / 'winograd4' (F(4x4, 3x3)) where they fit (tests, benchmarks).
   */
  convAlgorithm: ConvAlgorithm = 'auto';

  /** With weights prepared (in any form) the transform costs nothing per call, and the choice is preparedTuning's. */
  private winogradAlgorithm(i: ConvInfo, prep?: Prepared): 'winograd' | 'winograd4' | null { return winogradChoice(i, this.convAlgorithm, prep !== undefined); }

  /** Runs the convolution by Winograd if the choice says so; false when it does not. */
  private runWinograd(px: number, pw: number, pb: number, pr: number, po: number, info: ConvInfo, act: number, prep?: Prepared): boolean {
    const alg = this.winogradAlgorithm(info, prep);
    const u = prep?.form === alg ? prep!.at : 0;
    if (alg === 'winograd4') winograd4(this.h, px, pw, pb, pr, po, info, act, macs(info) < CALLING_THREAD_MACS, u);
    else if (alg === 'winograd') this.winograd(px, pw, pb, po, info, act, u);
    return alg !== null;
  }

  /** Winograd F(2x2, 3x3): the kernel transformed (U = G g G^T, [16, C, F]) into scratch (unless prepared at u), then the tiles. */
  private winograd(px: number, pw: number, pb: number, po: number, info: ConvInfo, act: number, prepared = 0): void {
    const { inC: C, outC: F } = info;
    let u = prepared;
    if (!u) winogradWeights(this.h, pw, (u = this.h.scratch(16 * C * F * 4)), C, F);
    const tiles = info.batch * Math.ceil(info.outH / 2) * Math.ceil(info.outW / 2);
    // Whole panels per chunk, unless that leaves threads idle (few tiles: batch 1, where one panel held every tile).
    const chunk = macs(info) < CALLING_THREAD_MACS ? tiles : this.h.chunk(tiles, tiles >= 2 * this.h.threads() * WINOGRAD_PANEL ? WINOGRAD_PANEL : 4);
    const scratch = this.h.scratch(Math.ceil(tiles / chunk) * 16 * WINOGRAD_PANEL * (C + F) * 4);
    this.h.par('winogradConv', [px, u, pb, po, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, act, chunk], tiles, 1, chunk);
  }

  /**
   * A grouped convolution (neither one group nor depthwise) as one ungrouped convolution per
   * group: each array's group slice is copied into scratch (by the copyChannels kernel, on
   * all threads), `body` runs on the slices, and the written ones are copied back. Each array
   * is shaped as the convolution's input ('x'), output ('y') or kernel ('w').
   */
  private perGroup(info: ConvInfo, arrays: [number, 'x' | 'y' | 'w', 'read' | 'write'][], body: (slices: number[], g: number, gi: ConvInfo) => void): void {
    const { groups, batch, inH, inW, inC, outH, outW, outC, kH, kW } = info;
    const cg = inC / groups, fg = outC / groups;
    const gi: ConvInfo = { ...info, inC: cg, outC: fg, groups: 1 };
    // [rows, channels in all, channels per group] of each shape.
    const layout = { x: [batch * inH * inW, inC, cg], y: [batch * outH * outW, outC, fg], w: [kH * kW * cg, outC, fg] } as const;
    const copy = (src: number, dst: number, rows: number, srcC: number, srcOff: number, dstC: number, dstOff: number, count: number): void =>
      this.h.par('copyChannels', [src, dst, srcC, srcOff, dstC, dstOff, count], rows);
    for (let g = 0; g < groups; g++) {
      const mark = this.h.memory().mark();
      const slices = arrays.map(([p, shape, mode]) => {
        const [rows, full, part] = layout[shape];
        const at = this.h.scratch(rows * part * 4);
        if (mode === 'read') copy(p, at, rows, full, g * part, part, 0, part);
        return at;
      });
      body(slices, g, gi);
      arrays.forEach(([p, shape, mode], k) => {
        const [rows, full, part] = layout[shape];
        if (mode === 'write') copy(slices[k], p, rows, part, 0, full, g * part, part);
      });
      this.h.memory().release(mark);
    }
  }

  static oneChannel3x3(i: ConvInfo): boolean {
    return i.inC === 1 && i.kH === 3 && i.kW === 3 && i.strideH === 1 && i.strideW === 1 && i.outC % 4 === 0 &&
      i.dilationH === 1 && i.dilationW === 1 && i.groups === 1;
  }

  static tiles2x2(conv: ConvInfo, pool: PoolInfo): boolean {
    return pool.poolH === 2 && pool.poolW === 2 && pool.strideH === 2 && pool.strideW === 2 && pool.padTop === 0 && pool.padLeft === 0 &&
      conv.outH % 2 === 0 && conv.outW % 2 === 0 && conv.outC % 4 === 0 && conv.groups === 1;
  }

  /**
   * dW[K, F] = cols^T @ dy, each chunk of rows (or images) summed into its own partial dW.
   * With argmax != 0 (one-channel 3x3 only), dy is a 2x2 pooling's gradient, unpooled on the fly.
   */
  filterGrad(px: number, pdy: number, pa: number, pdw: number, info: ConvInfo): void {
    const { batch, kH, kW, inC, outC, outH, outW, groups } = info;
    if (groups > 1 && groups < inC) {
      return this.perGroup(info, [[px, 'x', 'read'], [pdy, 'y', 'read'], [pdw, 'w', 'write']], ([x, dy, dw], _g, gi) => this.filterGrad(x, dy, 0, dw, gi));
    }
    const depthwise = groups > 1;
    const choice = depthwise || ConvKernels.oneChannel3x3(info) ? 'earlier' : filterGradKernel(info);
    if (choice === 'winograd') return winogradFilterGrad(this.h, px, pdy, pdw, info);
    if (choice === 'threeChannels') return this.threeChannelFilterGrad(px, pdy, pdw, info);
    if (choice !== 'earlier') return this.trainingFilterGrad(px, pdy, pdw, info, choice);
    const rows = batch * outH * outW, size = kH * kW * (inC / groups) * outC;
    const oneChannel3x3 = ConvKernels.oneChannel3x3(info), direct = inC % 4 === 0 && outC % 8 === 0;
    const [total, align] = depthwise || oneChannel3x3 || direct ? [batch, 1] : [rows, 64];
    // One chunk size for the partials and the kernel (workers may come up in between).
    const fixedParts = depthwise && filterGrad3x3Fits(info); // partials that do not depend on the thread count
    const chunk = fixedParts ? dwFilterGrad3x3Chunk(batch) : this.h.chunk(total, align), parts = Math.ceil(total / chunk);
    const partials = parts === 1 ? pdw : this.h.scratch(parts * size * 4);
    if (fixedParts) {
      dwFilterGrad3x3(this.h, px, pdy, partials, info, chunk);
    } else if (depthwise) {
      this.direct(dwFilterGradKernel(info), [px, pdy, partials], info, { chunk, channels: outC });
    } else if (oneChannel3x3) {
      const pads = this.h.scratch(parts * chunk * (outH + 2) * (outW + 2) * 4);
      this.h.par('convFilterGrad3x3C1', [px, pdy, pa, partials, pads, info.inH, info.inW, outH, outW, outC, info.padTop, info.padLeft, chunk], batch, 1, chunk);
    } else if (direct) {
      this.direct('convFilterGradDirect', [px, pdy, partials], info, { chunk });
    } else {
      this.convPar('convFilterGrad', [px, pdy, partials], info, rows, 64, chunk);
    }
    // The partials are [parts, size]: their column sums (the bias-gradient kernel) are dW.
    if (parts > 1) this.h.par('sumRows', [partials, pdw, parts, size], size, 4);
  }

  /**
   * The filter gradients of assembly/conv-filter-grad.ts: packed (split by pixels) or narrow
   * (split by output rows), one partial dW per chunk, summed after.
   */
  private trainingFilterGrad(px: number, pdy: number, pdw: number, info: ConvInfo, kernel: 'packed' | 'narrow'): void {
    const size = info.kH * info.kW * info.inC * info.outC, block = filterGradBlockPixels(info);
    const [total, align] = kernel === 'packed' ? [info.batch * info.outH * info.outW, block] : [info.batch * info.outH, 1];
    const poolChunk = this.h.chunk(total, align);
    const chunk = kernel === 'packed' ? filterGradChunk(poolChunk, total, this.h.threads(), align) : poolChunk, parts = Math.ceil(total / chunk);
    const partials = parts === 1 ? pdw : this.h.scratch(parts * size * 4);
    if (kernel === 'narrow') {
      this.h.par('convFilterGradNarrow', [px, pdy, partials, ...ConvKernels.geometry(info), chunk], total, 1, chunk);
    } else {
      const packs = this.h.scratch(parts * block * (info.outC + 4) * 4);
      this.h.par('convFilterGradPacked', [px, pdy, partials, packs, ...ConvKernels.geometry(info), block, chunk], total, block, chunk);
    }
    if (parts > 1) this.h.par('sumRows', [partials, pdw, parts, size], size, 4);
  }

  /** RGB stems' filter gradient (assembly/conv-filter-grad-c3.ts): partials by fixed chunks of images, so 1 = 2 threads bit for bit. */
  private threeChannelFilterGrad(px: number, pdy: number, pdw: number, info: ConvInfo): void {
    const size = info.kH * info.kW * 3 * info.outC, chunk = dwFilterGrad3x3Chunk(info.batch), parts = Math.ceil(info.batch / chunk);
    const partials = parts === 1 ? pdw : this.h.scratch(parts * size * 4);
    this.direct('convFilterGradC3', [px, pdy, partials], info, { chunk });
    if (parts > 1) this.h.par('sumRows', [partials, pdw, parts, size], size, 4);
  }

  /** dx of a convolution on wasm pointers (also the forward pass of a transposed convolution). */
  inputGrad(pdy: number, pw: number, pdx: number, info: ConvInfo): void {
    const { kH, kW, inC, outC, groups, dilationH, dilationW } = info;
    const padTop = (kH - 1) * dilationH - info.padTop, padLeft = (kW - 1) * dilationW - info.padLeft;
    const stride1 = info.strideH === 1 && info.strideW === 1 && padTop >= 0 && padLeft >= 0;
    if (groups > 1 && groups === inC && outC === inC && stride1) {
      // Depthwise at stride 1, one filter per channel: dx is the depthwise convolution of dy by
      // the kernel turned 180 degrees (a gather, where dwInputGrad scatters).
      const flipped = this.h.transposeToScratch(pw, 1, outC, kH * kW, true); // [1, C] blocks: the taps reversed
      const full: ConvInfo = { ...info, inH: info.outH, inW: info.outW, outH: info.inH, outW: info.inW, strideH: 1, strideW: 1, padTop, padLeft };
      if (inPlace3x3Fits(full)) return dwConv3x3(this.h, pdy, flipped, 0, pdx, full, 0);
      return this.direct('dwConv', [pdy, flipped, 0, pdx], full, { tail: [0], channels: outC });
    }
    if (groups > 1 && groups === inC && inputGrad3x3s2Fits(info)) return dwInputGrad3x3s2(this.h, pdy, pw, pdx, info);
    if (groups > 1 && groups === inC) return this.direct('dwInputGrad', [pdy, pw, pdx], info, { channels: outC });
    if (groups > 1) return this.perGroup(info, [[pdy, 'y', 'read'], [pw, 'w', 'read'], [pdx, 'x', 'write']], ([dy, w, dx], _g, gi) => this.inputGrad(dy, w, dx, gi));
    if (pointwiseFits(info)) return pointwiseInputGrad(this.h, pdy, pw, pdx, info);
    const flip = this.flippedForInputGrad(pw, info);
    if (flip) {
      if (this.runWinograd(pdy, flip.w, 0, 0, pdx, flip.info, 0)) return;
      return this.direct('convDirect', [pdy, flip.w, this.packed(flip.w, flip.info), 0, pdx], flip.info, { tail: [0] });
    }
    // Otherwise dx = col2im(dy @ W^T), split by images so that no two threads add to the
    // same pixel; with whole vectors of input channels each tile adds into dx directly.
    const wT = this.h.transposeToScratch(pw, kH * kW * inC, outC);
    if (inC % 8 === 0) {
      // Whole images per chunk while there are images for every thread; else (batch 1) blocks
      // of input channels, about two per thread, of one image.
      const threads = this.h.threads(), byChannels = info.batch < threads && macs(info) >= CALLING_THREAD_MACS;
      const cb = byChannels ? Math.max(8, Math.floor(inC / (16 * threads)) * 8) : inC, units = info.batch * Math.ceil(inC / cb);
      this.h.par('convInputGradDirect', [pdy, wT, pdx, ...ConvKernels.geometry(info), cb], units, 1, byChannels ? this.h.chunk(units, 1) : this.h.chunk(info.batch, 1));
      return;
    }
    else this.convPar('convInputGrad', [pdy, wT, pdx], info, info.batch, 1);
  }

  /**
   * Stride 1, one group, 8+ input channels: dx is a convolution of dy (with the rest of the
   * border) by the kernel turned 180 degrees with its channel axes swapped (into scratch), which
   * the direct kernel does best; null for the other input gradients.
   */
  private flippedForInputGrad(pw: number, info: ConvInfo): { w: number; info: ConvInfo } | null {
    const { kH, kW, inC, outC, groups, dilationH, dilationW } = info;
    const padTop = (kH - 1) * dilationH - info.padTop, padLeft = (kW - 1) * dilationW - info.padLeft;
    if (info.strideH !== 1 || info.strideW !== 1 || padTop < 0 || padLeft < 0 || groups !== 1 || inC < 8) return null;
    const flipped = this.h.transposeToScratch(pw, inC, outC, kH * kW, true);
    return { w: flipped, info: { batch: info.batch, inH: info.outH, inW: info.outW, inC: outC, outH: info.inH, outW: info.inW, outC: inC,
      kH, kW, strideH: 1, strideW: 1, padTop, padLeft, dilationH, dilationW, groups: 1 } };
  }

  /**
   * dx = inputGrad + addend (pa): F(4x4) adds it in its output transform as it writes dx
   * (conv2dResidual's epilogue, no bias or activation); other paths in a SIMD add after (the
   * binary add's loop: conv2dResidual's residual pass is scalar, and at a 64x32x32x16 stride-2
   * input gradient it made the fused call ~1 ms slower than the separate add).
   */
  inputGradAdd(pdy: number, pw: number, pa: number, pdx: number, info: ConvInfo): void {
    const flip = pointwiseFits(info) ? null : this.flippedForInputGrad(pw, info); // 1x1: inputGrad's pointwise GEMM, then the add
    if (flip && this.winogradAlgorithm(flip.info) === 'winograd4') return winograd4(this.h, pdy, flip.w, 0, pa, pdx, flip.info, 0, macs(flip.info) < CALLING_THREAD_MACS);
    if (!flip) this.inputGrad(pdy, pw, pdx, info);
    else if (!this.runWinograd(pdy, flip.w, 0, 0, pdx, flip.info, 0)) this.direct('convDirect', [pdy, flip.w, this.packed(flip.w, flip.info), 0, pdx], flip.info, { tail: [0] });
    const n = info.batch * info.inH * info.inW * info.inC;
    this.h.par('binaryF32', [0, pdx, pa, pdx, 0], n, 4, elementChunk(this.h.chunk, n)); // op 0: add (BINARY_OPS), mode 0: same shapes
  }

  /** maxPool2dBackward on wasm pointers. */
  poolBackward(pdy: number, pa: number, pdx: number, info: PoolInfo): void {
    const { batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW } = info;
    const tiled = poolH === strideH && poolW === strideW && inH === outH * poolH && inW === outW * poolW && channels % 4 === 0;
    // Tiled: over output rows of all images (each writes its own input rows), so batch 1 splits too.
    if (tiled) this.h.par('maxPoolBackwardTiled', [pdy, pa, pdx, inH, inW, channels, outH, outW, poolH, poolW], batch * outH, 1, elementChunk(this.h.chunk, batch * outH, poolH * inW * channels, 1));
    else this.h.par('maxPoolBackward', [pdy, pa, pdx, inH * inW * channels, outH * outW * channels], batch);
  }


  /** conv2d then 2x2 max pooling on wasm pointers (pa 0: no argmax): the fused kernels where they apply, else the two in turn. */
  forwardPooled(px: number, pw: number, pb: number, po: number, pa: number, conv: ConvInfo, pool: PoolInfo, prep?: Prepared): void {
    const fusedC1 = ConvKernels.tiles2x2(conv, pool) && ConvKernels.oneChannel3x3(conv) && !this.winogradAlgorithm(conv, prep);
    // pa 0: no argmax wanted (an inference plan's); only the one-channel kernel can skip it, the others write it to scratch.
    if (!pa && !fusedC1) pa = this.h.scratch(pool.batch * pool.outH * pool.outW * pool.channels * 4);
    if (!ConvKernels.tiles2x2(conv, pool) || this.winogradAlgorithm(conv, prep)) {
      // No fused kernel for this pooling, or Winograd beats the fused direct kernel (F(4x4):
      // 1.8-3.8x at batch 64, winograd-kernels.ts): the convolution into scratch (wasm memory), then the pooling.
      const y = this.h.scratch(conv.batch * conv.outH * conv.outW * conv.outC * 4);
      this.forward(px, pw, pb, y, conv, 0, prep);
      const p = pool;
      const rows = p.batch * p.outH; // output rows of all images, each reading ~poolH input rows
      return this.h.par('maxPool', [y, po, pa, p.inH, p.inW, p.channels, p.outH, p.outW, p.poolH, p.poolW, p.strideH, p.strideW, p.padTop, p.padLeft], rows, 1, elementChunk(this.h.chunk, rows, p.inW * p.channels * p.poolH, 1));
    }
    if (fusedC1) {
      // Over pooled rows: whole images per chunk while there are images for every thread, else
      // an image's rows between threads; one zero-bordered scratch image per chunk.
      const half = conv.outH >> 1, total = conv.batch * half;
      const chunk = macs(conv) < CALLING_THREAD_MACS ? total : conv.batch >= this.h.threads() ? this.h.chunk(conv.batch, 1) * half : this.h.chunk(total, 1);
      const pads = this.h.scratch(Math.ceil(total / chunk) * (conv.outH + 2) * (conv.outW + 2) * 4);
      this.h.par('convPool3x3C1', [px, pw, pb, po, pa, pads, conv.inH, conv.inW, conv.outH, conv.outW, conv.outC, conv.padTop, conv.padLeft, chunk], total, 1, chunk);
      return;
    }
    // Scratch per chunk: the zero-bordered image and one pair of output rows.
    if (conv.inC >= 8 && this.byColumns(conv)) return this.columns(px, pw, pb, po, conv, 0, pa);
    if (conv.inC >= 8) {
      // Row pairs per sweep over the weights: as many as fit 32 KB of output (all, at small maps).
      const row = conv.outW * conv.outC, pairs = Math.max(1, Math.min(conv.outH / 2, Math.floor((32 << 10) / (8 * row))));
      return this.direct('convPoolDirect', [px, pw, this.packed(pw, conv, prep), pb, po, pa], conv, { extra: 2 * pairs * row, tail: [pairs] });
    }
    const rows = conv.batch * conv.outH * conv.outW, pair = 2 * conv.outW;
    const R = Math.max(1, Math.floor(PANEL / pair)) * pair, K = conv.kH * conv.kW * conv.inC;
    const chunk = this.h.chunk(rows, pair);
    const panels = this.h.scratch(Math.ceil(rows / chunk) * R * (conv.outC + K) * 4);
    this.h.par('convPool', [px, pw, pb, po, pa, panels, ...ConvKernels.geometry(conv), chunk], rows, pair, chunk);
  }
}
