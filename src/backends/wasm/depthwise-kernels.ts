// Depthwise convolutions (groups == inC) on wasm: which kernel runs them. The 3x3 ones with
// one filter per channel (MobileNet's) read the image in place with their weights in
// registers (assembly/depthwise3x3.ts); the rest take the general kernels of
// assembly/depthwise.ts, which copy each image into a zero-bordered, channel-expanded scratch.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';
import { CALLING_THREAD_MACS } from './split-policy.ts';

/** Depthwise kernels the thread pool runs (added to the backend's list). */
export const DEPTHWISE_PARALLEL = ['dwConv3x3', 'dwInputGrad3x3s2', 'dwFilterGrad3x3InPlace'];

/** Tunables, changed by benchmarks and tests only. */
export const depthwiseTuning = {
  /** Whether 3x3 depthwise convolutions with one filter per channel use dwConv3x3 (false: the general dwConv, for comparisons). */
  inPlace3x3: true,
  /**
   * Whether dwConv3x3's interior at strides 1 and 2 slides each channel quad along the row with
   * its nine weights in registers (each input column loaded once per quad; false: the groups of
   * four outputs swept over all channels, for comparisons).
   */
  sliding: true,
  /** Outputs per chunk of the sliding interior (each chunk swept by every channel quad in turn); 0: whole rows. */
  slideChunk: 16,
  /** Whether dwFilterGrad3x3InPlace first reads the next output row's data once in address order (a read-ahead the prefetchers follow). */
  filterGradReadAhead: true,
  /** ... on input rows of this many bytes or more (MobileNet's 4 KiB rows, 32x32x32, ran 0.7x with it; its 8 KiB rows 1.1-1.4x). */
  filterGradReadAheadMinRowBytes: 8192,
};


/** Whether dwConv3x3 computes this convolution: depthwise 3x3, one filter per channel, padding >= 0. */
export function inPlace3x3Fits(i: ConvInfo): boolean {
  return depthwiseTuning.inPlace3x3 && i.kH === 3 && i.kW === 3 && i.groups === i.inC && i.outC === i.inC && i.padTop >= 0 && i.padLeft >= 0;
}

/**
 * out = act(depthwise(x, w) + bias) by dwConv3x3, split between threads by output rows of all
 * images (batch * outH), so a single image's rows are shared too.
 */
export function dwConv3x3(h: KernelHost, px: number, pw: number, pb: number, po: number, i: ConvInfo, act: number): void {
  const zeroFloats = i.inW * i.inC, zeros = h.scratch(zeroFloats * 4);
  h.memory().f32(zeros, zeroFloats).fill(0);
  const rows = i.batch * i.outH, macs = rows * i.outW * i.outC * 9;
  const args = [px, pw, pb, po, zeros, i.inH, i.inW, i.inC, i.outH, i.outW, i.strideH, i.strideW, i.padTop, i.padLeft, i.dilationH, i.dilationW, act, depthwiseTuning.sliding ? 1 : 0, depthwiseTuning.slideChunk];
  h.par('dwConv3x3', args, rows, 1, macs < CALLING_THREAD_MACS ? rows : undefined);
}

/** Whether dwInputGrad3x3s2 computes this convolution's input gradient: inPlace3x3Fits at stride 2, dilation 1. */
export function inputGrad3x3s2Fits(i: ConvInfo): boolean {
  return inPlace3x3Fits(i) && i.strideH === 2 && i.strideW === 2 && i.dilationH === 1 && i.dilationW === 1;
}

/** dx of a 3x3 stride-2 depthwise convolution by dwInputGrad3x3s2, split between threads by rows of dx (batch * inH). */
export function dwInputGrad3x3s2(h: KernelHost, pdy: number, pw: number, pdx: number, i: ConvInfo): void {
  const zeroFloats = Math.max(i.inW, i.outW) * i.inC, zeros = h.scratch(zeroFloats * 4);
  h.memory().f32(zeros, zeroFloats).fill(0);
  const rows = i.batch * i.inH, macs = i.batch * i.inH * i.inW * i.inC * 2.25;
  h.par('dwInputGrad3x3s2', [pdy, pw, pdx, zeros, i.inH, i.inW, i.inC, i.outH, i.outW, i.padTop, i.padLeft], rows, 1, macs < CALLING_THREAD_MACS ? rows : undefined);
}

/** Whether dwFilterGrad3x3InPlace computes this convolution's filter gradient: inPlace3x3Fits at stride 1 or 2 (both ways), dilation 1. */
export function filterGrad3x3Fits(i: ConvInfo): boolean {
  return inPlace3x3Fits(i) && i.strideH === i.strideW && i.strideH <= 2 && i.dilationH === 1 && i.dilationW === 1;
}

/** Whether dwFilterGrad3x3InPlace reads each next row ahead (1) or not (0) on this convolution's rows. */
function filterGradReadAhead(i: ConvInfo): number {
  return depthwiseTuning.filterGradReadAhead && 4 * i.inW * i.inC >= depthwiseTuning.filterGradReadAheadMinRowBytes ? 1 : 0;
}

/** Partial filter gradients of the 3x3 depthwise kernel: at most this many, whatever the thread count. */
const FILTER_GRAD_PARTS = 8;

/**
 * Images per partial dW of dwFilterGrad3x3InPlace: a function of the batch alone, so the
 * partials, and their sum in order, are the same bit for bit on any number of threads.
 */
export function dwFilterGrad3x3Chunk(batch: number): number {
  return Math.ceil(batch / Math.min(batch, FILTER_GRAD_PARTS));
}

/** The 3x3 depthwise filter gradient by dwFilterGrad3x3InPlace (assembly/depthwise3x3-grad.ts) into one partial dW per chunk of `chunk` images. */
export function dwFilterGrad3x3(h: KernelHost, px: number, pdy: number, partials: number, i: ConvInfo, chunk: number): void {
  h.par('dwFilterGrad3x3InPlace', [px, pdy, partials, i.inH, i.inW, i.inC, i.outH, i.outW, i.strideH, i.padTop, i.padLeft, filterGradReadAhead(i), chunk], i.batch, 1, chunk);
}
