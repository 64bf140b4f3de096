// npm start's report: every figure of the seed notebook is written, and out/index.html shows
// them all in headless Chromium (Debian's, driven by playwright-core) without a console error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const FIGURES = ['digit-with-patch', 'kernel', 'excitation-map', 'excitation-five-digits', 'conv2d-layer-output', 'max-pooling',
  'training-history', 'conv1-kernels', 'conv1-feature-maps', 'confusion-matrix'];
const CHROMIUM = '/usr/bin/chromium';

describe('the notebook report', () => {
  const out = mkdtempSync(join(tmpdir(), 'deeptype-report-'));
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/mnist-conv2d.ts', '--epochs', '1', '--limit', '640', '--out', out], { stdio: 'pipe' });

  it('has every figure of the seed and the model pictures, and run.json', () => {
    for (const f of FIGURES) assert.ok(existsSync(join(out, `${f}.png`)), `${f}.png`);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.ok(run.convMaxAbsDiff < 1e-4 && run.epochs.length === 1 && run.testAccuracy > 0.2, JSON.stringify(run));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const f of FIGURES) assert.ok(html.includes(`src="${f}.png"`), `index.html shows ${f}`);
    assert.ok(!/https?:\/\//.test(html), 'the page loads nothing from the network');
  });

  it("shows each cell's code beside its output, as the notebook does", () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const cells = html.split('<section>').slice(1);
    assert.ok(cells.length >= 15, `${cells.length} cells`);
    for (const c of cells) assert.match(c, /<div class="io">\s*<pre class="code">[^<]+<\/pre>/, `a cell without its code: ${c.slice(0, 120)}`);
    const load = cells.find((c) => c.includes('In [2]: Load the data'))!;
    assert.ok(load.includes('datasets.mnist.loadData()') && /<pre class="output">x_train uint8/.test(load), 'cell 2: its code, then its output');
    assert.ok(cells.find((c) => c.includes('In [17]'))!.includes('model.summary(log)'));
  });

  it('opens in headless Chromium with every image loaded and no console error', { skip: !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)' }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
      assert.equal(images.length, FIGURES.length);
      for (const img of images) assert.ok(img.ok, `image ${img.src} did not load`);
      assert.deepEqual(errors, []);
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: resolve('test-results/report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
