// Optimizer updates beyond Adam/SGD/RMSprop, in place, four lanes at a time. Each takes the
// arrays it updates first, then the gradient, the length and the scalars (as the reference
// kernels in ../../js/optimizers.ts, which define them).

// Adagrad: acc += g^2; w -= lr g / sqrt(acc + eps).
export function adagrad(w: usize, acc: usize, g: usize, n: i32, lr: f32, eps: f32): void {
  const rate = f32x4.splat(lr), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o);
    const a = f32x4.add(v128.load(acc + o), f32x4.mul(gv, gv));
    v128.store(acc + o, a);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(rate, gv), f32x4.sqrt(f32x4.add(a, e)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o);
    const a = load<f32>(acc + o) + gv * gv;
    store<f32>(acc + o, a);
    store<f32>(w + o, load<f32>(w + o) - (lr * gv) / Mathf.sqrt(a + eps));
  }
}

// Adadelta: ag = rho ag + (1 - rho) g^2; d = sqrt(av + eps) / sqrt(ag + eps) g;
// av = rho av + (1 - rho) d^2; w -= lr d.
export function adadelta(w: usize, ag: usize, av: usize, g: usize, n: i32, lr: f32, rho: f32, eps: f32): void {
  const r = f32x4.splat(rho), nr = f32x4.splat(1 - rho), rate = f32x4.splat(lr), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o);
    const a = f32x4.add(f32x4.mul(r, v128.load(ag + o)), f32x4.mul(nr, f32x4.mul(gv, gv)));
    v128.store(ag + o, a);
    const d = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(v128.load(av + o), e)), f32x4.sqrt(f32x4.add(a, e))), gv);
    v128.store(av + o, f32x4.add(f32x4.mul(r, v128.load(av + o)), f32x4.mul(nr, f32x4.mul(d, d))));
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(rate, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o);
    const a = rho * load<f32>(ag + o) + (1 - rho) * gv * gv;
    store<f32>(ag + o, a);
    const d = (Mathf.sqrt(load<f32>(av + o) + eps) / Mathf.sqrt(a + eps)) * gv;
    store<f32>(av + o, rho * load<f32>(av + o) + (1 - rho) * d * d);
    store<f32>(w + o, load<f32>(w + o) - lr * d);
  }
}

// Adamax: m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w -= (lr / c1) m / (u + eps).
export function adamax(w: usize, m: usize, u: usize, g: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32): void {
  const b1 = f32x4.splat(beta1), nb1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), rate = f32x4.splat(lr / c1), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(nb1, gv));
    const uv = f32x4.max(f32x4.mul(b2, v128.load(u + o)), f32x4.abs(gv));
    v128.store(m + o, mv);
    v128.store(u + o, uv);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(rate, mv), f32x4.add(uv, e))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o);
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const uv = max(beta2 * load<f32>(u + o), Mathf.abs(gv));
    store<f32>(m + o, mv);
    store<f32>(u + o, uv);
    store<f32>(w + o, load<f32>(w + o) - ((lr / c1) * mv) / (uv + eps));
  }
}

// Nadam: m, v as Adam; w -= lr (a m + b g) / (sqrt(v / c2) + eps), a and b the momentum
// schedule's coefficients for this step.
export function nadam(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, a: f32, b: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1), nb1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), nb2 = f32x4.splat(1 - beta2);
  const av = f32x4.splat(a), bv = f32x4.splat(b), ic2 = f32x4.splat(1 / c2), rate = f32x4.splat(lr), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(nb1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(nb2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const num = f32x4.add(f32x4.mul(av, mv), f32x4.mul(bv, gv));
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(rate, num), f32x4.add(f32x4.sqrt(f32x4.mul(vv, ic2)), e))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o);
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) - (lr * (a * mv + b * gv)) / (Mathf.sqrt(vv / c2) + eps));
  }
}

// Lion: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g.
export function lion(w: usize, m: usize, g: usize, n: i32, lr: f32, beta1: f32, beta2: f32): void {
  const b1 = f32x4.splat(beta1), nb1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), nb2 = f32x4.splat(1 - beta2), rate = f32x4.splat(lr);
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o), mv = v128.load(m + o);
    const c = f32x4.add(f32x4.mul(b1, mv), f32x4.mul(nb1, gv));
    // sign(c): +1, -1 or 0 (NaN stays NaN through c - c).
    const s = f32x4.add(f32x4.sub(v128.and(one, f32x4.gt(c, zero)), v128.and(one, f32x4.lt(c, zero))), f32x4.sub(c, c));
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(rate, s)));
    v128.store(m + o, f32x4.add(f32x4.mul(b2, mv), f32x4.mul(nb2, gv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o), mv = load<f32>(m + o);
    const c = beta1 * mv + (1 - beta1) * gv;
    const s: f32 = c > 0 ? 1 : c < 0 ? -1 : c - c;
    store<f32>(w + o, load<f32>(w + o) - lr * s);
    store<f32>(m + o, beta2 * mv + (1 - beta2) * gv);
  }
}

