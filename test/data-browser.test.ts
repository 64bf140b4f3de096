// Image files in the browser build (headless Chromium): PNG and JPEG decoded by the page
// (createImageBitmap + OffscreenCanvas) against Node's decoder (sharp) on the same files, PNG
// exactly and JPEG within the two libjpeg builds' difference; loadImg resizing with deeptype's
// kernel; imageDatasetFromDirectory over a folder picked in an <input webkitdirectory> (Files
// with their relative paths) and over { path, data } entries, against Node's on the folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import * as dt from '../src/index.ts';
// @ts-expect-error: a plain .mjs build script without types
import { buildBrowser } from '../scripts/build-browser.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed (apt-get install chromium)';

/** A smooth pattern with some texture, so JPEG has real work (edges, chroma) to do. */
function pixels(h: number, w: number, c: number, seed: number): Buffer {
  const out = Buffer.alloc(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[(y * w + x) * c + k] = (Math.round(127 + 100 * Math.sin((x + seed) / 3 + k) * Math.cos((y - seed) / 4)) + ((x * 7 + y * 13 + k * 29 + seed) % 23)) & 255;
  }
  return out;
}
const encode = (h: number, w: number, c: 1 | 3 | 4, seed: number, format: 'png' | 'jpeg'): Promise<Buffer> =>
  sharp(pixels(h, w, c, seed), { raw: { width: w, height: h, channels: c } }).toFormat(format, format === 'jpeg' ? { quality: 90 } : {}).toBuffer();

type Decoded = { shape: number[]; data: number[] };
const plain = (t: dt.Tensor): Decoded => ({ shape: t.shape, data: Array.from(t.data) });

function difference(a: Decoded, b: Decoded, what: string): { max: number; mean: number } {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  let max = 0, sum = 0;
  a.data.forEach((v, i) => { const d = Math.abs(v - b.data[i]); max = Math.max(max, d); sum += d; });
  return { max, mean: sum / a.data.length };
}

/**
 * Chromium's libjpeg-turbo vs sharp's mozjpeg (a libjpeg-turbo fork; both the exact integer
 * IDCT and fancy upsampling): identical RGB on these files when measured (the log line says),
 * but two builds of two decoders are not promised to agree, so up to 2 levels are allowed.
 */
const JPEG_MAX = 2, JPEG_MEAN = 0.5;

