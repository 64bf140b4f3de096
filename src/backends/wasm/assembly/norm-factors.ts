// Inference BatchNormalization's factors (src/backends/js/norm-factors.ts says why one call):
// scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale over C channels, four
// at a time, with the IEEE float32 steps of the unfused element-wise kernels (the same bits).
// `broadcast`: bit 0 epsilon, bit 1 gamma, bit 2 beta hold one value for every channel.
export function bnInferenceFactors(v: usize, eps: usize, g: usize, m: usize, b: usize, scale: usize, shift: usize, C: i32, broadcast: i32): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const o = <usize>c << 2;
    const e = broadcast & 1 ? v128.load32_splat(eps) : v128.load(eps + o);
    const gv = broadcast & 2 ? v128.load32_splat(g) : v128.load(g + o);
    const bv = broadcast & 4 ? v128.load32_splat(b) : v128.load(b + o);
    const k = f32x4.div(gv, f32x4.sqrt(f32x4.add(v128.load(v + o), e)));
    v128.store(scale + o, k);
    v128.store(shift + o, f32x4.sub(bv, f32x4.mul(v128.load(m + o), k)));
  }
  for (; c < C; c++) {
    const o = <usize>c << 2;
    const e = load<f32>(broadcast & 1 ? eps : eps + o), gv = load<f32>(broadcast & 2 ? g : g + o), bv = load<f32>(broadcast & 4 ? b : b + o);
    const k = gv / sqrt<f32>(load<f32>(v + o) + e);
    store<f32>(scale + o, k);
    store<f32>(shift + o, bv - load<f32>(m + o) * k);
  }
}
