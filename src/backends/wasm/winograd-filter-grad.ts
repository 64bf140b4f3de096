// Launch of the Winograd F(2x2, 3x3) filter gradient (assembly/winograd-filter-grad.ts):
// threads over tiles, each chunk accumulating its own transformed-kernel gradient dU
// ([16, C, F]); the partials summed (sumRows), then dW = G^T dU G on all threads.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';
import { trainTuning } from './train-kernels.ts';

/** Tiles of a 3x3 stride-1 convolution's F(2x2, 3x3) grid over the whole batch. */
export const winogradTiles = (i: ConvInfo): number => i.batch * Math.ceil(i.outH / 2) * Math.ceil(i.outW / 2);

/**
 * Tiles per chunk: each chunk's partial dU costs about one tile's multiply-adds per value to
 * sum, so the pool's chunks (several per thread, for work stealing) are kept while they hold
 * 256 tiles or more (under 0.5% extra); below, fewer and larger chunks, down to one per thread.
 */
export function winogradFilterGradChunk(poolChunk: number, total: number, threads: number, panel: number): number {
  const wanted = Math.min(Math.ceil(total / threads), 256);
  return Math.max(poolChunk, Math.ceil(wanted / panel) * panel);
}

/** dW [3, 3, C, F] of a 3x3, stride-1, dilation-1 ungrouped convolution with C and F % 4 == 0. */
export function winogradFilterGrad(h: KernelHost, px: number, pdy: number, pdw: number, info: ConvInfo): void {
  const { inC: C, outC: F } = info, CF = C * F, panel = trainTuning.winogradFilterGradPanel;
  const total = winogradTiles(info);
  const chunk = winogradFilterGradChunk(h.chunk(total, panel), total, h.threads(), panel), parts = Math.ceil(total / chunk);
  const partials = h.scratch(parts * 16 * CF * 4);
  const scratch = h.scratch(parts * 16 * (panel * (C + F) + 32) * 4); // planeBytes in the kernel
  h.par('winogradFilterGrad', [px, pdy, partials, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, panel, chunk], total, panel, chunk);
  let du = partials;
  if (parts > 1) {
    du = h.scratch(16 * CF * 4);
    h.par('sumRows', [partials, du, parts, 16 * CF], 16 * CF, 4);
  }
  h.par('winogradFilterGradOutput', [du, pdw, CF], CF, 4, CF < 1 << 14 ? CF : undefined);
}