// FTRL-proximal with learning_rate_power -0.5 (the default) in SIMD; other powers per element.
// gs = g + 2 l2s w; acc' = acc + g^2; linear += gs - (acc'^-p - acc^-p) / lr w;
// quadratic = acc'^-p / lr + 2 l2; w = |linear| > l1 ? (sign(linear) l1 - linear) / quadratic : 0.
export function ftrl(w: usize, acc: usize, lin: usize, g: usize, n: i32, lr: f32, power: f32, l1: f32, l2: f32, l2s: f32): void {
  let i = 0;
  if (power == -0.5) {
    const rate = f32x4.splat(1 / lr), l1v = f32x4.splat(l1), l2v = f32x4.splat(2 * l2), l2sv = f32x4.splat(2 * l2s), zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2, gv = v128.load(g + o), wv = v128.load(w + o), av = v128.load(acc + o);
      const gs = f32x4.add(gv, f32x4.mul(l2sv, wv));
      const na = f32x4.add(av, f32x4.mul(gv, gv));
      const sNew = f32x4.sqrt(na), sOld = f32x4.sqrt(av);
      const lv = f32x4.sub(f32x4.add(v128.load(lin + o), gs), f32x4.mul(f32x4.mul(f32x4.sub(sNew, sOld), rate), wv));
      const q = f32x4.add(f32x4.mul(sNew, rate), l2v);
      const signed = v128.bitselect(l1v, f32x4.neg(l1v), f32x4.gt(lv, zero));
      const nw = f32x4.div(f32x4.sub(signed, lv), q);
      v128.store(w + o, v128.and(nw, f32x4.gt(f32x4.abs(lv), l1v)));
      v128.store(acc + o, na);
      v128.store(lin + o, lv);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o), wv = load<f32>(w + o), av = load<f32>(acc + o);
    const gs = gv + 2 * l2s * wv;
    const na = av + gv * gv;
    const pNew = Mathf.pow(na, -power), pOld = Mathf.pow(av, -power);
    const lv = load<f32>(lin + o) + gs - ((pNew - pOld) / lr) * wv;
    const q = pNew / lr + 2 * l2;
    store<f32>(w + o, Mathf.abs(lv) > l1 ? ((lv > 0 ? l1 : -l1) - lv) / q : 0);
    store<f32>(acc + o, na);
    store<f32>(lin + o, lv);
  }
}

// Exponential moving average: avg = momentum avg + (1 - momentum) w.
export function emaUpdate(avg: usize, w: usize, n: i32, momentum: f32): void {
  const mo = f32x4.splat(momentum), nm = f32x4.splat(1 - momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(avg + o, f32x4.add(f32x4.mul(mo, v128.load(avg + o)), f32x4.mul(nm, v128.load(w + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(avg + o, momentum * load<f32>(avg + o) + (1 - momentum) * load<f32>(w + o));
  }
}

// Centered RMSprop: ms = rho ms + (1 - rho) g^2; mg = rho mg + (1 - rho) g;
// inc = lr g / sqrt(ms - mg^2 + eps); w -= inc, or with momentum (moment != 0) mom = momentum mom + inc, w -= mom.
export function rmspropCentered(w: usize, ms: usize, mg: usize, moment: usize, g: usize, n: i32, lr: f32, rho: f32, momentum: f32, eps: f32): void {
  const r = f32x4.splat(rho), nr = f32x4.splat(1 - rho), rate = f32x4.splat(lr), mo = f32x4.splat(momentum), e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2, gv = v128.load(g + o);
    const msv = f32x4.add(f32x4.mul(r, v128.load(ms + o)), f32x4.mul(nr, f32x4.mul(gv, gv)));
    const mgv = f32x4.add(f32x4.mul(r, v128.load(mg + o)), f32x4.mul(nr, gv));
    v128.store(ms + o, msv);
    v128.store(mg + o, mgv);
    let inc = f32x4.div(f32x4.mul(rate, gv), f32x4.sqrt(f32x4.add(f32x4.sub(msv, f32x4.mul(mgv, mgv)), e)));
    if (moment) { inc = f32x4.add(f32x4.mul(mo, v128.load(moment + o)), inc); v128.store(moment + o, inc); }
    v128.store(w + o, f32x4.sub(v128.load(w + o), inc));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2, gv = load<f32>(g + o);
    const msv = rho * load<f32>(ms + o) + (1 - rho) * gv * gv;
    const mgv = rho * load<f32>(mg + o) + (1 - rho) * gv;
    store<f32>(ms + o, msv);
    store<f32>(mg + o, mgv);
    let inc = (lr * gv) / Mathf.sqrt(msv - mgv * mgv + eps);
    if (moment) { inc = momentum * load<f32>(moment + o) + inc; store<f32>(moment + o, inc); }
    store<f32>(w + o, load<f32>(w + o) - inc);
  }
}
