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

/** The algorithm a convolution runs: null for the non-Winograd paths. */
export function winogradChoice(i: ConvInfo, forced: ConvAlgorithm): 'winograd' | 'winograd4' | null {
  if (!winogradFits(i) || forced === 'direct') return null;
  if (forced !== 'auto') return forced;
  return winogradPays(i) ? 'winograd' : null;
}

/** Tiles per panel of F(4x4): V and M (36 * panel * (C + F) floats) within ~384 KB of L2, 8..64 tiles. */
export function winograd4Panel(C: number, F: number): number {
  const fit = Math.floor(384 * 1024 / (36 * 4 * (C + F)));
  return Math.max(8, Math.min(64, fit & ~3));
}

/** Floats of per-chunk scratch for the transforms (WINOGRAD4_TMP in assembly/winograd4.ts). */
const WINOGRAD4_TMP = 160;

/**
 * out = act(conv(x, w) + bias (+ residual)) by Winograd F(4x4, 3x3): the kernel transformed
 * (U = G g G^T, [36, C, F]) into scratch on all threads, then the tiles split between threads.
 * pb / pr 0: no bias / residual.
 */
export function winograd4(h: KernelHost, px: number, pw: number, pb: number, pr: number, po: number, info: ConvInfo, act: number, callingThreadOnly: boolean): void {
  const { inC: C, outC: F } = info, CF = C * F;
  const u = h.scratch(36 * CF * 4);
  const wChunk = CF < 1 << 14 ? CF : h.chunk(CF, 4);
  const wTmp = h.scratch(Math.ceil(CF / wChunk) * 72 * 4);
  h.par('winograd4Weights', [pw, u, wTmp, CF, wChunk], CF, 4, wChunk); // assembly/winograd4.ts
  const tiles = info.batch * Math.ceil(info.outH / 4) * Math.ceil(info.outW / 4);
  const panel = winograd4Panel(C, F);
  const chunk = callingThreadOnly ? tiles : h.chunk(tiles, panel);
  const scratch = h.scratch(Math.ceil(tiles / chunk) * (36 * panel * (C + F) + WINOGRAD4_TMP) * 4);
  h.par('winograd4Conv', [px, u, pb, pr, po, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, act, panel, chunk], tiles, 1, chunk);
}
