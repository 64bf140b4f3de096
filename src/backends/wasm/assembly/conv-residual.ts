// The residual epilogue (the end of a residual block): out = act(conv(x, w) + bias + res).
// The direct kernel's rows get the residual added image by image, right after they are
// written, while they are still in cache; other paths add it in a pass of their own.
import { convDirect, epilogue, epilogue1 } from './conv';

// out[i] = act(out[i] + res[i]) for floats [start, end).
export function residualActivate(out: usize, res: usize, act: i32, start: i32, end: i32): void {
  const zero = f32x4.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = out + (<usize>i << 2);
    v128.store(o, epilogue(f32x4.add(v128.load(o), v128.load(res + (<usize>i << 2))), act, zero));
  }
  for (; i < end; i++) {
    const o = out + (<usize>i << 2);
    const v = load<f32>(o) + load<f32>(res + (<usize>i << 2));
    store<f32>(o, epilogue1(v, act));
  }
}

// convDirect's rows [r0, r1) of batch * outH (the same chunks and scratch), one image's
// rows at a time, each followed by its residual add and activation.
export function convDirectResidual(x: usize, w: usize, wp: usize, bias: usize, res: usize, out: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, chunk: i32, r0: i32, r1: i32): void {
  const row = outW * outC;
  for (let r = r0; r < r1;) {
    const e = min(r1, (r / outH + 1) * outH);
    convDirect(x, w, wp, bias, out, pads, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft, dH, dW, 0, chunk, r, e);
    residualActivate(out, res, act, r * row, e * row);
    r = e;
  }
}
