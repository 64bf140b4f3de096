// Figures and axes with matplotlib's vocabulary and defaults (6.4x4.8 inches at 100 dpi,
// DejaVu Sans, the tab10 colour cycle), drawn as SVG and rendered to PNG by resvg.
import { Tensor } from '../core/tensor.ts';
import { CYCLE, getColormap, type RGB } from './colormaps.ts';
import { FONT_FAMILY, encodePng, svgToPng } from './render.ts';
import { toBase64 } from './png.ts';
import { nodeBuiltin } from '../core/node-only.ts';

export type ImageData2D = Tensor | number[][];
interface Box { x: number; y: number; w: number; h: number }

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const rgb = (c: RGB): string => `rgb(${c[0]},${c[1]},${c[2]})`;

/** "Nice" tick positions (steps of 1, 2, 2.5 or 5 times a power of ten) within [lo, hi]. */
export function niceTicks(lo: number, hi: number, maxTicks: number): number[] {
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const span = b - a || Math.abs(a) || 1;
  for (const scale of [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7]) {
    for (const m of [1, 2, 2.5, 5]) {
      const step = m * scale;
      if (span / step > maxTicks) continue;
      const ticks: number[] = [];
      for (let t = Math.ceil(a / step - 1e-9) * step; t <= b + 1e-9 * span; t += step) ticks.push(Math.round(t / step) * step);
      return ticks;
    }
  }
  return [a, b];
}

/** A tick value with as many decimals as the step needs (0.25 -> 2, 0.5 -> 1, 5 -> 0). */
function tickLabel(v: number, step: number): string {
  let decimals = 0;
  while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
  const s = v.toFixed(decimals);
  return s.startsWith('-') ? `\u2212${s.slice(1)}` : s; // matplotlib's minus sign
}

export interface RectangleOptions { edgecolor?: string; facecolor?: string; linewidth?: number }

/** matplotlib.patches.Rectangle: lower-left (x, y) in data coordinates, width, height. */
export class Rectangle {
  constructor(readonly xy: [number, number], readonly width: number, readonly height: number, readonly options: RectangleOptions = {}) {}
}

export interface ImshowOptions { cmap?: string; vmin?: number; vmax?: number }
export interface PlotOptions { label?: string; color?: string; linewidth?: number; marker?: 'o' | null }

/** What imshow returns (colorbar needs it). */
export interface ImageHandle { axes: Axes; cmap: string; vmin: number; vmax: number }

function toRows(data: ImageData2D, what: string): { rows: number; cols: number; values: ArrayLike<number> } {
  if (data instanceof Tensor) {
    const t = data.rank === 3 && data.shape[2] === 1 ? data.reshape([data.shape[0], data.shape[1]]) : data;
    if (t.rank !== 2) throw new Error(`${what}: expected a 2-D image (or [h, w, 1]), got shape [${data.shape}]`);
    return { rows: t.shape[0], cols: t.shape[1], values: t.data };
  }
  if (!Array.isArray(data) || !Array.isArray(data[0])) throw new Error(`${what}: expected a Tensor or a 2-D array`);
  const cols = data[0].length;
  if (data.some((r) => r.length !== cols)) throw new Error(`${what}: rows of different lengths`);
  return { rows: data.length, cols, values: data.flat() };
}

/** Where a legend goes, as matplotlib's loc names it. */
export type LegendLoc = 'best' | 'upper right' | 'upper left' | 'lower left' | 'lower right' | 'right' | 'center left' | 'center right' | 'lower center' | 'upper center' | 'center';
const LEGEND_LOCS: readonly LegendLoc[] = ['best', 'upper right', 'upper left', 'lower left', 'lower right', 'right', 'center left', 'center right', 'lower center', 'upper center', 'center'];

