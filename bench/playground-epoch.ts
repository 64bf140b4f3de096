// Seconds per epoch of the seed model on MNIST in the playground's worker (headless Chromium,
// cross-origin isolated, so the worker's kernels run on nested workers) next to Node's
// (bench/seed-deeptype.ts), alternating rounds in one session so both see the same machine.
// The browser figure is the page's own (its worker times onEpochBegin to onEpochEnd, as the
// Node bench does), with the progress line and curves it draws while training.
// Usage: node --import tsx bench/playground-epoch.ts [--rounds 3] [--samples 60000] [--threads 2]
// (not in CI: each round trains two full epochs). Prints one line per run and a JSON summary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
// @ts-expect-error: plain .mjs modules without types
import { buildPage, mnistDir } from '../scripts/playground.mjs';
// @ts-expect-error: plain .mjs modules without types
import { listen, staticServer } from '../scripts/static-server.mjs';

const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, samples: { type: 'string', default: '60000' }, threads: { type: 'string', default: '2' } } });
const rounds = Number(values.rounds), samples = Number(values.samples), threads = Number(values.threads);
if (!existsSync(CHROMIUM)) { console.error('Debian chromium is not installed (apt-get install chromium)'); process.exit(1); }

const dir = mkdtempSync(join(tmpdir(), 'deeptype-pg-bench-'));
await buildPage(dir);
const server = staticServer(dir, { mounts: { '/mnist/': mnistDir() } });
const url: string = await listen(server, 0);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function inBrowser(): Promise<number> {
  const page = await browser.newPage();
  await page.goto(`${url}?samples=${samples}&threads=${threads}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.querySelector('#status.error'), null, { timeout: 120_000 });
  const used = Number(await page.getAttribute('#threads', 'data-threads'));
  if (used !== threads || !(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error(`the page runs on ${used} thread(s), isolated: ${await page.evaluate(() => globalThis.crossOriginIsolated)}`);
  await page.click('#train');
  await page.waitForFunction(() => document.querySelector('#train-summary')?.getAttribute('data-seconds-per-epoch') || document.querySelector('#status.error'), null, { timeout: 600_000 });
  const seconds = Number(await page.getAttribute('#train-summary', 'data-seconds-per-epoch'));
  if (!(seconds > 0)) throw new Error(`no epoch time: ${await page.textContent('#status')}`);
  await page.close();
  return seconds * 60000 / samples;
}

function inNode(): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/seed-deeptype.ts', '--threads', String(threads), ...(samples < 60000 ? ['--limit', String(samples)] : [])],
    { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`seed-deeptype failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { secondsPerEpoch: number }).secondsPerEpoch;
}

const browserSeconds: number[] = [], nodeSeconds: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so neither always runs on the warmer (or busier) machine.
  for (const which of round % 2 === 0 ? ['browser', 'node'] : ['node', 'browser']) {
    const s = which === 'browser' ? await inBrowser() : inNode();
    (which === 'browser' ? browserSeconds : nodeSeconds).push(s);
    console.log(`round ${round + 1} ${which.padEnd(7)} ${s.toFixed(2)} s/epoch`);
  }
}
await browser.close();
server.close();
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ratios = browserSeconds.map((b, i) => b / nodeSeconds[i]);
console.log(JSON.stringify({ threads, samples, browserSeconds, nodeSeconds, ratios, medianBrowser: median(browserSeconds), medianNode: median(nodeSeconds), medianRatio: median(ratios) }));
