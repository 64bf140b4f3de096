// Choices for the training passes' wasm kernels (filter and input gradients, batch
// normalization's training kernels): which new kernels the thread pool runs, and how the
// packed filter gradient sizes its blocks. Kept apart from conv-kernels.ts so that file's
// dispatch only names what it calls.
import type { ConvInfo } from '../backend.ts';

/** Kernels of the training passes that the thread pool runs (added to the backend's list). */
export const TRAINING_PARALLEL = ['winogradFilterGrad', 'winogradFilterGradOutput', 'winogradFilterGrad4', 'winogradFilterGrad4Output', 'convFilterGradPacked', 'convFilterGradNarrow', 'convFilterGradC3', 'bnGradSumsMasked', 'bnGradSumsFromInput', 'affineRowsMasked', 'affineRowsFromInput', 'affineRowsResidual', 'dwFilterGrad3x3'];

/** Tunables, changed by benchmarks and tests only. */
export const trainTuning = {
  /** Most pixels per block of the packed filter gradient. */
  filterGradBlock: 256,
  /** Bytes of packed dy per block at most (the block shrinks for many output channels: it stays in L2). */
  filterGradPackBytes: 131072,
  /** Whether ungrouped filter gradients use the packed kernel (false: the earlier kernels, for comparisons). */
  packedFilterGrad: true,
  /** Whether 3x3 depthwise filter gradients (F % 4 == 0) use dwFilterGrad3x3 (false: the general kernel). */
  depthwise3x3FilterGrad: true,
  /** Winograd F(2x2, 3x3) filter gradients: 'auto' where winogradFilterGradPays, 'always' where they fit, 'never'. */
  winogradFilterGrad: 'auto' as 'auto' | 'always' | 'never',
  /** Tiles per panel of the Winograd filter gradient (GEMM depth of each of its 16 or 36 products). */
  winogradFilterGradPanel: 128,
  /** Output tile of the Winograd filter gradient: F(2x2, 3x3), F(4x4, 3x3), or 'auto' (winogradFilterGradTileFor). */
  winogradFilterGradTile: 'auto' as 'auto' | 2 | 4,
  /** Whether three-channel filter gradients with outC % 8 == 0 (RGB stems) use convFilterGradC3 (false: the im2col panels, before/after). */
  threeChannelFilterGrad: true,
  /**
   * F(4x4)'s filter gradient: its transforms of x (bit 1) and of dy (bit 2) by tiles, each
   * tile's channel quads together, so a pixel's cache lines are read in one pass (0: by channel
   * quads, each quad a pass over the panel's pixels; the same bits); 'auto': by tiles where
   * that transform has 32+ channels, where it measured faster. In the zoo's steps
   * (bench/step-ab.ts --knob train.winogradFilterGradTilesOuter=0,1,3, one thread, CPU time,
   * load 14-18): VGG's filter gradients 0.74-0.92x, ResNet-20's 32->32 and 64->64 0.82-1.08x
   * (mostly below 1), its 16->16 0.96-1.07x: within the noise (0 and 'auto', the same code there,
   * measured 1.06x apart in one run), so 16 channels keep the quads.
   */
  winogradFilterGradTilesOuter: 'auto' as 'auto' | 0 | 1 | 2 | 3,
  /** Tests only: dwFilterGrad3x3 at any stride. */
  depthwise3x3AnyStride: false,
};

/**
 * Which filter-gradient kernel an ungrouped convolution (other than a one-channel 3x3 first
 * layer) takes: 'winograd' (winograd-filter-grad.ts; F(4x4, 3x3) or F(2x2, 3x3) as
 * winogradFilterGradTileFor says) for 3x3 stride-1 dilation-1 convolutions with C and F % 4 == 0
 * and 16 F(2x2) tiles or more; 'threeChannels' (assembly/conv-filter-grad-c3.ts) for RGB stems with outC % 8 == 0
 * (in the zoo's steps, bench/step-ab.ts --knob train.threeChannelFilterGrad=false,true, one thread, CPU time,
 * load 14-16: VGG 3->32 7.05 -> 4.52 ms, ResNet-20 3->16 4.05 -> 2.45 ms, MobileNet 3->32/s2 3.69 -> 2.65 ms
 * against the im2col panels); otherwise 'narrow' for fewer than 8 output channels, 'packed' for inC % 4 == 0 and
 * more than 16 output channels, else the earlier kernels ('earlier': im2col panels for 3-channel
 * stems, the unpacked direct kernel at 16 filters, where each beats the packed one).
 * Measured on one thread in CPU time (bench/kernels-train.ts): packed 68-93% of the limit on
 * the zoo's shapes against 43-63% for the unpacked kernel; at 16 filters 68% against 79%; on
 * 3-channel stems 8-14% against 36-42%.
 * Winograd against the kernel chosen before it, side by side on one thread by CPU time
 * (bench/winograd-filter-grad.ts [--edges], load 12-13), F(4x4) / F(2x2): VGG 32->32 2.89x /
 * 1.95x, 32->64 2.73x / 1.98x, 64->64 2.66x / 1.89x, 64->128 2.74x / 1.95x, 128->128 2.81x /
 * 1.93x; ResNet-20 16->16 1.83x / 1.51x, 32->32 2.96x / 2.39x, 64->64 3.13x / 2.13x;
 * autoencoder 32->64 2.01x / 1.89x, 64->32 2.81x / 1.80x; convnet 32->64 valid on 13x13 2.25x /
 * 1.63x; few channels at 1024 F(4x4) tiles: 8->8 1.54x / 1.24x, 4->8 1.40x / 0.88x, 32->4
 * 1.75x / 1.31x; F(2x2) at 16 tiles 0.98-1.18x, at 8-9 tiles 0.75-0.92x, at 4 tiles 0.46x.
 */
