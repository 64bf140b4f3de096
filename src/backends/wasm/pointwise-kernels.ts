// 1x1 stride-1 convolutions (MobileNet's pointwise layers) on wasm: the input gradient and the
// plain forward (no bias, activation or residual: training's, before a BatchNormalization) as
// one GEMM over every pixel of the batch (assembly/pointwise.ts, a 6x8 register tile over
// weights packed in panels of 8 columns), where the direct kernel walks images and rows with
// its 4x8 tile. Forwards with an epilogue (inference's, bias + relu6 after the BN fold) too from
// pointwiseTuning.epilogueMinPixels pixels; smaller ones keep the direct kernel. The filter
// gradient keeps the packed kernel.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';

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
   * pointwiseGemm: measured at batch 256 only. Smaller calls (every batch-1 one: at most 1024
   * pixels) keep the direct kernels and split-policy's splits between threads.
   */
  epilogueMinPixels: 4096,
  /** Bytes of A (rows of K input floats) per row block, which stays in L2 while the column blocks sweep it. */
  rowBlockBytes: 128 << 10,
  /** Bytes of packed B per column block, which stays in L1 while the block's row tiles sweep it. */
  colBlockBytes: 16 << 10,
};

/** Below this many multiply-adds a call runs on the calling thread alone (as the direct kernels: conv-kernels.ts). */
const CALLING_THREAD_MACS = 1 << 21;
/** Rows of the register tile (assembly/pointwise.ts#tile6x8): chunks split on multiples of it. */
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
  return pointwiseFits(i) && (!epilogue || (pointwiseTuning.epilogue && i.batch * i.outH * i.outW >= pointwiseTuning.epilogueMinPixels));
}

/** Rows per block of pointwiseGemm for K-float rows: a multiple of the tile's rows within rowBlockBytes. */
function rowBlock(K: number): number {
  return Math.max(TILE_ROWS, Math.floor(pointwiseTuning.rowBlockBytes / (K * 4 * TILE_ROWS)) * TILE_ROWS);
}

/** Columns per block of pointwiseGemm for K-deep panels: a multiple of 8 within colBlockBytes. */
function colBlock(K: number): number {
  return Math.max(8, Math.floor(pointwiseTuning.colBlockBytes / (K * 32)) * 8);
}

/** out[P, N] = act(a[P, K] b + bias + residual) with b's panels packed at bp (b itself read for the N % 8 columns). */
function gemm(h: KernelHost, pa: number, bp: number, pb: number, kStride: number, nStride: number, pbias: number, pr: number, po: number, P: number, K: number, N: number, act: number): void {
  const macs = P * K * N;
  h.par('pointwiseGemm', [pa, bp, pb, kStride, nStride, pbias, pr, po, K, N, act, rowBlock(K), colBlock(K)], P, TILE_ROWS, macs < CALLING_THREAD_MACS ? P : undefined);
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
  gemm(h, px, prepacked || packed(h, pw, i.inC, i.outC, false), pw, i.outC, 1, pb, pr, po, P, i.inC, i.outC, act);
}

/** dx = dy W^T for pointwiseFits convolutions: W [C, F] read transposed (packPanelsTransposed). */
export function pointwiseInputGrad(h: KernelHost, pdy: number, pw: number, pdx: number, i: ConvInfo): void {
  const P = i.batch * i.inH * i.inW;
  gemm(h, pdy, packed(h, pw, i.outC, i.inC, true), pw, 1, i.outC, 0, 0, pdx, P, i.outC, i.inC, 0);
}

