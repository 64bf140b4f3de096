// 1x1 stride-1 convolutions (MobileNet's pointwise layers) on wasm: the input gradient and the
// plain forward (no bias, activation or residual: training's, before a BatchNormalization) as
// one GEMM over every pixel of the batch (assembly/pointwise.ts, a 6x8 register tile, or 2x16
// for forwards up to pointwiseTuning.wideTileMaxK input channels, over weights packed in
// panels of 8 columns), where the direct kernel walks images and rows with its 4x8 tile. Forwards with an epilogue (inference's, bias + relu6 after the BN fold) too from
// pointwiseTuning.epilogueMinPixels pixels; smaller ones keep the direct kernel. The filter
// gradient keeps the packed kernel.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';
import { CALLING_THREAD_MACS } from './split-policy.ts';

/** Pointwise kernels the thread pool runs (added to the backend's list). */
export const POINTWISE_PARALLEL = ['pointwiseGemm', 'packPanelsTransposed'];

/** Tunables, changed by benchmarks and tests only. */
export const pointwiseTuning = {
  /** Whether 1x1 stride-1 convolutions run pointwiseGemm (false: the direct kernels, for comparisons). */
  gemm: true,
  /**
   * Whether forwards with an epilogue (bias, activation, residual) run pointwiseGemm too, from
   * epilogueMinPixels pixels per call (false: only the plain ones, as training's convolutions
   * before a BatchNormalization are). The tile applies bias and activation to its registers as
   * it stores them (assembly/pointwise.ts). MobileNet's batch-256 1x1 calls (bias + relu6 after
   * the BN fold), one thread CPU time against the direct kernel (bench/mobilenet-kernels.ts):
   * 0.91-1.14x per call, 1.06x over the six; with the epilogue as a pass after the tile it was
   * 0.91x over the model.
   */
  epilogue: true,
  /**
   * Pixels per call (batch * height * width) from which forwards with an epilogue take
   * pointwiseGemm with the 6x8 tile: measured at batch 256 only. Smaller calls (every batch-1
   * one: at most 1024 pixels) keep the direct kernels and split-policy's splits between threads.
   */
  epilogueMinPixels: 4096,
  /**
   * The same threshold for forwards that take the 2x16 tile (at most wideTileMaxK input
   * channels): batch 1's MobileNet calls from 16x16 up. Per call at batch 1, one thread, CPU
   * time, alternating, two runs (bench/mobilenet-kernels.ts --batch 1 --epilogue-min-pixels 0)
   * against the direct kernel: 32->64 on 32x32 1.20-1.22x, 64->128 on 16x16 1.07-1.11x, 128->128
   * 1.08x; 128->256 on 8x8 (64 pixels) 0.97-1.06x, so below 256 pixels the direct kernel stays;
   * the 6x8 tile's (256 input channels) 0.98-1.02x, so those keep epilogueMinPixels, as do
   * output channels off a multiple of 8 (a scalar loop for the last N % 8: one output channel
   * would leave convOneFilter).
   */
  wideEpilogueMinPixels: 256,
  /**
   * Whether forwards with at most wideTileMaxK input channels take the GEMM's 2 rows x 16
   * columns tile (two panels at a time; false: 6 rows x 8 columns, for comparisons), over
   * column blocks of wideColBlockBytes (B in L2, where the 6x8 tile keeps it in L1). The same
   * sums in the same order either way. MobileNet's batch-256 1x1 forwards, one thread, CPU time,
   * alternating, three runs (bench/pointwise-tiles.ts): 1.05-1.24x at 32 input channels,
   * 1.08-1.15x at 64, 1.07-1.39x at 128 -> 128, 1.06-1.11x at 128 -> 256; 0.88-1.10x at 256
   * (left on 6x8). In an L2-resident loop 1.5-1.8x at every depth.
   */
  wideTile: true,
  /** The most input channels (K) for which forwards take the 2x16 tile (see wideTile). */
  wideTileMaxK: 128,
  /** Bytes of packed B per column block for the 2x16 tile (colBlockBytes for the 6x8 one): all of MobileNet's columns. */
  wideColBlockBytes: 1 << 20,
  /**
   * Rows the 2x16 tile's chunks split on multiples of (its own 2 rows; 6, the 6x8 tile's, for
   * comparisons): batch-1 calls halve evenly between two threads (256 rows in chunks of 36 went
   * 144 / 112, in chunks of 32 128 / 128; bench/splits.ts).
   */
  wideSplitRows: 2,
  /** Bytes of A (rows of K input floats) per row block, which stays in L2 while the column blocks sweep it. */
  rowBlockBytes: 128 << 10,
  /** Bytes of packed B per column block, which stays in L1 while the block's row tiles sweep it. */
  colBlockBytes: 16 << 10,
};

/** Rows of the 6x8 register tile (assembly/pointwise.ts#tile6x8): its chunks split on multiples of it. */
const TILE_ROWS = 6;

