// Which algorithm runs a 3x3 stride-1 convolution on wasm (direct, Winograd F(2x2, 3x3) or
// F(4x4, 3x3)), and the F(4x4) dispatch: kernel transform into scratch, then the tiles.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';

/** The convolution algorithms a 3x3 stride-1 convolution may run ('auto': by the measured table). */
export type ConvAlgorithm = 'auto' | 'direct' | 'winograd' | 'winograd4';

/** Whether a convolution has the shape the Winograd kernels take. */
export function winogradFits(i: ConvInfo): boolean {
  return i.kH === 3 && i.kW === 3 && i.strideH === 1 && i.strideW === 1 && i.dilationH === 1 && i.dilationW === 1 &&
    i.groups === 1 && i.inC % 4 === 0 && i.outC % 4 === 0;
}

/**
 * Whether Winograd F(2x2, 3x3) beats the direct kernel for a 3x3, stride-1 convolution: it
 * does 16 instead of 36 multiply-adds per tile and channel pair, but its transforms read and
 * write every value once more (and the kernel's, 16 * C * F values, every call), which pays
 * only with enough channels and tiles. Measured side by side on one thread by CPU time
 * (bench/kernels.ts --cpu-time; speed over direct): 16 -> 16 0.66x; 32 -> 32 1.03-1.07x;
 * 32 -> 64 1.18-1.20x; 64 -> 32 1.20-1.42x; 64 -> 64 at batch 64 1.39x but 0.86x at batch 1 on 8x8 (16 tiles);
 * 128 -> 128 on 4x4 at batch 1 (4 tiles) 0.57x. Its error against the float64 convolution is
 * about 1.5e-5 relative at 128 channels, as the direct kernel's (1.9e-5; test/conv-ops.test.ts
 * prints both).
 */
export function winogradPays(i: ConvInfo): boolean {
  const tiles = i.batch * Math.ceil(i.outH / 2) * Math.ceil(i.outW / 2);
  return Math.min(i.inC, i.outC) >= 32 && Math.max(i.inC, i.outC) >= 64 && tiles >= 64 && i.outH >= 4 && i.outW >= 4;
}

/**
 * Whether Winograd F(4x4, 3x3) is the fastest of the three: 36 instead of 144 multiply-adds
 * per 4x4 tile and channel pair (F(2x2): 64), but larger transforms (6x6 per tile, 36 * C * F
 * kernel values every call) and edge tiles that compute up to 3 rows / columns for nothing.
 * Measured side by side on one thread by CPU time (bench/winograd.ts: conv + bias + relu,
 * speed over direct as the median of per-round ratios, F(4x4) / F(2x2); a loaded machine,
 * ~10% noise at batch 64, ~25% at batch 1; "dx": an input gradient's flipped convolution):
 *   batch 64:  16->16 @32 1.28 / 0.71;  32->32 @16 1.75 / 1.12;  64->64 @8 2.38 / 1.47;
 *              32->32 @32 2.00 / 0.99;  32->64 @16 1.95 / 1.30;  dx 64->32 @16 2.02 / 1.18;
 *              64->64 @16 2.48 / 1.46;  64->128 @8 2.67 / 1.57; dx 128->64 @8 2.41 / 1.52;
 *              128->128 @8 2.97 / 2.03; 32->64 @14 2.06 / 1.42; dx 64->32 @14 2.03 / 1.36;
 *              64->32 @28 2.24 / 1.33;  dx 32->64 @28 2.39 / 1.33;
 *   batch 1:   16->16 @32 1.37 / 0.72;  32->32 @16 1.38 / 0.96;  64->64 @8 0.74 / 1.03;
 *              32->32 @32 1.82 / 1.00;  32->64 @16 1.51 / 1.18;  dx 64->32 @16 1.40 / 1.15;
 *              64->64 @16 1.52 / 1.27;  64->128 @8 0.74 / 0.96; dx 128->64 @8 0.63 / 0.90;
 *              128->128 @8 0.94 / 1.34; 32->64 @14 1.52 / 1.45; dx 64->32 @14 1.39 / 1.38;
 *              64->32 @28 1.91 / 1.19;  dx 32->64 @28 2.05 / 1.23;
 *   pooled (conv2dMaxPool: the convolution then the pooling, over the fused direct kernel):
 *     batch 64: 32->32 @32 1.96 / 1.02; 64->64 @16 2.39 / 1.41; 128->128 @8 3.76 / 2.40; 32->64 @14 1.82 / 1.35;
 *     batch 1:  32->32 @32 1.82 / 1.03; 64->64 @16 1.49 / 1.18; 128->128 @8 0.91 / 1.32; 32->64 @14 1.30 / 1.21.
 * So: 16 tiles or more; below that (an 8x8 image at batch 1: 4 tiles) the 36 * C * F kernel
 * transform costs more than the convolution saves. Its error against float64 grows with the
 * input channels (summed over): 1.6e-5 at 16, 2.4e-5 at 32, 4.1e-5 at 64, 8.2e-5 at 128
 * relative (test/winograd4.test.ts prints them; direct 0.3-1.9e-5), so it is not used past
 * 128 input channels, where it would pass issue #15's bound of 1e-4. And not below 32
 * channels either way (WINOGRAD4_MIN_CHANNELS), although it is faster there (16->16 1.28x):
 * at 16 channels it rounds 5x more than the direct kernel (1.6e-5 against 3e-6), which two
 * TF.js comparisons at 1e-5 do not allow (test/seed-model.test.ts, three Adam steps of the
 * seed model's 32->16 convolution: loss 1.9e-5 off; test/examples-functional.test.ts, one
 * Adam step of ResNet-20's 16->16 ones: a weight 1.4e-4 off). Lowering it to 16 needs those
 * tests to pin the direct kernel. winogradTuning.minChannels4 switches it (benchmarks, tests,
 * and the decision whether 16 channels may take F(4x4): test/conv16.test.ts).
 */
