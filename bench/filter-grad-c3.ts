// The three-channel filter gradient (convFilterGradC3) against the im2col kernel it replaced
// on the zoo's RGB stems (VGG 3->32, ResNet-20 3->16, MobileNet 3->32 at stride 2), one
// thread by CPU time, alternating, the fastest of 15 rounds (a loaded machine); and its
// error against the reference backend.
//   node --import tsx bench/filter-grad-c3.ts
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { convInfo } from '../src/ops/conv.ts';
const be = new WasmBackend(1); await be.whenReady();
const js = new JsBackend();
const f32 = (n: number) => { const v = be.mem.f32(be.mem.reserve(n * 4), n); for (let i = 0; i < n; i++) v[i] = Math.random() - 0.5; return v; };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
for (const [F, hw, s] of [[32, 32, 1], [16, 32, 1], [32, 64, 2]]) {
  const B = s === 2 ? 32 : 64;
  const i3 = convInfo([B, hw, hw, 3], [3, 3, 3, F], { padding: 'same', strides: s });
  const x3 = f32(B * hw * hw * 3), dy = f32(B * i3.outH * i3.outW * F), w3 = f32(27 * F), ref = new Float32Array(27 * F);
  js.conv2dBackpropFilter(x3, dy, ref, i3); trainTuning.threeChannelFilterGrad = true;
  be.conv2dBackpropFilter(x3, dy, w3, i3);
  let err = 0, mx = 0; for (let i = 0; i < ref.length; i++) { err = Math.max(err, Math.abs(ref[i] - w3[i])); mx = Math.max(mx, Math.abs(ref[i])); }
  const t = [[], []] as number[][];
  for (let r = 0; r < 15; r++) for (const k of r % 2 ? [0, 1] : [1, 0]) {
    trainTuning.threeChannelFilterGrad = k > 0;
    const st = cpu(); be.conv2dBackpropFilter(x3, dy, w3, i3); t[k].push(cpu() - st);
  }
  const med = (v: number[]) => v.sort((a, b) => a - b)[2];
  console.log(`${B}x${hw}x${hw}x3 -> ${F} s${s}: im2col ${med(t[0]).toFixed(2)} ms, c3 ${med(t[1]).toFixed(2)} ms (${(med(t[0]) / med(t[1])).toFixed(2)}x); max err ${(err / mx).toExponential(2)} rel`);
}
process.exit(0);