describe('image files in the browser build', { skip }, () => {
  let server: Server, base: string, browser: Browser, page: Page;
  const root = mkdtempSync(join(tmpdir(), 'deeptype-browser-images-'));
  const files: Record<string, Buffer> = {};
  const dir = join(root, 'photos');
  before(async () => {
    // Single files, and a folder of 3 classes (odd sizes, PNG and JPEG, RGB and grayscale, a nested folder).
    files['rgb.png'] = await encode(9, 13, 3, 1, 'png');
    files['rgba.png'] = await sharp(pixels(7, 5, 4, 2).map((v, i) => (i % 4 === 3 ? 255 : v)), { raw: { width: 5, height: 7, channels: 4 } }).png().toBuffer();
    files['gray.png'] = await encode(11, 6, 1, 3, 'png');
    files['photo.jpg'] = await encode(21, 17, 3, 4, 'jpeg');
    files['gray.jpg'] = await encode(10, 15, 1, 5, 'jpeg');
    files['broken.png'] = Buffer.from('not an image at all');
    files['truncated.png'] = files['rgb.png'].subarray(0, files['rgb.png'].length >> 1);
    const tree: Record<string, Buffer> = {
      'cats/b.png': await encode(12, 10, 3, 6, 'png'), 'cats/a.jpg': await encode(9, 14, 3, 7, 'jpeg'), 'cats/c.png': await encode(5, 8, 1, 8, 'png'),
      'dogs/z.png': await encode(16, 9, 3, 9, 'png'), 'dogs/puppies/p.png': await encode(7, 7, 3, 10, 'png'), 'dogs/puppies/q.jpg': await encode(13, 11, 1, 11, 'jpeg'),
      'owls/o1.png': await encode(6, 13, 3, 12, 'png'), 'owls/o2.png': await encode(10, 10, 3, 13, 'png'), 'owls/notes.txt': Buffer.from('skipped: not an image'),
      'top.png': await encode(4, 4, 3, 14, 'png'), // at the top: no class, so not in an inferred-labels dataset
    };
    for (const [p, bytes] of Object.entries(tree)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), bytes);
      files[`photos/${p}`] = bytes;
    }
    const dist = join(root, 'dist');
    await buildBrowser(join(dist, 'deeptype.js'));
    server = createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '/');
      if (url === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><input type="file" id="dir" webkitdirectory>');
      if (url.startsWith('/files/') && files[url.slice(7)]) return void res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(files[url.slice(7)]);
      const path = normalize(join(dist, url));
      if (path.startsWith(dist) && url.endsWith('.js') && existsSync(path)) return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(path));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + '/');
    await page.evaluate('import("/deeptype.js").then((lib) => { window.lib = lib; })');
    assert.deepEqual(errors, []);
  });
  after(async () => { await browser?.close(); server?.close(); });

  it('decodes PNG exactly as Node does, and JPEG within the decoders\' difference; loadImg resizes with deeptype\'s kernel', async () => {
    const cases = [['rgb.png', 'rgb'], ['rgb.png', 'rgba'], ['rgb.png', 'grayscale'], ['rgba.png', 'rgba'], ['rgba.png', 'rgb'], ['gray.png', 'grayscale'], ['gray.png', 'rgb'],
      ['photo.jpg', 'rgb'], ['photo.jpg', 'grayscale'], ['gray.jpg', 'grayscale']] as const;
    // Page code as source (tsx's helpers for named functions do not exist in the page).
    const inPage = await page.evaluate(`(async () => {
      const { utils } = window.lib, list = ${JSON.stringify(cases)};
      const out = [];
      for (const [f, mode] of list) {
        const t = await utils.decodeImage(f.endsWith('.jpg') ? '/files/' + f : await (await fetch('/files/' + f)).blob(), mode);
        out.push({ shape: t.shape, data: Array.from(t.data) });
      }
      // loadImg on a File (bytes fetched, wrapped as a picker would hand them over), resized bilinearly and nearest.
      const file = new File([await (await fetch('/files/rgb.png')).arrayBuffer()], 'rgb.png', { type: 'image/png' });
      for (const interpolation of ['bilinear', 'nearest']) {
        const t = await utils.loadImg(file, { targetSize: [6, 17], interpolation });
        out.push({ shape: t.shape, data: Array.from(t.data) });
      }
      const errors = [];
      for (const bad of ['/files/broken.png', '/files/missing.png', '/files/truncated.png']) {
        try { await utils.decodeImage(bad); errors.push('no error'); } catch (e) { errors.push(e.message); }
      }
      return { out, errors };
    })()`) as { out: Decoded[]; errors: string[] };
    const jpeg: string[] = [];
    for (const [i, [f, mode]] of cases.entries()) {
      const node = plain(await dt.utils.decodeImage(files[f], mode, f));
      const d = difference(inPage.out[i], node, `${f} ${mode}`);
      // Grayscale from RGB: the same Rec. 709 luminance in linear light as libvips, whose own tables round differently (1 level at most).
      if (f === 'rgb.png' && mode === 'grayscale') assert.ok(d.max <= 1, `${f} as ${mode}: the page's luminance differs from Node's by ${d.max}`);
      else if (f.endsWith('.png')) assert.equal(d.max, 0, `${f} as ${mode}: the page's pixels differ from Node's by up to ${d.max}`);
      else {
        assert.ok(d.max <= JPEG_MAX && d.mean <= JPEG_MEAN, `${f} as ${mode}: page vs Node differ by up to ${d.max} (mean ${d.mean.toFixed(3)})`);
        jpeg.push(`${f} ${mode}: max ${d.max}, mean ${d.mean.toFixed(3)}`);
      }
    }
    writeFileSync(join(root, 'rgb.png'), files['rgb.png']);
    for (const [k, interpolation] of (['bilinear', 'nearest'] as const).entries()) {
      const node = plain(await dt.utils.loadImg(join(root, 'rgb.png'), { targetSize: [6, 17], interpolation }));
      assert.deepEqual(inPage.out[cases.length + k], node, `loadImg ${interpolation}`);
    }
    assert.match(inPage.errors[0], /cannot decode image \/files\/broken\.png: .*decodes PNG, JPEG/);
    assert.match(inPage.errors[1], /cannot read image \/files\/missing\.png: HTTP 404/);
    assert.match(inPage.errors[2], /cannot decode image \/files\/truncated\.png: /, 'a truncated file is an error, as in Node');
    console.log(`JPEG, Chromium vs sharp (levels of 255): ${jpeg.join('; ')}`);
  });

  it('imageDatasetFromDirectory over a picked folder (Files) and over { path, data } entries: Keras\'s classes, order, labels and split, as Node gives', async () => {
    await page.setInputFiles('#dir', dir);
    const options = { imageSize: [8, 6] as [number, number], batchSize: 3, seed: 7, validationSplit: 0.25, subset: 'both' as const, labelMode: 'categorical' as const, verbose: false };
    const paths = Object.keys(files).filter((p) => p.startsWith('photos/')).map((p) => p.slice(7));
    type Collected = { classNames: string[]; filePaths: string[]; images: number[]; labels: number[] };
    const fromPage = await page.evaluate(`(async () => {
      const { utils } = window.lib, opts = ${JSON.stringify(options)}, entryPaths = ${JSON.stringify(paths)};
      const input = document.getElementById('dir');
      async function collect(ds) {
        const images = [], labels = [];
        for await (const [x, y] of ds) { images.push(...x.data); labels.push(...y.data); }
        return { classNames: ds.classNames, filePaths: ds.filePaths, images, labels };
      }
      const picked = await utils.imageDatasetFromDirectory(input.files, opts);
      const entries = entryPaths.map((path) => ({ path, data: '/files/photos/' + path }));
      const listed = await utils.imageDatasetFromDirectory(entries, opts);
      const relative = Array.from(input.files, (f) => f.webkitRelativePath).sort();
      let noClasses = '';
      try { await utils.imageDatasetFromDirectory(entries.filter((e) => !e.path.includes('/')), { verbose: false }); } catch (e) { noClasses = e.message; }
      return { relative, picked: await Promise.all(picked.map(collect)), listed: await Promise.all(listed.map(collect)), noClasses };
    })()`) as { relative: string[]; picked: Collected[]; listed: Collected[]; noClasses: string };
    assert.ok(fromPage.relative.includes('photos/dogs/puppies/p.png'), `webkitRelativePath: ${fromPage.relative}`);
    const node = await dt.utils.imageDatasetFromDirectory(dir, options);
    for (const [s, subset] of ['training', 'validation'].entries()) {
      const ds = node[s];
      const images: number[] = [], labels: number[] = [];
      for await (const [x, y] of ds as AsyncIterable<[dt.Tensor, dt.Tensor]>) { images.push(...x.data); labels.push(...y.data); }
      for (const [how, got] of [['picked folder', fromPage.picked[s]], ['path entries', fromPage.listed[s]]] as const) {
        assert.deepEqual(got.classNames, ['cats', 'dogs', 'owls'], `${how} ${subset}: class names`);
        assert.deepEqual(got.filePaths, ds.filePaths.map((p) => p.slice(dir.length + 1)), `${how} ${subset}: files in Keras's order and split`);
        assert.deepEqual(got.labels, labels, `${how} ${subset}: labels`);
        // Per image: PNGs resized exactly as Node's; JPEGs within the decoders' difference.
        const size = 8 * 6 * 3;
        got.filePaths.forEach((f, k) => {
          const d = difference({ shape: [size], data: got.images.slice(k * size, (k + 1) * size) }, { shape: [size], data: images.slice(k * size, (k + 1) * size) }, `${how} ${f}`);
          if (f.endsWith('.png')) assert.ok(d.max < 1e-4, `${how} ${subset} ${f}: resized pixels differ by ${d.max}`);
          else assert.ok(d.max <= JPEG_MAX && d.mean <= JPEG_MEAN, `${how} ${subset} ${f}: resized pixels differ by up to ${d.max} (mean ${d.mean})`);
        });
      }
    }
    assert.equal(fromPage.picked[0].filePaths.length + fromPage.picked[1].filePaths.length, 8, 'top.png and notes.txt are not in the dataset');
    assert.match(fromPage.noClasses, /no class folders in the given files/);
  });
});