export function filterGradKernel(i: ConvInfo): 'winograd' | 'packed' | 'narrow' | 'threeChannels' | 'earlier' {
  if (i.inC === 3 && i.outC % 8 === 0 && i.groups === 1 && trainTuning.threeChannelFilterGrad) return 'threeChannels';
  if (winogradFilterGradFits(i) && (trainTuning.winogradFilterGrad === 'always' || (trainTuning.winogradFilterGrad === 'auto' && winogradFilterGradPays(i)))) return 'winograd';
  if (!trainTuning.packedFilterGrad || i.inC % 4 !== 0) return 'earlier';
  if (i.outC < 8) return 'narrow';
  return i.outC <= 16 && i.outC % 8 === 0 ? 'earlier' : 'packed';
}

/** Whether the Winograd filter gradient (winograd-filter-grad.ts) computes this convolution's: 3x3, stride 1, dilation 1, C and F % 4 == 0. */
export function winogradFilterGradFits(i: ConvInfo): boolean {
  return i.kH === 3 && i.kW === 3 && i.strideH === 1 && i.strideW === 1 && i.dilationH === 1 && i.dilationW === 1 &&
    i.groups === 1 && i.inC % 4 === 0 && i.outC % 4 === 0;
}

/**
 * Where the Winograd filter gradient beats the other kernels: 16 tiles or more (its fixed cost
 * is dU's 16 * C * F values written, summed and transformed once per call). Measured side by
 * side on one thread by CPU time (bench/winograd-filter-grad.ts [--edges]), speed over the
 * kernel chosen otherwise: see filterGradKernel.
 */
export function winogradFilterGradPays(i: ConvInfo): boolean {
  return winogradTiles(i, 2) >= 16;
}

/** Tiles of a 3x3 stride-1 convolution's F(m x m, 3x3) grid over the whole batch. */
export const winogradTiles = (i: ConvInfo, m: 2 | 4): number => i.batch * Math.ceil(i.outH / m) * Math.ceil(i.outW / m);

/**
 * F(4x4, 3x3) (36 multiply-adds per 16 outputs against F(2x2)'s 64) from 64 of its tiles: its
 * fixed cost per call (dU is 36 * C * F values) is 2.25x F(2x2)'s, and its error about 10x
 * (at most 1.04e-5 against 1.3e-6 relative to the float64 gradient on the zoo's shapes at
 * batch 64; F(2x2) as the packed kernel's). Side by side on one thread (CPU time), speed over
 * the packed kernel F(4x4) / F(2x2): VGG 32->32 2.89x / 1.95x, 128->128 2.81x / 1.93x, ResNet-20
 * 16->16 1.83x / 1.51x, 64->64 3.13x / 2.13x, autoencoder 32->64 on 14x14 2.01x / 1.89x; at 32
 * F(4x4) tiles 1.47-2.02x / 1.40-1.73x, at 16 1.09x / 1.97x.
 */
export function winogradFilterGradTileFor(i: ConvInfo): 2 | 4 {
  const t = trainTuning.winogradFilterGradTile;
  if (t !== 'auto') return t;
  return winogradTiles(i, 4) >= 64 ? 4 : 2;
}

/** The transforms F(4x4)'s filter gradient runs tile by tile (bit 1: x's, bit 2: dy's): trainTuning.winogradFilterGradTilesOuter. */
export function winogradFilterGradTilesOuter(i: ConvInfo): number {
  const t = trainTuning.winogradFilterGradTilesOuter;
  return t !== 'auto' ? t : (i.inC >= 32 ? 1 : 0) | (i.outC >= 32 ? 2 : 0);
}

/** Pixels per block of convFilterGradPacked: a multiple of 4, at most filterGradBlock, dy's pack within its budget. */
export function filterGradBlockPixels(i: ConvInfo): number {
  const fit = Math.floor(trainTuning.filterGradPackBytes / (4 * i.outC));
  return Math.max(4, Math.min(trainTuning.filterGradBlock, fit) & ~3);
}

/**
 * Pixels per chunk of the packed filter gradient. Each chunk writes a partial dW that is
 * summed after, which costs about as much as 2 pixels' multiply-adds per dW value: the pool's
 * usual chunks (4 per thread, for work stealing) are kept only while they hold 1024 pixels or
 * more (under 1% extra); below, fewer and larger chunks, down to one per thread.
 */
export function filterGradChunk(poolChunk: number, total: number, threads: number, align: number): number {
  const wanted = Math.min(Math.ceil(total / threads), 1024);
  return Math.max(poolChunk, Math.ceil(wanted / align) * align);
}

/**
 * The depthwise filter-gradient kernel: the nine-accumulator one for 3x3 kernels at stride 1 on
 * whole vectors of channels. Side by side on one thread (CPU time, MobileNet's shapes): 0.78-0.95x
 * the general kernel's time at stride 1, 1.0-1.27x at stride 2 (there it reads a quarter of
 * each cache line of x per pass, the general kernel all of it), so stride 2 keeps the general one.
 */
export function dwFilterGradKernel(i: ConvInfo): 'dwFilterGrad3x3' | 'dwFilterGrad' {
  const fits = i.kH === 3 && i.kW === 3 && (trainTuning.depthwise3x3AnyStride || (i.strideH === 1 && i.strideW === 1)) && i.outC % 4 === 0;
  return trainTuning.depthwise3x3FilterGrad && fits ? 'dwFilterGrad3x3' : 'dwFilterGrad';
}
