// `npm run build` (also run by `npm pack` / `npm publish` through prepack): the package's
// dist/ folder. tsc writes ESM JavaScript, .d.ts and source maps with the TypeScript inlined
// (rewriteRelativeImportExtensions turns the sources' './x.ts' imports into './x.js'), so
// the published files match the sources line for line and types come from the same compiler
// pass. The wasm kernels are compiled first if missing or older than their sources;
// they are embedded (base64) in dist/backends/wasm/generated/kernels.js, so installing the
// package runs no build and needs no AssemblyScript.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
// The kernels are base64 strings (four builds, ~270 kB together): tsc would write them twice
// more, as literal types in the .d.ts and as inlined source in the map. Their type is string,
// and a map of a string literal maps nothing, so the package carries them once.
const kernels = join(root, 'dist/backends/wasm/generated/kernels');
writeFileSync(`${kernels}.d.ts`, readFileSync(`${kernels}.d.ts`, 'utf8').replace(/ = "[A-Za-z0-9+/=]*";/g, ': string;'));
writeFileSync(`${kernels}.js`, readFileSync(`${kernels}.js`, 'utf8').replace(/\n\/\/# sourceMappingURL=kernels\.js\.map\s*$/, '\n'));
rmSync(`${kernels}.js.map`);
console.log('dist/: ESM JavaScript, .d.ts and source maps');