export const WINOGRAD4_MIN_CHANNELS = 32;

/**
 * Tunables, changed by benchmarks and tests only (and where the decision on 16 channels is made).
 * F(4x4) at ResNet-20's 16 -> 16 on 32x32 (batch 64; bench/conv16.ts, one thread, CPU time,
 * side by side): 1.25-1.38x the direct kernel forward and for the input gradient, 1.5-1.8x
 * since its GEMMs (k = 16) lost their empty tail calls (assembly/gemm.ts), while the direct
 * kernel already runs at 80-97% of the multiply-add limit there. In ResNet-20's training step
 * (bench/profile-zoo.ts --winograd4-16-inputs, one thread, CPU time, load 5-15) those two
 * passes went from 26-32% of the step to 20-22%: 1.5-1.6x faster, about 10% off the step.
 * Its error against
 * float64 at 16 input channels is 1.6e-5 relative (direct 3.1e-6); at 32, already F(4x4)'s
 * default, 2.4e-5 (test/winograd4.test.ts prints both). Of the TF.js comparisons at 1e-5,
 * minChannels4 = 16 moves one: test/seed-model.test.ts, whose 32 -> 16 forward then sums 32
 * channels by F(4x4) (loss 1.9e-5 off after two Adam steps); sixteenInputChannels (F(4x4)
 * where exactly 16 input channels are summed, 16+ output channels: ResNet-20's 16 -> 16 both
 * ways, the seed's input gradient 16 -> 32) passes it, and is on: within the 1e-4
 * bound for Winograd, documented in README.
 */
export const winogradTuning = {
  /** Fewest channels (input and output) for which 'auto' picks F(4x4): WINOGRAD4_MIN_CHANNELS. */
  minChannels4: WINOGRAD4_MIN_CHANNELS,
  /** Whether 'auto' also picks F(4x4) where 16 input channels meet 16 or more output channels. */
  sixteenInputChannels: true,
  /** F(4x4)'s 36 GEMMs, and the im2col GEMM of convolutions with < 8 input channels (convGemm: the stems), by the 2x16 register tile where the output channels are a multiple of 16 (assembly/gemm-wide.ts; false: gemm's 4x8). */
  wideGemm: true,
  /** F(4x4)'s input transform: a tile right of the previous one takes its last two columns as its first two (false: all six computed, before/after). */
  reuseColumns: true,
  /** F(4x4)'s input transform: a block hanging over the image's border copied with its zeros into scratch first, then transformed as an inside one (false: read pixel by pixel with bounds tests, before/after). */
  gatherEdges: true,
  /** F(4x4)'s chunks of tiles between threads, where there are two panels' worth per thread: equal ones (false: whole panels, before/after). */
  evenChunks: true,
  /**
   * Up to this many tiles, from this many channel pairs (C * F), F(4x4) on two or more threads
   * splits by output channels instead of tiles (assembly/winograd4-columns.ts; the same bits
   * either way); columnSplitTiles 0: never (before/after). Measured on two threads, wall time,
   * fastest of 100 per round, medians of 9 rounds (bench/winograd-columns.ts; batch 1, weights
   * prepared), by columns over the tile split: 4 tiles (one chunk by tiles) at load ~1:
   * 128->128 1.72-1.79x, 64->128 1.37-1.73x, 64->64 1.50x (at load 4-8: 1.32x, 1.22x, 0.83-1.2x);
   * 9-16 tiles (4-tile chunks by tiles) 0.83-0.95x: each thread transforms every tile's input
   * (~10 us for 16 tiles of 32 channels), as much as half the GEMMs saves there.
   */
  columnSplitTiles: 4,
  columnSplitMinPairs: 64 * 64,
};

