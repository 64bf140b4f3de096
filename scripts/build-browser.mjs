// Bundles src/browser.ts into an ES module for browsers: dist/deeptype.js (or the path given),
// and HDF5 for Keras files, loaded on first use, beside it: dist/deeptype-hdf5.js.
// Node-only modules a model reaches lazily (saving, ONNX export) are replaced by ones that say
// so; the Node branches of the engine keep their node: imports, which a browser never runs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';

/** Replaces the Node-only model-file modules (reached lazily by save, loadModel, exportOnnx) by ones that say so. */
export const nodeOnly = {
  name: 'node-only',
  setup(b) {
    b.onResolve({ filter: /(^|\/)(model-files|onnx|keras-files)\.ts$/ }, (a) => ({ path: a.path, namespace: 'node-only' }));
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, () => ({
      contents: ['saveModel', 'loadModel', 'exportOnnx', 'toOnnx', 'kerasFormatOf', 'isKerasFile', 'saveKerasFile', 'loadKerasFile', 'saveWeightsFile', 'loadWeightsFile'].map((f) =>
        `export function ${f}() { throw new Error('${f} needs Node.js (it reads and writes files); it is not in the browser build'); }`).join('\n'),
    }));
  },
};

export async function buildBrowser(outfile = 'dist/deeptype.js') {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // HDF5 (h5wasm, ~5 MB, for Keras files) is a module of its own beside the bundle, which
  // imports it on first use only: pages that never touch a Keras file never fetch it.
  const hdf5 = `${basename(outfile, '.js')}-hdf5.js`;
  const lazyHdf5 = {
    name: 'lazy-hdf5',
    setup(b) {
      b.onResolve({ filter: /^h5wasm$/ }, () => ({ path: `./${hdf5}`, external: true }));
      // io/hdf5.ts imports h5wasm through a variable (so that other bundlers skip the optional
      // package); here it becomes the literal import of the chunk beside the bundle.
      b.onLoad({ filter: /[\\/]io[\\/]hdf5\.ts$/ }, async (a) => ({
        contents: (await readFile(a.path, 'utf8')).replace('import(/* @vite-ignore */ H5WASM)', "import('h5wasm')"), loader: 'ts',
      }));
    },
  };
  await build({
    absWorkingDir: root, entryPoints: ['src/browser.ts'], outfile, bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', external: ['node:*'], plugins: [nodeOnly, lazyHdf5], logLevel: 'warning',
  });
  await build({
    absWorkingDir: root, entryPoints: [fileURLToPath(import.meta.resolve('h5wasm'))], outfile: join(dirname(outfile), hdf5), bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', external: ['node:*'], logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`wrote ${await buildBrowser(process.argv[2])}`);
