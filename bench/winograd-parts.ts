// Where F(4x4)'s time goes on ResNet-20's shapes: the whole convolution (winograd4Conv on one
// thread, bias + relu, residual where the model has one) next to its three parts called alone
// over the same panels (input transform, the 36 GEMMs, output transform), by CPU time, parts
// alternating within each round; medians. The parts' sum is close to the whole (the whole
// keeps a panel's V and M in L2 between parts; alone each part streams every panel through).
//   node --import tsx bench/winograd-parts.ts [--batch 256] [--rounds 7] [--only 16] [--parts whole,input] [--panel TILES: instead of winograd4Panel's] [--base PATH: also 'base whole', another checkout's build (its wasm built there), in this process]
// Tried with it (session 23, reverted, load 3-7): V and M tile-major ([tiles][C/4][36][4], every
// transform vector at a fixed offset): input transform 1.1-1.4x, output 1.1-1.4x, but the GEMMs
// reading that A 0.85-0.93x, so the whole 0.89-1.02x; the transforms' products as madd (fused):
// whole 1.04-1.07x, but rounding moved ResNet-20's TF.js check (test/examples-functional) to
// 1.4e-4 and F(4x4)'s error at 128 channels past 1e-4; fixed tmp offsets per rotation: 1.0x.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { winograd4Panel } from '../src/backends/wasm/winograd-kernels.ts';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '7' }, only: { type: 'string' }, parts: { type: 'string' }, panel: { type: 'string' }, base: { type: 'string' } } });
const batch = Number(values.batch), rounds = Number(values.rounds);
const be = new WasmBackend(1);
await be.whenReady();
const mem = be.mem, k = mem.exports;
const baseBe = values.base ? new (await import(pathToFileURL(resolve(values.base, 'src/backends/wasm/index.ts')).href)).WasmBackend(1) as WasmBackend : undefined;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const alloc = (n: number): number => { const p = mem.reserve(n * 4); const v = mem.f32(p, n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return p; };
const SKEW = 16, TMP = 160;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; batch ${batch}; ms per call (one thread, CPU time), share of the whole`);
for (const [hw, C, F, residual] of [[32, 16, 16, 1], [16, 32, 32, 1], [8, 64, 64, 1]] as const) {
  const name = `${C}->${F} @${hw}${residual ? ' res' : ''}`;
  if (values.only && !name.includes(values.only)) continue;
  const tilesH = Math.ceil(hw / 4), tilesW = tilesH, tiles = batch * tilesH * tilesW, panel = values.panel ? Number(values.panel) : winograd4Panel(C, F);
  const x = alloc(batch * hw * hw * C), u = alloc(36 * C * F), bias = alloc(F), res = residual ? alloc(batch * hw * hw * F) : 0, out = alloc(batch * hw * hw * F);
  const scratch = alloc(36 * (panel * (C + F) + 2 * SKEW + 2 * C) + TMP);
  const v = scratch, m = v + 4 * 36 * (panel * C + SKEW), tmp = m + 4 * 36 * (panel * F + SKEW), blk = tmp + 4 * (36 * C + TMP);
  // The base build's whole on its own copies of the arrays (its own memory).
  const bm = baseBe?.mem, balloc = (n: number): number => { const p = bm!.reserve(n * 4); const a = bm!.f32(p, n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return p; };
  const bArgs = bm ? [balloc(batch * hw * hw * C), balloc(36 * C * F), balloc(F), residual ? balloc(batch * hw * hw * F) : 0, balloc(batch * hw * hw * F), balloc(36 * (panel * (C + F) + 2 * SKEW + 2 * C) + TMP)] : [];
  const panels = (fn: (p0: number, p1: number) => void): void => { for (let p0 = 0; p0 < tiles; p0 += panel) fn(p0, Math.min(tiles, p0 + panel)); };
  const parts: [string, () => void][] = [
    ['whole', () => k.winograd4Conv(x, u, bias, res, out, scratch, hw, hw, C, hw, hw, F, 1, 1, 1, panel, tiles, 1, 1, 1, 0, tiles)],
    ['input', () => panels((p0, p1) => k.winograd4InputTransform(x, v, tmp, blk, hw, hw, C, tilesH, tilesW, 1, 1, 1, 1, p0, p1))],
    ['gemms', () => panels((p0, p1) => {
      const rows = p1 - p0, vPlane = rows * C + SKEW, mPlane = rows * F + SKEW;
      for (let e = 0; e < 36; e++) k.gemmWide(v + 4 * e * vPlane, C, u + 4 * e * C * F, m + 4 * e * mPlane, C, F, 0, 0, rows);
    })],
    ['output', () => panels((p0, p1) => k.winograd4OutputTransform(m, tmp, bias, res, out, hw, hw, F, tilesH, tilesW, 1, p0, p1, 0, F))],
  ];
  if (bm) {
    const [bx, , , , , bv] = bArgs, bTmp = bv + 4 * 36 * (panel * (C + F) + 2 * SKEW), bBlk = bTmp + 4 * (36 * C + TMP);
    parts.push(['base input', () => panels((p0, p1) => bm.exports.winograd4InputTransform(bx, bv, bTmp, bBlk, hw, hw, C, tilesH, tilesW, 1, 1, 1, 1, p0, p1))]);
    parts.push(['base whole', () => bm.exports.winograd4Conv(...bArgs, hw, hw, C, hw, hw, F, 1, 1, 1, panel, tiles, 1, 1, 1, 0, tiles)]);
  }
  if (values.parts) { const keep = values.parts.split(','); parts.splice(0, parts.length, ...parts.filter(([p]) => keep.includes(p))); }
  const times = parts.map(() => [] as number[]);
  for (const [, fn] of parts) fn();
  for (let r = 0; r < rounds; r++) parts.forEach(([, fn], i) => { const t = cpuMs(); fn(); fn(); times[i].push((cpuMs() - t) / 2); });
  const med = (p: string): number => { const i = parts.findIndex(([q]) => q === p); return i < 0 ? NaN : median(times[i]); };
  const whole = median(times[0]);
  console.log(`${name.padEnd(14)} ` + parts.map(([p], i) => `${p} ${median(times[i]).toFixed(2)}${i && parts[0][0] === 'whole' ? ` (${(100 * median(times[i]) / whole).toFixed(0)}%)` : ''}`).join(' | ') +
    (bm ? `; base / new: whole ${(med('base whole') / med('whole')).toFixed(2)}x, input ${(med('base input') / med('input')).toFixed(2)}x` : ''));
}
process.exit(0);
