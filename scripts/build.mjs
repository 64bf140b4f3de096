// `npm run build` (also run by `npm pack` / `npm publish` through prepack): the package's
// dist/ folder. tsc writes ESM JavaScript, .d.ts and source maps with the TypeScript inlined
// (rewriteRelativeImportExtensions turns the sources' './x.ts' imports into './x.js'), so
// the published files match the sources line for line and types come from the same compiler
// pass. The wasm kernels are compiled first if missing or older than their sources;
// they are embedded (base64) in dist/backends/wasm/generated/kernels.js, so installing the
// package runs no build and needs no AssemblyScript.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--if-needed'], { stdio: 'inherit' });
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
// What require('deeptype') finds on a Node that cannot require ES modules (before 20.19 and
// 22.12, or with --no-experimental-require-module); where it can, the module-sync condition
// gives it the ES module itself.
writeFileSync(join(root, 'dist/require.cjs'), `throw new Error("deeptype is an ES module and this Node.js (" + process.version + ") cannot require() ES modules: use import('deeptype') (or import in an .mjs file), or Node.js 20.19+ / 22.12+, where require('deeptype') works");\n`);
console.log('dist/: ESM JavaScript, .d.ts and source maps');
