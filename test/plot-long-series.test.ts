// Long line plots, as the playground's live curves are (a point per training batch: 1,875 an
// epoch of MNIST at batch 32): toSVG places each point once, in time linear in the points
// (it recomputed the axes' limits for every point, 4 s for 1,875), and a series longer than
// the engine's argument limit no longer overflows the stack (Math.min(...values)).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plot as plt } from '../src/index.ts';

function lineFigure(n: number): { fig: plt.Figure; ax: plt.Axes } {
  const x = Array.from({ length: n }, (_, i) => i / n), y = x.map((v) => Math.exp(-3 * v) + 0.05 * Math.sin(v * 977));
  const fig = new plt.Figure({ figsize: [9, 3] });
  const ax = fig.subplot(1, 1, 1).plot(x, y, { label: 'loss' });
  return { fig, ax };
}

describe('long line plots', () => {
  it('draws every point where dataToPixel puts it', () => {
    const { fig, ax } = lineFigure(2000);
    const points = /<polyline points="([^"]+)"/.exec(fig.toSVG())![1].split(' ').map((p) => p.split(',').map(Number));
    assert.equal(points.length, 2000);
    const x = (i: number): number => i / 2000, y = (i: number): number => Math.exp(-3 * x(i)) + 0.05 * Math.sin(x(i) * 977);
    for (const i of [0, 1, 999, 1999]) {
      const [px, py] = ax.dataToPixel(x(i), y(i));
      assert.deepEqual(points[i], [Number(px.toFixed(2)), Number(py.toFixed(2))], `point ${i}`);
    }
  });

  it('takes time linear in the points (2,000 points well under a second)', () => {
    const { fig } = lineFigure(2000);
    const start = performance.now();
    fig.toSVG();
    const ms = performance.now() - start;
    assert.ok(ms < 1000, `toSVG of 2,000 points took ${ms.toFixed(0)} ms`);
  });

  it('draws a series longer than the engine passes as arguments (300,000 points)', () => {
    const svg = lineFigure(300_000).fig.toSVG();
    assert.equal(/<polyline points="([^"]+)"/.exec(svg)![1].split(' ').length, 300_000);
  });
});
