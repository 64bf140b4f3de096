// Launch of the Winograd filter gradients, F(2x2, 3x3) (assembly/winograd-filter-grad.ts) and
// F(4x4, 3x3) (assembly/winograd-filter-grad4.ts): threads over tiles, each chunk accumulating
// its own transformed-kernel gradient dU ([16 or 36, C, F]); the partials summed (sumRows),
// then dW = G^T dU G on all threads.
import type { ConvInfo } from '../backend.ts';
import type { KernelHost } from './conv-kernels.ts';
import { trainTuning, winogradFilterGradTileFor, winogradFilterGradTilesOuter, winogradTiles } from './train-kernels.ts';

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
export function winogradFilterGrad(h: KernelHost, px: number, pdy: number, pdw: number, info: ConvInfo, m: 2 | 4 = winogradFilterGradTileFor(info)): void {
  const { inC: C, outC: F } = info, CF = C * F, panel = trainTuning.winogradFilterGradPanel;
  const elements = (m + 2) ** 2, total = winogradTiles(info, m);
  const chunk = winogradFilterGradChunk(h.chunk(total, panel), total, h.threads(), panel), parts = Math.ceil(total / chunk);
  const partials = h.scratch(parts * elements * CF * 4);
  // Per chunk (the kernels' planeBytes): each plane one cache line longer; F(4x4) 36 vectors more.
  const perChunk = elements * (panel * (C + F) + 32) + (m === 4 ? 144 : 0);
  const scratch = h.scratch(parts * perChunk * 4);
  const [kernel, output] = m === 2 ? ['winogradFilterGrad', 'winogradFilterGradOutput'] : ['winogradFilterGrad4', 'winogradFilterGrad4Output'];
  const geometry = [px, pdy, partials, scratch, info.inH, info.inW, C, info.outH, info.outW, F, info.padTop, info.padLeft, panel];
  h.par(kernel, m === 2 ? [...geometry, chunk] : [...geometry, winogradFilterGradTilesOuter(info), chunk], total, panel, chunk);
  let du = partials;
  if (parts > 1) {
    du = h.scratch(elements * CF * 4);
    h.par('sumRows', [partials, du, parts, elements * CF], elements * CF, 4);
  }
  h.par(output, [du, pdw, CF], CF, 4, CF < 1 << 14 ? CF : undefined);
}