/**
 * The choice where the kernel's transform is done once, not every call (an inference plan's
 * prologue, compile/prologue.ts): only the tiles' transforms and GEMMs are left per call, and
 * Winograd pays on far fewer tiles. Measured at batch 1 side by side on one thread by CPU time
 * with the weights prepared (bench/winograd.ts --batch 1 --prepared [--pooled], 5 rounds, load
 * ~10; speed over direct, itself reading packed weights where it packs, F(2x2) / F(4x4)):
 *   ResNet 16->16 @32 0.83 / 2.00;  32->32 @16 1.00 / 1.84;  64->64 @8 1.51 / 2.48;
 *   VGG 32->32 @32 1.23 / 2.88;  32->64 @16 1.53 / 2.58;  dx 64->32 @16 1.29 / 2.66;
 *   64->64 @16 1.64 / 3.32;  64->128 @8 1.50 / 2.27;  dx 128->64 @8 1.45 / 2.57;
 *   128->128 @8 1.63 / 2.70;  convnet 32->64 @11 1.45 / 1.66;  AE 32->64 @14 1.77 / 2.40;
 *   AE 64->32 @28 1.24 / 2.23;  pooled: VGG 32->32 @32 1.18 / 2.71, 64->64 @16 1.44 / 2.68,
 *   128->128 @8 1.46 / 2.50, AE 32->64 @14 1.65 / 1.87;
 *   4x4 maps (one F(4x4) tile, whose 36 GEMMs have one row each): 128->128 1.21 / 0.77,
 *   64->64 1.16 / 0.70, 32->32 1.44 / 0.79;  2x2 (one F(2x2) tile): 64->64 0.77 / 1.22 (noise).
 * So F(4x4) from 4 tiles (within its channel rules: its error bound keeps it to 128 input
 * channels), else F(2x2) from 4 tiles with 32+ channels each way.
 */
export const preparedTuning = {
  minTiles4: 4, minTiles2: 4,
  /**
   * With prepared weights, F(4x4) also where minChannels4 input channels meet 16 to 31 output
   * channels (the seed model's 32 -> 16: its error is the 32 summed channels' of 32 -> 32,
   * which already takes F(4x4)). Batch 1, one thread, CPU time over direct (bench/winograd.ts
   * --batch 1 --prepared [--pooled], 9 rounds, load 4): seed 32->16 @14 pooled 1.86x, plain
   * 1.63x; 32->16 @28 pooled 2.62x, plain 2.37x; 64->16 @8 2.31x; 128->16 @8 2.41x (false: before).
   */
  sixteenOutputChannels: true,
};

export function winograd4Pays(i: ConvInfo, weightsPrepared = false): boolean {
  const tiles = i.batch * Math.ceil(i.outH / 4) * Math.ceil(i.outW / 4);
  const fewOutputs = weightsPrepared && preparedTuning.sixteenOutputChannels && i.inC >= winogradTuning.minChannels4 && i.outC >= 16;
  const channels = Math.min(i.inC, i.outC) >= winogradTuning.minChannels4 || (winogradTuning.sixteenInputChannels && i.inC === 16 && i.outC >= 16) || fewOutputs;
  return channels && i.inC <= 128 && tiles >= (weightsPrepared ? preparedTuning.minTiles4 : 16);
}

/**
 * The algorithm a convolution runs ('auto': winograd4Pays, then F(2x2) by winogradPays or, on
 * the few tiles F(4x4) leaves, at 128+ channels each way, where 128->128 on 8x8 at batch 1
 * measured 1.34x and 1.44x direct): null for the non-Winograd paths.
 */
export function winogradChoice(i: ConvInfo, forced: ConvAlgorithm, weightsPrepared = false): 'winograd' | 'winograd4' | null {
  if (!winogradFits(i) || forced === 'direct') return null;
  if (forced !== 'auto') return forced;
  if (winograd4Pays(i, weightsPrepared)) return 'winograd4';
  const tiles2 = i.batch * Math.ceil(i.outH / 2) * Math.ceil(i.outW / 2);
  if (weightsPrepared && Math.min(i.inC, i.outC) >= 32 && tiles2 >= preparedTuning.minTiles2) return 'winograd';
  return winogradPays(i) || (Math.min(i.inC, i.outC) >= 128 && tiles2 >= 16) ? 'winograd' : null;
}

/** Tiles per panel of F(4x4): V and M (36 * panel * (C + F) floats) within ~384 KB of L2, 8..64 tiles. */
export function winograd4Panel(C: number, F: number): number {
  const fit = Math.floor(384 * 1024 / (36 * 4 * (C + F)));
  return Math.max(8, Math.min(64, fit & ~3));
}

