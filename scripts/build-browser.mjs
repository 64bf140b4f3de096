// Bundles src/browser.ts into one ES module for browsers: dist/deeptype.js (or the path given).
// Node-only modules a model reaches lazily (saving, ONNX export) are replaced by ones that say
// so; the Node branches of the engine keep their node: imports, which a browser never runs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Replaces the Node-only model-file modules (reached lazily by save, loadModel, exportOnnx) by ones that say so. */
export const nodeOnly = {
  name: 'node-only',
  setup(b) {
    b.onResolve({ filter: /\/io\/(model-files|onnx)\.ts$/ }, (a) => ({ path: a.path, namespace: 'node-only' }));
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, () => ({
      contents: ['saveModel', 'loadModel', 'exportOnnx', 'toOnnx'].map((f) =>
        `export function ${f}() { throw new Error('${f} needs Node.js (it reads and writes files); it is not in the browser build'); }`).join('\n'),
    }));
  },
};

export async function buildBrowser(outfile = 'dist/deeptype.js') {
  const root = fileURLToPath(new URL('..', import.meta.url));
  await build({
    absWorkingDir: root, entryPoints: ['src/browser.ts'], outfile, bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', external: ['node:*'], plugins: [nodeOnly], logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`wrote ${await buildBrowser(process.argv[2])}`);
