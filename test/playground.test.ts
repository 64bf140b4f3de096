// The playground (`npm run playground`) in headless Chromium: every cell renders with no
// console error, training runs a bounded number of steps in the page's Web Worker (its
// kernels on nested workers), the curves get points, accuracy beats chance, the page stays
// responsive while it trains (no long task over 200 ms, frames keep coming, a drawing is
// predicted mid-training), a "1" drawn with the mouse is classified as 1; bad input (drawing
// before training, files that are not models, no SharedArrayBuffer, bad training options)
// gets a clear answer and the page keeps working. Screenshots go to test-results/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error: a plain .mjs module without types
import { buildSite } from '../scripts/playground.mjs';

const root = join(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const shots = join(root, 'test-results');
const skip = !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)';
/** Training images for the bounded run: one epoch of these must classify a drawn 1. */
const SAMPLES = 12000;

/** Every playground server started, so that none outlives the tests (a live child keeps the suite waiting). */
const children: ChildProcess[] = [];
function stopAll(): void { for (const c of children) { try { process.kill(-c.pid!); } catch { /* already gone */ } } }
process.on('exit', stopAll);

/** Starts `npm run playground` on a free port; resolves to its URL. A server that does not start is stopped. */
function startPlayground(extra: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  // Its own process group, so that the server under npm stops with it.
  const child = spawn('npm', ['run', '--silent', 'playground', '--', '--port', '0', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  return new Promise((done, fail) => {
    let out = '';
    const failed = (why: string): void => { clearTimeout(timer); try { process.kill(-child.pid!); } catch { /* already gone */ } fail(new Error(`${why}:\n${out}`)); };
    const timer = setTimeout(() => failed('the playground did not start within 60 s'), 60_000);
    child.stdout!.on('data', (d) => { out += d; const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out); if (m) { clearTimeout(timer); done({ url: m[1], child }); } });
    child.stderr!.on('data', (d) => { out += d; });
    child.on('exit', (code) => failed(`the playground exited (${code})`));
  });
}

describe('the playground', { skip }, () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => { await browser?.close(); stopAll(); });

  async function open(extra: string[] = [], query = ''): Promise<{ page: Page; errors: string[] }> {
    const server = await startPlayground(extra);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + query);
    await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.querySelector('#status.error'), null, { timeout: 120_000 });
    return { page, errors };
  }

  async function drawOne(page: Page): Promise<void> {
    await page.click('#clear');
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 40);
    await page.mouse.down();
    for (let y = 40; y <= 240; y += 10) await page.mouse.move(box.x + 140, box.y + y);
    await page.mouse.up();
    // The last prediction is asked for on the next frame; then wait for the answer to the finished stroke.
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    await page.waitForFunction(() => document.querySelector('#probabilities')?.getAttribute('data-pending') === 'false', null, { timeout: 30_000 });
  }
  const probabilities = (page: Page): Promise<number[]> =>
    page.$$eval('#probabilities .bar', (bars) => bars.map((b) => Number((b as HTMLElement).dataset.p)));
  /** The id of the prediction shown; a draw is answered once it grows past this. */
  const shownPrediction = async (page: Page): Promise<number> => Number(await page.getAttribute('#probabilities', 'data-id'));
  /** Loads a file through the page's file input and waits for the status line to answer. */
  async function upload(page: Page, name: string, content: string | Buffer): Promise<string> {
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-pg-')), name);
    writeFileSync(path, content);
    await page.evaluate(() => { document.querySelector('#status')!.textContent = 'waiting'; });
    await page.setInputFiles('#upload', path);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'waiting');
    return await page.textContent('#status') ?? '';
  }
  /** Starts counting the page's long tasks (Chromium's PerformanceObserver) and animation frames. */
  // (A string: tsx would wrap named functions in a helper the page does not have.)
  const watchMainThread = (page: Page): Promise<void> => page.evaluate(`(() => {
    window.longTasks = []; window.frames = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({ type: 'longtask' });
    requestAnimationFrame(function tick() { window.frames++; requestAnimationFrame(tick); });
  })()`);
  const mainThread = (page: Page): Promise<{ longTasks: number[]; frames: number }> =>
    page.evaluate(() => { const w = window as unknown as { longTasks: number[]; frames: number }; return { longTasks: [...w.longTasks], frames: w.frames }; });

  it('renders every cell, trains in a worker with the page responsive, and reads a drawn 1', async () => {
    const { page, errors } = await open([], `?samples=${SAMPLES}`);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    assert.ok(Number(await page.getAttribute('#threads', 'data-threads')) >= 2);
    const states = await page.$$eval('.cell[data-state]', (cells) => cells.map((c) => (c as HTMLElement).dataset.state));
    assert.equal(states.filter((s) => s === 'done').length, 11, `cells: ${states}`);
    // Cells 4, 5, 7, 8, 13 and 16 draw, as the notebook does: deeptype's SVG with the image inside.
    assert.equal(await page.$$eval('.figures svg image', (s) => s.length), 1 + 1 + 1 + 5 + 1 + 2);
    assert.match(await page.textContent('#cells') ?? '', /Total params: [\d,]+/);
    await page.screenshot({ path: join(shots, 'playground-cells.png'), fullPage: true });

    // Bad input 1: drawing on the untrained model says so.
    await drawOne(page);
    assert.match(await page.textContent('#draw-note') ?? '', /untrained/);
    const untrained = await probabilities(page);
    assert.equal(untrained.length, 10);
    assert.ok(Math.abs(untrained.reduce((a, b) => a + b) - 1) < 1e-5, `probabilities sum to 1: ${untrained}`);

    await watchMainThread(page);
    const start = Date.now();
    await page.click('#train');
    // While it trains: a drawing is answered by the model as it is so far.
    await page.waitForFunction(() => Number(document.querySelector('#curves')?.getAttribute('data-points')) >= 20, null, { timeout: 120_000 });
    const before = await shownPrediction(page);
    await drawOne(page);
    await page.waitForFunction((id) => Number(document.querySelector('#probabilities')?.getAttribute('data-id')) > id, before, { timeout: 30_000 });
    assert.match(await page.textContent('#draw-note') ?? '', /^training: the model so far says \d$/);
    assert.equal(await page.textContent('#status'), 'training...', 'the drawing was answered during training');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('trained') || document.querySelector('#status.error'), null, { timeout: 300_000 });
    const seconds = (Date.now() - start) / 1000;
    const { longTasks, frames } = await mainThread(page);
    assert.ok(longTasks.every((ms) => ms <= 200), `no long task over 200 ms on the page's thread while training: ${longTasks.map((ms) => ms.toFixed(0))}`);
    assert.ok(frames >= seconds * 5, `animation frames kept coming: ${frames} in ${seconds.toFixed(1)} s`);
    assert.equal(await page.textContent('#status'), 'trained: draw a digit below');
    assert.ok(Number(await page.getAttribute('#curves', 'data-points')) >= SAMPLES / 32, 'a curve point per batch');
    const progress = await page.textContent('#progress') ?? '';
    assert.match(progress, /Epoch 1\/1\n375\/375 \[=+\] - \d+s \d+(?:us|ms|s)\/step - loss: \d\.\d{4} - acc: (0\.\d{4})/);
    const acc = Number(/acc: (0\.\d{4})/.exec(progress)![1]);
    assert.ok(acc > 0.5, `accuracy ${acc} above chance`);
    const evaluated = /\[(\d\.\d+), (0\.\d+)\]/.exec(await page.textContent('.cell:nth-of-type(13) pre.output') ?? '');
    assert.ok(evaluated && Number(evaluated[2]) > 0.8, `test accuracy: ${evaluated?.[0]}`);
    console.log(`Chromium: one epoch of ${SAMPLES} images in ${Number(await page.getAttribute('#train-summary', 'data-seconds-per-epoch')).toFixed(1)} s (${await page.textContent('#train-summary')}); click to trained ${seconds.toFixed(1)} s; ${frames} frames, long tasks: [${longTasks.map((ms) => ms.toFixed(0))}] ms`);

    await drawOne(page);
    const p = await probabilities(page);
    assert.equal(p.indexOf(Math.max(...p)), 1, `a drawn 1 is read as 1: ${p.map((v) => v.toFixed(3))}`);
    assert.equal(await page.textContent('#draw-note'), 'the model says 1');
    assert.ok(await page.$$eval('#maps svg image', (s) => s.length) === 32, 'the first layer\'s 32 feature maps of the drawing');
    await page.screenshot({ path: join(shots, 'playground-trained.png'), fullPage: true });

    // Save to IndexedDB and load back: same answer. A file that is not a model is refused.
    await page.click('#idb-save');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'saved in IndexedDB');
    const beforeLoad = await shownPrediction(page);
    await page.click('#idb-load');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'loaded the model from IndexedDB');
    await page.waitForFunction((id) => Number(document.querySelector('#probabilities')?.getAttribute('data-id')) > id, beforeLoad);
    assert.deepEqual((await probabilities(page)).map((v) => v.toFixed(5)), p.map((v) => v.toFixed(5)));
    // Files that are not models are refused by name, and the page keeps its model.
    assert.equal(await upload(page, 'notes.json', JSON.stringify({ hello: 'world' })), 'Load: notes.json is not a model file: it needs modelTopology and weightData (a file saved by this page)');
    assert.equal(await upload(page, 'digit.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])), 'Load: digit.png is not a model file: it is not JSON (load a .json file saved by this page)');
    assert.match(await upload(page, 'odd.json', JSON.stringify({ modelTopology: { class_name: 'Nonsense' }, weightData: '' })), /^Load: odd\.json is not a model file: .*'Nonsense'/);
    const flatten = (shape: (number | null)[]): string => JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: shape } }, { class_name: 'Flatten', config: {} }] } }, weightsManifest: [], weightData: '' });
    assert.match(await upload(page, 'wide.json', flatten([null, 5])), /^Load: wide\.json is not a model file: it does not read a 28x28 digit \(.+\)$/);
    assert.equal(await upload(page, 'flat.json', flatten([null, 28, 28])), 'Load: flat.json is not a model file: it gives [1,784] for one 28x28 digit, not ten class probabilities [1,10]');
    const stillShown = await shownPrediction(page);
    await drawOne(page);
    await page.waitForFunction((id) => Number(document.querySelector('#probabilities')?.getAttribute('data-id')) > id, stillShown);
    assert.equal(await page.textContent('#draw-note'), 'the model says 1', 'the trained model still answers after the bad files');
    // The downloaded file loads back and gives the same probabilities.
    const download = page.waitForEvent('download');
    await page.click('#download');
    const file = await download;
    assert.equal(file.suggestedFilename(), 'mnist-model.json');
    const saved = join(mkdtempSync(join(tmpdir(), 'deeptype-pg-')), 'mnist-model.json');
    await file.saveAs(saved);
    const beforeFile = await shownPrediction(page);
    assert.equal(await upload(page, 'mnist-model.json', readFileSync(saved)), 'loaded the model from mnist-model.json');
    await page.waitForFunction((id) => Number(document.querySelector('#probabilities')?.getAttribute('data-id')) > id, beforeFile);
    assert.deepEqual((await probabilities(page)).map((v) => v.toFixed(5)), p.map((v) => v.toFixed(5)));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('without cross-origin isolation runs on one thread, says so, and works', async () => {
    const { page, errors } = await open(['--no-isolation'], '?samples=640');
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'undefined', 'Chromium offers no SharedArrayBuffer here');
    assert.match(await page.textContent('#threads') ?? '', /not cross-origin isolated.*one thread/);
    assert.equal(await page.getAttribute('#threads', 'data-threads'), '1');
    await page.fill('#epochs', '0');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelector('#status.error'));
    assert.match(await page.textContent('#status') ?? '', /^Training: epochs must be a whole number >= 1 .*\(got 0, 640\)$/);
    await page.fill('#epochs', '1');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('trained') || document.querySelector('#status.error'), null, { timeout: 120_000 });
    assert.equal(await page.textContent('#status'), 'trained: draw a digit below');
    await page.screenshot({ path: join(shots, 'playground-one-thread.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('npm run build:site', () => {
  it('writes the page, MNIST, _headers and the hosting note', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'deeptype-site-')), 'site');
    await buildSite(dir);
    assert.deepEqual(readdirSync(dir).sort(), ['HOSTING.md', '_headers', 'index.html', 'mnist', 'playground-worker.js', 'playground-worker.js.map', 'playground.js', 'playground.js.map']);
    assert.equal(readdirSync(join(dir, 'mnist')).length, 4);
    assert.equal(readFileSync(join(dir, '_headers'), 'utf8'),
      '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n  Cross-Origin-Resource-Policy: same-origin\n');
    for (const f of ['playground.js', 'playground-worker.js']) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /from\s*["']node:/, `no Node imports in ${f}`);
    assert.ok(statSync(join(dir, 'playground.js')).size < 100_000, 'the page itself carries no engine: deeptype is in the worker');
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
});
