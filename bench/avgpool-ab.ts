// avgPool2d on two builds in one process (this checkout's wasm against another checkout's),
// rounds alternating, one thread, CPU time, the fastest round of each side; also whether both
// wrote the same bits. Made for the tap-by-tap kernel (assembly/spatial.ts#avgPool, 32+ channels).
//   node --import tsx bench/avgpool-ab.ts --base /path/to/other/checkout (its wasm built)
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmBackend } from '../src/backends/wasm/index.ts';

const { values } = parseArgs({ options: { base: { type: 'string' } } });
if (!values.base) throw new Error('avgpool-ab: --base PATH (a checkout with its wasm built) is required');
const baseModule = await import(pathToFileURL(resolve(values.base, 'src/backends/wasm/index.ts')).href);
const fresh = new WasmBackend(1), base = new baseModule.WasmBackend(1) as WasmBackend;
await fresh.whenReady(); await base.whenReady();
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
console.log('load', loadavg().map((l) => l.toFixed(1)).join(' '), '; one thread, CPU time, fastest of 9 alternating rounds');
const cases = [
  ['[32,28,28,32] 2x2 s2 valid', { batch: 32, inH: 28, inW: 28, channels: 32, outH: 14, outW: 14, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 }],
  ['[61,61,29,64] 2x2 s2 valid (CT planes)', { batch: 61, inH: 61, inW: 29, channels: 64, outH: 30, outW: 14, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 }],
  ['[28,28,12,128] 2x2 s2 valid', { batch: 28, inH: 28, inW: 12, channels: 128, outH: 14, outW: 6, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 }],
  ['[1,30,420,64] 2x1 s2x1 (depth step)', { batch: 1, inH: 30, inW: 420, channels: 64, outH: 15, outW: 420, poolH: 2, poolW: 1, strideH: 2, strideW: 1, padTop: 0, padLeft: 0 }],
  ['[8,15,15,3] 3x3 s2 same', { batch: 8, inH: 15, inW: 15, channels: 3, outH: 8, outW: 8, poolH: 3, poolW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }],
  ['[16,8,8,256] 8x8 (global-like)', { batch: 16, inH: 8, inW: 8, channels: 256, outH: 1, outW: 1, poolH: 8, poolW: 8, strideH: 8, strideW: 8, padTop: 0, padLeft: 0 }],
] as const;
for (const [name, info] of cases) {
  const sides = [base, fresh].map((be) => {
    const x = be.mem.f32(be.mem.reserve(info.batch * info.inH * info.inW * info.channels * 4), info.batch * info.inH * info.inW * info.channels);
    for (let i = 0; i < x.length; i++) x[i] = Math.random() - 0.5;
    const y = be.mem.f32(be.mem.reserve(info.batch * info.outH * info.outW * info.channels * 4), info.batch * info.outH * info.outW * info.channels);
    be.avgPool2d(x, y, info);
    return { be, x, y, best: Infinity };
  });
  sides[1].x.set(sides[0].x); sides[0].be.avgPool2d(sides[0].x, sides[0].y, info); sides[1].be.avgPool2d(sides[1].x, sides[1].y, info);
  let same = true; for (let i = 0; i < sides[0].y.length; i++) if (Object.is(sides[0].y[i], sides[1].y[i]) === false) { same = false; break; }
  for (let r = 0; r < 9; r++) for (const s of sides) {
    const t = cpuMs(); for (let i = 0; i < 5; i++) s.be.avgPool2d(s.x, s.y, info); s.best = Math.min(s.best, (cpuMs() - t) / 5);
  }
  console.log(`${name}: base ${sides[0].best.toFixed(3)} ms, new ${sides[1].best.toFixed(3)} ms, base/new ${(sides[0].best / sides[1].best).toFixed(2)}x, bit-identical ${same}`);
}
process.exit(0);
