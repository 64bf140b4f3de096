// Plotting with matplotlib's vocabulary: figures saved as PNG (rendered by resvg) or SVG.
export * from './pyplot.ts';
export { Figure, Axes, Rectangle, niceTicks, type ImageHandle, type FigureOptions, type ImshowOptions, type PlotOptions, type RectangleOptions } from './figure.ts';
export { colormaps, getColormap, CYCLE } from './colormaps.ts';
export { plotKernels, plotFeatureMaps, plotHistory, plotConfusionMatrix, confusionMatrix } from './models.ts';
export { decodePng } from './render.ts';
export { Report } from './report.ts';
