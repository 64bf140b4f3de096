// 3-D pooling as the two 2-D pooling kernels it is composed of (ops/pool3d.ts: the planes, then
// depth), wasm backend, arrays in wasm memory as in a plan, on the keras-io CT-scan model's
// poolings (batch 1). Next to each: the planes step alone (what a native 3-D kernel would
// cost at best: it also reads the input once) and a copy of the input's bytes (the memory limit).
// Usage: node --import tsx bench/pool3d.ts [--threads N] [--reps R]
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import type { PoolInfo } from '../src/backends/backend.ts';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, reps: { type: 'string', default: '5' } } });
const backend = new WasmBackend(Number(values.threads));
await backend.whenReady();
const mem = backend.mem;
const f32 = (n: number): Float32Array => { const v = mem.f32(mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const i32 = (n: number): Int32Array => mem.i32(mem.reserve(n * 4), n);

/** Milliseconds per call: the median of 5 rounds. */
function time(fn: () => void): number {
  fn();
  const reps = Number(values.reps), rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    rounds.push((performance.now() - t) / reps);
  }
  return rounds.sort((a, b) => a - b)[2];
}

const pool = (batch: number, inH: number, inW: number, channels: number, poolH: number, poolW: number): PoolInfo =>
  ({ batch, inH, inW, channels, outH: Math.floor(inH / poolH), outW: Math.floor(inW / poolW), poolH, poolW, strideH: poolH, strideW: poolW, padTop: 0, padLeft: 0 });

console.log(`wasm, ${backend.threads} thread(s); 2x2x2 windows, stride 2, 'valid'`);
console.log(['shape', 'kind', 'planes ms', 'depth ms', '3-D total ms', 'copy of x ms', 'backward total ms'].join(' | '));
for (const [d, h, w, c] of [[61, 61, 29, 64], [28, 28, 12, 128], [12, 12, 4, 256]]) {
  const planes = pool(d, h, w, c, 2, 2), depth = pool(1, d, planes.outH * planes.outW, c, 2, 1);
  const x = f32(d * h * w * c), mid = f32(d * planes.outH * planes.outW * c), y = f32(depth.outH * depth.outW * c), copy = f32(x.length);
  const argMid = i32(mid.length), argY = i32(y.length), dMid = f32(mid.length), dx = f32(x.length);
  const copyMs = time(() => copy.set(x));
  for (const kind of ['max', 'avg'] as const) {
    const first = kind === 'max' ? () => backend.maxPool2d(x, mid, argMid, planes) : () => backend.avgPool2d(x, mid, planes);
    const second = kind === 'max' ? () => backend.maxPool2d(mid, y, argY, depth) : () => backend.avgPool2d(mid, y, depth);
    const back = kind === 'max'
      ? () => { backend.maxPool2dBackward(y, argY, dMid, depth); backend.maxPool2dBackward(dMid, argMid, dx, planes); }
      : () => { backend.avgPool2dBackward(y, dMid, depth); backend.avgPool2dBackward(dMid, dx, planes); };
    const a = time(first), b = time(second), total = time(() => { first(); second(); });
    console.log([`[1,${d},${h},${w},${c}]`, kind, a.toFixed(2), b.toFixed(2), total.toFixed(2), copyMs.toFixed(2), time(back).toFixed(2)].join(' | '));
  }
}
