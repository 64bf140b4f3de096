// Figures: what they must contain, read back from the rendered PNG.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { plot as plt, datasets } from '../src/index.ts';

const [[xTrain]] = datasets.mnist.loadData();
const x0 = xTrain.index(0).div(255);

/** The RGB of the rendered figure at figure pixel (x, y). */
function pixelAt(png: Uint8Array, x: number, y: number): [number, number, number] {
  const img = plt.decodePng(png), i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}
const isRed = ([r, g, b]: number[]) => r > 200 && g < 60 && b < 60;
const near = (a: number[], b: number[], tol = 3) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('plotting', () => {
  it('colormaps give matplotlib\'s values at 0, 0.5 and 1', () => {
    assert.deepEqual(plt.getColormap('viridis')(0), [68, 1, 84]);
    assert.deepEqual(plt.getColormap('viridis')(0.5), [33, 145, 140]);
    assert.deepEqual(plt.getColormap('viridis')(1), [253, 231, 37]);
    assert.deepEqual(plt.getColormap('gray')(0), [0, 0, 0]);
    assert.deepEqual(plt.getColormap('gray')(0.5), [128, 128, 128]);
    assert.deepEqual(plt.getColormap('gray')(1), [255, 255, 255]);
    assert.throws(() => plt.getColormap('jet2'), /unknown colormap 'jet2'/);
  });

  it('the digit with its patch: red rectangle edges where the patch is, the digit inside', () => {
    const fig = new plt.Figure();
    const ax = fig.gca();
    ax.imshow(x0, { cmap: 'gray' });
    ax.addPatch(new plt.Rectangle([5, 20], 5, 5, { facecolor: 'none', edgecolor: 'red', linewidth: 5 }));
    const png = fig.toPNG();
    for (const [x, y] of [[5, 22.5], [10, 22.5], [7.5, 20], [7.5, 25]]) {
      assert.ok(isRed(pixelAt(png, ...ax.dataToPixel(x, y))), `rectangle edge at data (${x}, ${y})`);
    }
    assert.ok(!isRed(pixelAt(png, ...ax.dataToPixel(7.5, 22.5))), 'inside the rectangle is the digit, not red');
    assert.ok(!isRed(pixelAt(png, ...ax.dataToPixel(20, 5))), 'far from the rectangle');
    // Gray map: a white pixel of the digit and a black background pixel.
    assert.ok(near(pixelAt(png, ...ax.dataToPixel(0, 0)), [0, 0, 0]));
  });

  it('the excitation map is brightest where the kernel matches best, next to where it was cut', () => {
    const kernel = x0.index('20:25, 5:10');
    const map = dt.conv2d(x0.reshape([1, 28, 28, 1]), kernel.reshape([5, 5, 1, 1])).reshape([24, 24]);
    const best = map.flatten().argMax().item(), [row, col] = [Math.floor(best / 24), best % 24];
    assert.ok(Math.abs(row - 20) <= 2 && Math.abs(col - 5) <= 4, `best match at (${row}, ${col})`);
    const fig = new plt.Figure();
    const ax = fig.gca();
    ax.imshow(map);
    const png = fig.toPNG();
    assert.ok(near(pixelAt(png, ...ax.dataToPixel(col, row)), plt.getColormap('viridis')(1)), 'the maximum is drawn in the top colour');
    assert.ok(near(pixelAt(png, ...ax.dataToPixel(0, 0)), plt.getColormap('viridis')(0)), 'an empty corner in the bottom colour');
  });

  it('the kernel, the five convolved digits and the pooling figures show their values cell by cell', () => {
    const kernel = x0.index('20:25, 5:10');
    const gray = plt.getColormap('gray');
    const fig = new plt.Figure();
    const ax = fig.gca();
    ax.imshow(kernel, { cmap: 'gray' });
    let png = fig.toPNG();
    const [lo, hi] = [kernel.min().item(), kernel.max().item()];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) {
      const expected = gray((kernel.data[r * 5 + c] - lo) / (hi - lo));
      assert.ok(near(pixelAt(png, ...ax.dataToPixel(c, r)), expected), `kernel cell (${r}, ${c})`);
    }
    // Five panels side by side, each brightest at its own map's maximum.
    const five = new plt.Figure({ figsize: [15, 5] });
    const maps = [1, 2, 3, 4, 5].map((i) => dt.conv2d(xTrain.index(i).div(255).reshape([1, 28, 28, 1]), kernel.reshape([5, 5, 1, 1])).reshape([24, 24]));
    const axes = maps.map((m, i) => { const a = five.subplot(1, 5, i + 1); a.imshow(m); return a; });
    png = five.toPNG();
    assert.equal(plt.decodePng(png).width, 1500);
    maps.forEach((m, i) => {
      const at = m.flatten().argMax().item();
      assert.ok(near(pixelAt(png, ...axes[i].dataToPixel(at % 24, Math.floor(at / 24))), plt.getColormap('viridis')(1)), `panel ${i + 1}`);
      if (i > 0) assert.ok(axes[i].dataToPixel(0, 0)[0] > axes[i - 1].dataToPixel(23, 0)[0], 'panels left to right');
    });
    // Before and after 2x2 pooling: the pooled map has half the cells and keeps the maximum.
    const before = maps[0], after = dt.maxPool2d(before.reshape([1, 24, 24, 1]), 2).reshape([12, 12]);
    const pool = new plt.Figure();
    const [a1, a2] = [pool.subplot(1, 2, 1), pool.subplot(1, 2, 2)];
    a1.imshow(before);
    a2.imshow(after);
    png = pool.toPNG();
    const best = after.flatten().argMax().item();
    assert.equal(after.max().item(), before.max().item());
    assert.ok(near(pixelAt(png, ...a2.dataToPixel(best % 12, Math.floor(best / 12))), plt.getColormap('viridis')(1)));
    const w1 = a1.dataToPixel(23.5, 0)[0] - a1.dataToPixel(-0.5, 0)[0], w2 = a2.dataToPixel(11.5, 0)[0] - a2.dataToPixel(-0.5, 0)[0];
    assert.ok(Math.abs(w1 - w2) < 1, 'both panels the same size: the pooled cells are twice as wide');
  });

  it("legend loc 'best' (the default) keeps off the lines, as matplotlib's does", () => {
    const legendBox = (svg: string): number[] => {
      const m = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" rx="[\d.]+" fill="white"/.exec(svg);
      assert.ok(m, 'a legend box is drawn');
      return m.slice(1).map(Number);
    };
    // Rising to the upper right (an accuracy curve): the legend must go elsewhere.
    const fig = new plt.Figure();
    const ax = fig.gca();
    const xs = [1, 2, 3, 4, 5], acc = [0.90, 0.95, 0.97, 0.98, 0.985];
    ax.plot(xs, acc, { label: 'train accuracy', marker: 'o' }).legend();
    const [x, y, w, h] = legendBox(fig.toSVG());
    // No point of the line (vertices and 50 points along each segment) is under the legend.
    for (let i = 0; i + 1 < xs.length; i++) {
      for (let k = 0; k <= 50; k++) {
        const [px, py] = ax.dataToPixel(xs[i] + (k / 50) * (xs[i + 1] - xs[i]), acc[i] + (k / 50) * (acc[i + 1] - acc[i]));
        assert.ok(!(px >= x && px <= x + w && py >= y && py <= y + h), `the line at segment ${i}, ${k}/50 is under the legend`);
      }
    }
    const [cx] = ax.dataToPixel(3, 0.9425); // the middle of the axes
    assert.ok(x + w / 2 < cx, `the upper right is taken by the curve; the next free place is the upper left: legend at ${x}, ${y}`);
    // A falling curve (a loss) leaves the upper right free, matplotlib's first choice.
    const fig2 = new plt.Figure();
    fig2.gca().plot(xs, [0.5, 0.2, 0.1, 0.07, 0.05], { label: 'loss' }).legend();
    const [x2, y2] = legendBox(fig2.toSVG());
    const [rx, ty] = fig2.gca().dataToPixel(3, 0.275);
    assert.ok(x2 > rx && y2 < ty, 'upper right');
    assert.throws(() => fig2.gca().legend({ loc: 'top' as never }), /loc must be one of/);
  });

  it('line plots with a legend, titles and labels; SVG output', () => {
    const fig = new plt.Figure();
    const ax = fig.gca().setTitle('History').setXlabel('epoch').setYlabel('loss');
    ax.plot([1, 2, 3], [0.5, 0.2, 0.1], { label: 'loss' }).legend();
    const svg = fig.toSVG();
    for (const text of ['History', 'epoch', 'loss']) assert.ok(svg.includes(text), `svg has ${text}`);
    assert.ok((svg.match(/<text/g) ?? []).length >= 10, 'tick labels are drawn');
    const png = fig.toPNG();
    const [x, y] = ax.dataToPixel(2, 0.2);
    assert.ok(near(pixelAt(png, x, y), [0x1f, 0x77, 0xb4], 40), 'the line in the first colour of the cycle');
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-plot-'));
    fig.savefig(join(dir, 'h.svg'));
    fig.savefig(join(dir, 'h.png'));
    assert.ok(readFileSync(join(dir, 'h.svg'), 'utf8').startsWith('<svg'));
    assert.deepEqual([...readFileSync(join(dir, 'h.png')).subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.throws(() => fig.savefig(join(dir, 'h.jpg')), /must end in \.png or \.svg/);
    assert.throws(() => fig.subplot(2, 2, 5), /index 5 is outside 1\.\.4/);
  });

  it('model pictures: kernels, feature maps, history, confusion matrix', () => {
    const model = new dt.models.Sequential([new dt.layers.Input({ shape: [28, 28] }), new dt.layers.Reshape({ targetShape: [28, 28, 1] }),
      new dt.layers.Conv2D({ filters: 4, kernelSize: 3 }), new dt.layers.Flatten(), new dt.layers.Dense({ units: 10 })]);
    assert.equal(plt.plotKernels(model.layers[1]).axes.length, 4);
    assert.equal(plt.plotFeatureMaps(model, xTrain.index(0).div(255), 1).axes.length, 4);
    assert.throws(() => plt.plotKernels(model.layers[2]), /has no 4-D \(convolution\) kernel/);
    assert.equal(plt.plotHistory({ epoch: [0, 1], history: { loss: [1, 0.5], acc: [0.5, 0.8], val_loss: [1.1, 0.6], val_acc: [0.4, 0.7] } }).axes.length, 2);
    const m = plt.confusionMatrix(dt.tensor([0, 1, 1, 2]), dt.tensor([0, 1, 2, 2]), 3);
    assert.deepEqual(m, [[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    assert.ok(plt.plotConfusionMatrix(dt.tensor([0, 1, 1, 2]), dt.tensor([0, 1, 2, 2]), { classes: 3 }).toSVG().includes('Confusion matrix'));
  });
});
