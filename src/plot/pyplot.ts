// The stateful pyplot interface the seed notebook uses: plt.figure(), plt.subplot(1, 5, i),
// plt.imshow(x, {cmap: 'gray'}), plt.gca().addPatch(...), plt.savefig('out/x.png').
import { Figure, type Axes, type FigureOptions, type ImageData2D, type ImageHandle, type ImshowOptions, type PlotOptions, type LegendLoc } from './figure.ts';

let current: Figure | undefined;
const fig = (): Figure => (current ??= new Figure());

export const figure = (options: FigureOptions = {}): Figure => (current = new Figure(options));
export const gcf = (): Figure => fig();
export const gca = (): Axes => fig().gca();
export const subplot = (rows: number, cols: number, index: number): Axes => fig().subplot(rows, cols, index);
export const imshow = (data: ImageData2D, options?: ImshowOptions): ImageHandle => gca().imshow(data, options);
export function plot(xsOrYs: number[], ysOrOptions?: number[] | PlotOptions, options?: PlotOptions): Axes {
  return gca().plot(xsOrYs, ysOrOptions, options);
}
export const title = (text: string): Axes => gca().setTitle(text);
export const xlabel = (text: string): Axes => gca().setXlabel(text);
export const ylabel = (text: string): Axes => gca().setYlabel(text);
export const legend = (options?: { loc?: LegendLoc }): Axes => gca().legend(options);
export const colorbar = (image?: ImageHandle): void => fig().colorbar(image);
export const suptitle = (text: string): void => fig().suptitle(text);
/** Saves the current figure, then starts a fresh one for the next drawing. */
export function savefig(path: string): void {
  fig().savefig(path);
  current = undefined;
}
export const close = (): void => { current = undefined; };