/** The top-left corner of a w x h legend at `loc` inside the axes box, `pad` from its edges. */
function legendPlace(loc: Exclude<LegendLoc, 'best'> | 'best', b: Box, w: number, h: number, pad: number): { x: number; y: number } {
  const left = b.x + pad, right = b.x + b.w - w - pad, midX = b.x + (b.w - w) / 2;
  const top = b.y + pad, bottom = b.y + b.h - h - pad, midY = b.y + (b.h - h) / 2;
  switch (loc) {
    case 'upper left': return { x: left, y: top };
    case 'lower left': return { x: left, y: bottom };
    case 'lower right': return { x: right, y: bottom };
    case 'right': case 'center right': return { x: right, y: midY };
    case 'center left': return { x: left, y: midY };
    case 'lower center': return { x: midX, y: bottom };
    case 'upper center': return { x: midX, y: top };
    case 'center': return { x: midX, y: midY };
    default: return { x: right, y: top }; // upper right
  }
}

/** Whether the segment p-q passes through the box (Liang-Barsky clipping). */
function segmentCrossesBox(p: number[], q: number[], box: { x0: number; y0: number; x1: number; y1: number }): boolean {
  const dx = q[0] - p[0], dy = q[1] - p[1];
  let t0 = 0, t1 = 1;
  for (const [den, num] of [[-dx, p[0] - box.x0], [dx, box.x1 - p[0]], [-dy, p[1] - box.y0], [dy, box.y1 - p[1]]]) {
    if (den === 0) { if (num < 0) return false; continue; }
    const t = num / den;
    if (den < 0) t0 = Math.max(t0, t); else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

export class Axes {
  private image?: { rgba: Uint8Array; rows: number; cols: number; handle: ImageHandle };
  private readonly lines: { xs: number[]; ys: number[]; color: string; label?: string; linewidth: number; marker: 'o' | null }[] = [];
  private readonly patches: Rectangle[] = [];
  private readonly texts: { x: number; y: number; text: string; color: string; size: number }[] = [];
  private titleText = '';
  private labels = { x: '', y: '' };
  private legendLoc: LegendLoc | null = null;
  private ticksOn = true;
  colorbarFor?: ImageHandle;

  constructor(readonly figure: Figure, private readonly slot: Box) {}

  /** Shows a 2-D array as an image, one cell per value (row 0 at the top), as plt.imshow. */
  imshow(data: ImageData2D, { cmap = 'viridis', vmin, vmax }: ImshowOptions = {}): ImageHandle {
    const { rows, cols, values } = toRows(data, 'imshow');
    let lo = vmin ?? Infinity, hi = vmax ?? -Infinity;
    if (vmin === undefined || vmax === undefined) {
      for (let i = 0; i < values.length; i++) {
        if (vmin === undefined && values[i] < lo) lo = values[i];
        if (vmax === undefined && values[i] > hi) hi = values[i];
      }
    }
    const map = getColormap(cmap);
    const rgba = new Uint8Array(rows * cols * 4);
    for (let i = 0; i < rows * cols; i++) {
      const c = map(hi > lo ? (values[i] - lo) / (hi - lo) : 0);
      rgba.set([c[0], c[1], c[2], 255], i * 4);
    }
    const handle = { axes: this, cmap, vmin: lo, vmax: hi };
    this.image = { rgba, rows, cols, handle };
    return handle;
  }

  /** plot(ys) or plot(xs, ys): a line, in the next colour of the cycle. */
  plot(xsOrYs: number[], ysOrOptions?: number[] | PlotOptions, options: PlotOptions = {}): this {
    const [xs, ys, opts] = Array.isArray(ysOrOptions) ? [xsOrYs, ysOrOptions, options] : [xsOrYs.map((_, i) => i), xsOrYs, ysOrOptions ?? {}];
    if (xs.length !== ys.length) throw new Error(`plot: x and y have different lengths (${xs.length} and ${ys.length})`);
    this.lines.push({ xs, ys, color: opts.color ?? CYCLE[this.lines.length % CYCLE.length], label: opts.label, linewidth: opts.linewidth ?? 1.5, marker: opts.marker ?? null });
    return this;
  }

  addPatch(p: Rectangle): Rectangle { this.patches.push(p); return p; }
  /** Text at data coordinates, centred (used for the values of a confusion matrix). */
  text(x: number, y: number, text: string, { color = 'black', size = 10 }: { color?: string; size?: number } = {}): this {
    this.texts.push({ x, y, text, color, size });
    return this;
  }
  setTitle(t: string): this { this.titleText = t; return this; }
  setXlabel(t: string): this { this.labels.x = t; return this; }
  setYlabel(t: string): this { this.labels.y = t; return this; }
  /** A legend of the labelled lines; 'best' (matplotlib's default) avoids the data. */
  legend({ loc = 'best' }: { loc?: LegendLoc } = {}): this {
    if (!LEGEND_LOCS.includes(loc)) throw new Error(`legend: loc must be one of ${LEGEND_LOCS.join(', ')}, got '${loc}'`);
    this.legendLoc = loc;
    return this;
  }
  /** Hides ticks and their labels (grids of small images). */
  axisOff(): this { this.ticksOn = false; return this; }

  /** What the last imshow on these axes returned (colorbar's default). */
  get imageHandle(): ImageHandle | undefined { return this.image?.handle; }

  /** The data limits: an image's cell edges, or the lines' range with matplotlib's 5% margins. */
  private limits(): { x: [number, number]; y: [number, number] } {
    if (this.image) return { x: [-0.5, this.image.cols - 0.5], y: [this.image.rows - 0.5, -0.5] };
    const xs = this.lines.flatMap((l) => l.xs), ys = this.lines.flatMap((l) => l.ys);
    const span = (v: number[]): [number, number] => {
      if (v.length === 0) return [0, 1];
      let lo = Infinity, hi = -Infinity; // a loop: Math.min(...v) overflows the stack on long series
      for (const e of v) { if (e < lo) lo = e; if (e > hi) hi = e; }
      const m = (hi - lo || 1) * 0.05;
      return [lo - m, hi + m];
    };
    return { x: span(xs), y: span(ys) };
  }

  /** Where the axes' frame is drawn: an image keeps square cells (aspect 'equal'), centred. */
  get box(): Box {
    const s = { ...this.slot, w: this.colorbarFor ? this.slot.w * 0.8 : this.slot.w };
    if (!this.image) return s;
    const aspect = this.image.rows / this.image.cols;
    return s.h / s.w > aspect ? { x: s.x, y: s.y + (s.h - s.w * aspect) / 2, w: s.w, h: s.w * aspect }
      : { x: s.x + (s.w - s.h / aspect) / 2, y: s.y, w: s.h / aspect, h: s.h };
  }

  /** Pixel position (in the figure) of a data point. */
  dataToPixel(x: number, y: number): [number, number] {
    return this.toPixel(this.limits(), this.box)(x, y);
  }

  /** dataToPixel for many points: the limits and the box computed once (per point, a line of n points costs n^2). */
  private toPixel({ x: [x0, x1], y: [yb, yt] }: { x: [number, number]; y: [number, number] }, b: Box): (x: number, y: number) => [number, number] {
    return (x, y) => [b.x + ((x - x0) / (x1 - x0)) * b.w, b.y + ((yt - y) / (yt - yb)) * b.h];
  }

  toSVG(): string {
    const b = this.box, pt = this.figure.dpi / 72, font = 10 * pt;
    const out: string[] = [];
    const limits = this.limits(), { x: xl, y: yl } = limits;
    const toPixel = this.toPixel(limits, b);
    if (this.image) {
      const href = `data:image/png;base64,${toBase64(this.pixelated(b))}`;
      out.push(`<image x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" preserveAspectRatio="none" image-rendering="optimizeSpeed" style="image-rendering:pixelated" href="${href}"/>`);
    }
    out.push(`<g clip-path="url(#clip${this.index})">`);
    for (const l of this.lines) {
      const pts = l.xs.map((x, i) => toPixel(x, l.ys[i]).map((v) => v.toFixed(2)).join(',')).join(' ');
      out.push(`<polyline points="${pts}" fill="none" stroke="${l.color}" stroke-width="${l.linewidth * pt}" stroke-linejoin="round" stroke-linecap="square"/>`);
      if (l.marker === 'o') for (let i = 0; i < l.xs.length; i++) { const [px, py] = toPixel(l.xs[i], l.ys[i]); out.push(`<circle cx="${px}" cy="${py}" r="${3 * pt}" fill="${l.color}"/>`); }
    }
    for (const p of this.patches) {
      const [x0, y0] = toPixel(p.xy[0], p.xy[1]), [x1, y1] = toPixel(p.xy[0] + p.width, p.xy[1] + p.height);
      const o = p.options;
      out.push(`<rect x="${Math.min(x0, x1)}" y="${Math.min(y0, y1)}" width="${Math.abs(x1 - x0)}" height="${Math.abs(y1 - y0)}" fill="${o.facecolor ?? 'none'}" stroke="${o.edgecolor ?? 'black'}" stroke-width="${(o.linewidth ?? 1) * pt}"/>`);
    }
    for (const t of this.texts) {
      const [px, py] = toPixel(t.x, t.y);
      out.push(`<text x="${px}" y="${py}" font-size="${t.size * pt}" fill="${t.color}" text-anchor="middle" dominant-baseline="central">${esc(t.text)}</text>`);
    }
    out.push('</g>');
    // Frame, ticks and labels.
    out.push(`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="none" stroke="black" stroke-width="${0.8 * pt}"/>`);
    if (this.ticksOn) {
      const tick = 3.5 * pt;
      const xt = niceTicks(xl[0], xl[1], Math.max(2, Math.floor(b.w / (font * 4)))), yt = niceTicks(yl[0], yl[1], Math.max(2, Math.floor(b.h / (font * 3))));
      const step = (t: number[]): number => (t.length > 1 ? Math.abs(t[1] - t[0]) : 1);
      for (const v of xt) {
        const [px] = toPixel(v, 0);
        out.push(`<line x1="${px}" y1="${b.y + b.h}" x2="${px}" y2="${b.y + b.h + tick}" stroke="black" stroke-width="${0.8 * pt}"/>`);
        out.push(`<text x="${px}" y="${b.y + b.h + tick + 3.5 * pt + font * 0.8}" font-size="${font}" text-anchor="middle">${tickLabel(v, step(xt))}</text>`);
      }
      for (const v of yt) {
        const [, py] = toPixel(0, v);
        out.push(`<line x1="${b.x - tick}" y1="${py}" x2="${b.x}" y2="${py}" stroke="black" stroke-width="${0.8 * pt}"/>`);
        out.push(`<text x="${b.x - tick - 3.5 * pt}" y="${py + font * 0.35}" font-size="${font}" text-anchor="end">${tickLabel(v, step(yt))}</text>`);
      }
    }
    if (this.titleText) out.push(`<text x="${b.x + b.w / 2}" y="${b.y - 6 * pt}" font-size="${12 * pt}" text-anchor="middle">${esc(this.titleText)}</text>`);
    if (this.labels.x) out.push(`<text x="${b.x + b.w / 2}" y="${b.y + b.h + 3.5 * pt + font * 2.3}" font-size="${font}" text-anchor="middle">${esc(this.labels.x)}</text>`);
    if (this.labels.y) out.push(`<text transform="translate(${b.x - font * 3.2},${b.y + b.h / 2}) rotate(-90)" font-size="${font}" text-anchor="middle">${esc(this.labels.y)}</text>`);
    if (this.legendLoc) out.push(this.legendSVG(b, pt, font, this.legendLoc));
    if (this.colorbarFor) out.push(this.colorbarSVG(b, pt, font));
    return `<defs><clipPath id="clip${this.index}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"/></clipPath></defs>${out.join('')}`;
  }

  private get index(): number { return this.figure.axes.indexOf(this); }

  /**
   * The image as PNG, each cell repeated to about its size on the figure: sharp cells whatever
   * smoothing the renderer (resvg, a browser) applies when it scales an image.
   */
  private pixelated(b: Box): Uint8Array {
    const { rgba, rows, cols } = this.image!;
    const k = Math.max(1, Math.min(64, Math.ceil(b.w / cols)));
    const out = new Uint8Array(rows * k * cols * k * 4);
    for (let y = 0; y < rows * k; y++) {
      for (let x = 0; x < cols * k; x++) out.set(rgba.subarray(((Math.floor(y / k) * cols) + Math.floor(x / k)) * 4, ((Math.floor(y / k) * cols) + Math.floor(x / k)) * 4 + 4), (y * cols * k + x) * 4);
    }
    return encodePng(cols * k, rows * k, out);
  }

  private legendSVG(b: Box, pt: number, font: number, loc: LegendLoc): string {
    const items = this.lines.filter((l) => l.label);
    if (items.length === 0) return '';
    const rowH = font * 1.4, w = Math.max(...items.map((l) => l.label!.length)) * font * 0.6 + 40 * pt, h = items.length * rowH + 8 * pt;
    const { x, y } = loc === 'best' ? this.bestLegendPlace(b, w, h, 6 * pt) : legendPlace(loc, b, w, h, 6 * pt);
    const rows = items.map((l, i) => {
      const cy = y + 4 * pt + rowH * (i + 0.5);
      return `<line x1="${x + 6 * pt}" y1="${cy}" x2="${x + 26 * pt}" y2="${cy}" stroke="${l.color}" stroke-width="${l.linewidth * pt}"/>` +
        `<text x="${x + 32 * pt}" y="${cy + font * 0.35}" font-size="${font}">${esc(l.label!)}</text>`;
    });
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${2 * pt}" fill="white" fill-opacity="0.8" stroke="#cccccc"/>${rows.join('')}`;
  }

  /**
   * matplotlib's 'best': of the nine places, in its order, the first where the legend box
   * covers the fewest line vertices and crosses the fewest line segments.
   */
  private bestLegendPlace(b: Box, w: number, h: number, pad: number): { x: number; y: number } {
    const toPixel = this.toPixel(this.limits(), this.box);
    const paths = this.lines.map((l) => l.xs.map((x, i) => toPixel(x, l.ys[i])));
    let best = legendPlace('upper right', b, w, h, pad), least = Infinity;
    for (const loc of LEGEND_LOCS.slice(1)) {
      const at = legendPlace(loc, b, w, h, pad);
      const box = { x0: at.x, y0: at.y, x1: at.x + w, y1: at.y + h };
      let badness = 0;
      for (const p of paths) {
        p.forEach(([px, py], i) => {
          if (px >= box.x0 && px <= box.x1 && py >= box.y0 && py <= box.y1) badness++;
          if (i > 0 && segmentCrossesBox(p[i - 1], [px, py], box)) badness++;
        });
      }
      if (badness < least) { least = badness; best = at; }
      if (badness === 0) break;
    }
    return best;
  }

  private colorbarSVG(b: Box, pt: number, font: number): string {
    const { cmap, vmin, vmax } = this.colorbarFor!;
    const map = getColormap(cmap), x = b.x + b.w + 0.05 * this.slot.w, w = Math.max(8, 0.05 * this.slot.w), n = 64;
    const cells = Array.from({ length: n }, (_, i) => {
      const y = b.y + b.h - ((i + 1) * b.h) / n;
      return `<rect x="${x}" y="${y}" width="${w}" height="${b.h / n + 0.5}" fill="${rgb(map((i + 0.5) / n))}"/>`;
    });
    const ticks = niceTicks(vmin, vmax, Math.max(2, Math.floor(b.h / (font * 2.5))));
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    const labels = ticks.map((v) => {
      const y = b.y + b.h - ((v - vmin) / (vmax - vmin || 1)) * b.h;
      return `<line x1="${x + w}" y1="${y}" x2="${x + w + 3.5 * pt}" y2="${y}" stroke="black" stroke-width="${0.8 * pt}"/>` +
        `<text x="${x + w + 7 * pt}" y="${y + font * 0.35}" font-size="${font}">${tickLabel(v, step)}</text>`;
    });
    return `${cells.join('')}<rect x="${x}" y="${b.y}" width="${w}" height="${b.h}" fill="none" stroke="black" stroke-width="${0.8 * pt}"/>${labels.join('')}`;
  }
}

export interface FigureOptions { figsize?: [number, number]; dpi?: number }

export class Figure {
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
  readonly axes: Axes[] = [];
  private current?: Axes;
  private supTitle = '';

  constructor({ figsize = [6.4, 4.8], dpi = 100 }: FigureOptions = {}) {
    if (figsize.length !== 2 || figsize.some((v) => !(v > 0))) throw new Error(`figure: figsize must be two positive numbers (inches), got [${figsize}]`);
    this.dpi = dpi;
    this.width = Math.round(figsize[0] * dpi);
    this.height = Math.round(figsize[1] * dpi);
  }

  /** plt.subplot(rows, cols, index), index from 1, with matplotlib's default margins and spacing. */
  subplot(rows: number, cols: number, index: number): Axes {
    if (!(index >= 1 && index <= rows * cols) || !Number.isInteger(index)) throw new Error(`subplot: index ${index} is outside 1..${rows * cols}`);
    const [left, right, bottom, top, wspace, hspace] = [0.125, 0.9, 0.11, 0.88, 0.2, 0.2];
    const cellW = ((right - left) * this.width) / (cols + wspace * (cols - 1)), cellH = ((top - bottom) * this.height) / (rows + hspace * (rows - 1));
    const r = Math.floor((index - 1) / cols), c = (index - 1) % cols;
    const ax = new Axes(this, { x: left * this.width + c * cellW * (1 + wspace), y: (1 - top) * this.height + r * cellH * (1 + hspace), w: cellW, h: cellH });
    this.axes.push(ax);
    this.current = ax;
    return ax;
  }

  /** The current axes (a single subplot is made if there is none). */
  gca(): Axes { return this.current ?? this.subplot(1, 1, 1); }

  /** A colour scale beside the axes of an image (the last image shown, by default). */
  colorbar(image?: ImageHandle): void {
    const target = image ?? this.current?.imageHandle;
    if (!target) throw new Error('colorbar: there is no image to describe (call imshow first)');
    target.axes.colorbarFor = target;
  }

  suptitle(text: string): void { this.supTitle = text; }

  toSVG(): string {
    const title = this.supTitle ? `<text x="${this.width / 2}" y="${(this.dpi / 72) * 16}" font-size="${(this.dpi / 72) * 12}" text-anchor="middle">${esc(this.supTitle)}</text>` : '';
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="${FONT_FAMILY}">` +
      `<rect width="100%" height="100%" fill="white"/>${title}${this.axes.map((a) => a.toSVG()).join('')}</svg>`;
  }

  toPNG(): Uint8Array { return svgToPng(this.toSVG()); }

  /** Writes .svg or .png (by the extension), creating the folder if needed. */
  savefig(path: string): void {
    const ext = /\.[^./\\]*$/.exec(path)?.[0].toLowerCase();
    if (ext !== '.png' && ext !== '.svg') throw new Error(`savefig: ${path}: the file name must end in .png or .svg`);
    const { mkdirSync, writeFileSync } = nodeBuiltin('node:fs', 'savefig (it writes a file; in a browser use toSVG())');
    const { dirname } = nodeBuiltin('node:path', 'savefig');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, ext === '.svg' ? this.toSVG() : this.toPNG());
  }
}