/**
 * Whether pointwiseGemm computes this convolution: a 1x1 kernel at stride 1 without padding,
 * one group, at least one panel of 8 output channels (input gradient: input channels).
 */
export function pointwiseFits(i: ConvInfo): boolean {
  return pointwiseTuning.gemm && i.kH === 1 && i.kW === 1 && i.strideH === 1 && i.strideW === 1 && i.padTop === 0 && i.padLeft === 0 &&
    i.groups === 1 && i.inH === i.outH && i.inW === i.outW;
}

/** Whether pointwiseGemm computes this forward: pointwiseFits, and with an epilogue only as pointwiseTuning.epilogue says. */
export function pointwiseForwardFits(i: ConvInfo, epilogue: boolean): boolean {
  // Output channels in whole panels only (the measured shapes): the N % 8 columns take a scalar loop.
  const minPixels = wideTileFits(i) && i.outC % 8 === 0 ? pointwiseTuning.wideEpilogueMinPixels : pointwiseTuning.epilogueMinPixels;
  return pointwiseFits(i) && (!epilogue || (pointwiseTuning.epilogue && i.batch * i.outH * i.outW >= minPixels));
}

/** Whether a pointwise forward takes the 2x16 tile (pointwiseTuning.wideTile). */
function wideTileFits(i: ConvInfo): boolean {
  return pointwiseTuning.wideTile && i.inC <= pointwiseTuning.wideTileMaxK;
}

/** Rows per block of pointwiseGemm for K-float rows: a multiple of the tile's rows within rowBlockBytes. */
function rowBlock(K: number): number {
  return Math.max(TILE_ROWS, Math.floor(pointwiseTuning.rowBlockBytes / (K * 4 * TILE_ROWS)) * TILE_ROWS);
}

/** Columns per block of pointwiseGemm for K-deep panels: a multiple of 8 within colBlockBytes. */
function colBlock(K: number, wide: boolean): number {
  return Math.max(8, Math.floor((wide ? pointwiseTuning.wideColBlockBytes : pointwiseTuning.colBlockBytes) / (K * 32)) * 8);
}

/** out[P, N] = act(a[P, K] b + bias + residual) with b's panels packed at bp (b itself read for the N % 8 columns). */
// Below split-policy's CALLING_THREAD_MACS a call runs on the calling thread alone, as the
// direct kernels do (it was 2^21 here: batch-1 calls of 128K-2M multiply-adds, which the direct
// kernel splits, would have run on one thread once they took the GEMM).
function gemm(h: KernelHost, pa: number, bp: number, pb: number, kStride: number, nStride: number, pbias: number, pr: number, po: number, P: number, K: number, N: number, act: number, wide: boolean): void {
  const macs = P * K * N;
  h.par('pointwiseGemm', [pa, bp, pb, kStride, nStride, pbias, pr, po, K, N, act, rowBlock(K), colBlock(K, wide), wide ? 1 : 0], P, wide ? pointwiseTuning.wideSplitRows : TILE_ROWS, macs < CALLING_THREAD_MACS ? P : undefined);
}

/** The [K, N] weights at pw packed into scratch in panels of 8 columns (packPanels, assembly/conv.ts), or 0 if N < 8. */
function packed(h: KernelHost, pw: number, K: number, N: number, transposed: boolean): number {
  const panels = N >> 3;
  if (panels === 0) return 0;
  const wp = h.scratch(panels * K * 32);
  h.par(transposed ? 'packPanelsTransposed' : 'packPanels', [pw, wp, K, N], panels, 1, panels * K < 1 << 14 ? panels : undefined);
  return wp;
}

/**
 * out = act(conv1x1(x, w) + bias (+ residual)) for pointwiseFits convolutions (pb, pr 0: none);
 * prepacked: w's panels packed ahead by a plan (the direct kernels' 'packed' form, the same
 * layout), else 0 to pack them here.
 */
export function pointwiseForward(h: KernelHost, px: number, pw: number, pb: number, pr: number, po: number, i: ConvInfo, act: number, prepacked = 0): void {
  const P = i.batch * i.outH * i.outW;
  const wide = wideTileFits(i);
  gemm(h, px, prepacked || packed(h, pw, i.inC, i.outC, false), pw, i.outC, 1, pb, pr, po, P, i.inC, i.outC, act, wide);
}

/** dx = dy W^T for pointwiseFits convolutions: W [C, F] read transposed (packPanelsTransposed). */
export function pointwiseInputGrad(h: KernelHost, pdy: number, pw: number, pdx: number, i: ConvInfo): void {
  const P = i.batch * i.inH * i.inW;
  gemm(h, pdy, packed(h, pw, i.outC, i.inC, true), pw, 1, i.outC, 0, 0, pdx, P, i.outC, i.inC, 0, false);
}

