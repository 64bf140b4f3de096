// Colormaps: a value in [0, 1] to an RGB colour, as matplotlib's named maps. The perceptual
// maps are piecewise-linear through published stops (viridis and magma at 11 and 6 points).
export type RGB = [number, number, number];

const hex = (h: string): RGB => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

function through(stops: string[]): (t: number) => RGB {
  const colors = stops.map(hex);
  return (t) => {
    const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (colors.length - 1);
    const i = Math.min(Math.floor(x), colors.length - 2), f = x - i;
    return colors[i].map((c, k) => Math.round(c + (colors[i + 1][k] - c) * f)) as RGB;
  };
}

export const colormaps: Record<string, (t: number) => RGB> = {
  viridis: through(['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725']),
  magma: through(['#000004', '#3b0f70', '#8c2981', '#de4968', '#fe9f6d', '#fcfdbf']),
  gray: through(['#000000', '#ffffff']),
  hot: through(['#0b0000', '#ff0000', '#ffff00', '#ffffff']),
  Blues: through(['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b']),
  RdBu: through(['#67001f', '#d6604d', '#f7f7f7', '#4393c3', '#053061']),
};
export type ColormapName = keyof typeof colormaps;

export function getColormap(name: string): (t: number) => RGB {
  const map = colormaps[name];
  if (!map) throw new Error(`unknown colormap '${name}', expected one of ${Object.keys(colormaps).join(', ')}`);
  return map;
}

/** matplotlib's default colour cycle (tab10), for lines. */
export const CYCLE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