/** U = G g G^T of F(4x4, 3x3) ([36, C, F] floats at u) for the [3, 3, C, F] kernel at pw, on all threads. */
export function winograd4Weights(h: KernelHost, pw: number, u: number, C: number, F: number): void {
  const CF = C * F;
  const wChunk = CF < 1 << 14 ? CF : h.chunk(CF, 4);
  const wTmp = h.scratch(Math.ceil(CF / wChunk) * 72 * 4);
  h.par('winograd4Weights', [pw, u, wTmp, CF, wChunk], CF, 4, wChunk); // assembly/winograd4.ts
}

/** U = G g G^T of F(2x2, 3x3) ([16, C, F] floats at u), on all threads. */
export function winogradWeights(h: KernelHost, pw: number, u: number, C: number, F: number): void {
  const CF = C * F;
  h.par('winogradWeights', [pw, u, CF], CF, 4, CF < 1 << 14 ? CF : undefined); // assembly/winograd-weights.ts
}

/** Floats of per-chunk scratch for the transforms (36 * C more for the input's blocks, 36 * C for a gathered edge block), and between matrices (WINOGRAD4_TMP, WINOGRAD4_SKEW in assembly/winograd4.ts). */
const WINOGRAD4_TMP = 160, WINOGRAD4_SKEW = 16;

/**
 * out = act(conv(x, w) + bias (+ residual)) by Winograd F(4x4, 3x3): the kernel transformed
 * (U = G g G^T, [36, C, F]) into scratch on all threads, then the tiles split between threads.
 * pb / pr 0: no bias / residual.
 */
export function winograd4(h: KernelHost, px: number, pw: number, pb: number, pr: number, po: number, info: ConvInfo, act: number, callingThreadOnly: boolean, prepared = 0): void {
  const { inC: C, outC: F } = info;
  let u = prepared;
  if (!u) winograd4Weights(h, pw, (u = h.scratch(36 * C * F * 4)), C, F);
  const tiles = info.batch * Math.ceil(info.outH / 4) * Math.ceil(info.outW / 4);
  const panel = winograd4Panel(C, F);
  if (!callingThreadOnly && winograd4ByColumns(h, tiles, C, F)) {
    // Few tiles: each thread all of them for its output channels (one slice of U each).
    const chunk = Math.ceil(F / h.threads() / 16) * 16;
    const scratch = h.scratch(Math.ceil(F / chunk) * (36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP) * 4);
    h.par('winograd4ConvColumns', [px, u, pb, pr, po, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, act, panel, tiles, chunk, winogradTuning.reuseColumns ? 1 : 0, winogradTuning.gatherEdges ? 1 : 0], F, 16, chunk);
    return;
  }
  // With tiles for two panels per thread, chunks of equal tiles (a chunk's last panel may be
  // shorter), not whole panels: at batch 256 whole panels of 20 split ResNet-20's 1024 tiles on
  // 8x8 maps 560 / 464 between two threads, at batch 64 its 1024 on 16x16 480 / 544. Where F is
  // a multiple of 8, a tile's sums are the same however the GEMMs' rows are grouped (gemm and
  // gemmWide add a row's products in k's order); otherwise gemm's 4-row tile leaves the last
  // columns to a scalar tail that a lone row does by vector, so chunks (and with them panels)
  // start at multiples of 4 tiles, as on one thread. Either way no bit changes with the thread
  // count (test/resnet-b256.test.ts). Few tiles (batch 1): chunks of 4.
  const few = tiles < 2 * h.threads() * panel;
  const chunk = callingThreadOnly ? tiles : few ? h.chunk(tiles, 4) : h.chunk(tiles, !winogradTuning.evenChunks ? panel : F % 8 === 0 ? 1 : 4);
  const scratch = h.scratch(Math.ceil(tiles / chunk) * (36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP) * 4);
  const flags = [winogradTuning.wideGemm, winogradTuning.reuseColumns, winogradTuning.gatherEdges].map((on) => (on ? 1 : 0));
  h.par('winograd4Conv', [px, u, pb, pr, po, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, act, panel, chunk, ...flags], tiles, 1, chunk);
}

/**
 * Whether F(4x4) splits by output channels (winograd4ConvColumns): two or more threads, few
 * tiles and enough channels (winogradTuning.columnSplitTiles: 4 tiles are one chunk by
 * tiles, so one thread), 16-column slices for every thread (the 2x16 GEMM tile).
 */
function winograd4ByColumns(h: KernelHost, tiles: number, C: number, F: number): boolean {
  return h.threads() > 1 && winogradTuning.wideGemm && tiles <= winogradTuning.columnSplitTiles && F % 16 === 0 && F >= 16 * h.threads() &&
    C * F >= winogradTuning.columnSplitMinPairs;
}
