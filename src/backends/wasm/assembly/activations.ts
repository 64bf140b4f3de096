// Element-wise math in SIMD: the activations and their gradients' arithmetic, softmax and the
// fused softmax cross-entropy. exp is computed here (wasm has no vector exp): 2^n times a
// polynomial on the remainder, within a few float32 ulps of Math.exp.

// Op codes (the order of UNARY_OPS / BINARY_OPS in ../index.ts).
const NEG = 0, ABS = 1, EXP = 2, SQRT = 3, SQUARE = 4, RECIPROCAL = 5, RELU = 6, SIGMOID = 7, TANH = 8, STEP = 9;
const ELU = 10, SELU = 11, SOFTPLUS = 12, SOFTSIGN = 13, ERF = 14, RELU6 = 15, RELU6_STEP = 16, SIGN = 17;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 4, MINIMUM = 5, RELU_GRAD = 6, RELU6_GRAD = 7;
// Comparisons as 1/0 float masks (the gradients' selections): NaN compares false, but != true.
const EQUAL = 8, NOT_EQUAL = 9, GREATER = 10, GREATER_EQUAL = 11, LESS = 12, LESS_EQUAL = 13;

// e^x for four lanes: x = n ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to r^7
// (relative error below 2e-8 there), times 2^n as two powers of two built in the exponent
// bits (one alone cannot reach float32's subnormals or its top binade). Infinity above
// float32's range, 0 below it, NaN stays NaN.
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  const c = f32x4.max(f32x4.min(x, f32x4.splat(88.72283)), f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(c, f32x4.splat(1.442695041)));
  let r = f32x4.sub(c, f32x4.mul(n, f32x4.splat(0.693145752)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606765e-6)));
  let p = f32x4.splat(1.0 / 5040);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  const ni = i32x4.trunc_sat_f32x4_s(n), half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23), s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  const y = v128.bitselect(f32x4.splat(Infinity), f32x4.mul(f32x4.mul(p, s1), s2), f32x4.gt(x, f32x4.splat(88.72284)));
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

// tanh: an odd Taylor polynomial near 0 (where 1 - 2 / (e^2x + 1) would lose digits to
// cancellation), that formula elsewhere.
// @ts-ignore: decorator
@inline function tanh4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-1382.0 / 155925);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(62.0 / 2835));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-17.0 / 315));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.0 / 15));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3));
  const near = f32x4.add(x, f32x4.mul(f32x4.mul(p, x2), x));
  const far = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(exp4(f32x4.add(x, x)), f32x4.splat(1))));
  return v128.bitselect(near, far, f32x4.lt(f32x4.abs(x), f32x4.splat(0.3)));
}

const SELU_ALPHA: f32 = 1.6732632423543772, SELU_SCALE: f32 = 1.0507009873554805;

// e^x - 1, keeping its digits near 0 (where exp4(x) - 1 would cancel): a Taylor polynomial
// for |x| < 0.25, exp4(x) - 1 elsewhere.
// @ts-ignore: decorator
@inline function expm1(x: v128): v128 {
  let p = f32x4.splat(1.0 / 720);
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(0.5));
  const near = f32x4.add(x, f32x4.mul(f32x4.mul(p, x), x));
  return v128.bitselect(near, f32x4.sub(exp4(x), f32x4.splat(1)), f32x4.lt(f32x4.abs(x), f32x4.splat(0.25)));
}

// log(1 + u) for u in [0, 1] (softplus's e^-|x|): 2 atanh(t) with t = u / (2 + u) <= 1/3, by
// its odd series to t^13 (relative error below 1e-8; no cancellation for small u).
// @ts-ignore: decorator
@inline function log1p4(u: v128): v128 {
  const t = f32x4.div(u, f32x4.add(f32x4.splat(2), u)), t2 = f32x4.mul(t, t);
  let p = f32x4.splat(1.0 / 13);
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1.0 / 11));
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1.0 / 9));
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1.0 / 7));
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1.0 / 5));
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1.0 / 3));
  p = f32x4.add(f32x4.mul(p, t2), f32x4.splat(1));
  return f32x4.mul(f32x4.mul(p, t), f32x4.splat(2));
}

// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7): 1 - t P(t) e^-x^2 with
// t = 1 / (1 + p |x|), the sign of x put back; NaN stays NaN.
// @ts-ignore: decorator
@inline function erf4(x: v128): v128 {
  const a = f32x4.abs(x);
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.3275911), a)));
  let p = f32x4.splat(1.061405429);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.453152027));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.421413741));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.284496736));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.254829592));
  const y = f32x4.sub(f32x4.splat(1), f32x4.mul(f32x4.mul(p, t), exp4(f32x4.neg(f32x4.mul(a, a)))));
  const signed = v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(x, signed, f32x4.ne(x, x));
}

// @ts-ignore: decorator
@inline function unary4(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case ABS: return f32x4.abs(x);
    case EXP: return exp4(x);
    case SQRT: return f32x4.sqrt(x);
    case SQUARE: return f32x4.mul(x, x);
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    // NaN stays NaN (as in TensorFlow): keep x where x > 0 or x is NaN.
    // pmax(x, 0) is x < 0 ? 0 : x (one maxps; NaN kept), and + 0 turns its -0 into the reference's +0.
    case RELU: return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), f32x4.splat(0));
    case ELU: return v128.bitselect(x, expm1(x), f32x4.gt(x, f32x4.splat(0)));
    case SELU: return f32x4.mul(f32x4.splat(SELU_SCALE), v128.bitselect(x, f32x4.mul(f32x4.splat(SELU_ALPHA), expm1(x)), f32x4.gt(x, f32x4.splat(0))));
    case SOFTPLUS: return f32x4.add(f32x4.max(x, f32x4.splat(0)), log1p4(exp4(f32x4.neg(f32x4.abs(x)))));
    case SOFTSIGN: return f32x4.div(x, f32x4.add(f32x4.splat(1), f32x4.abs(x)));
    case ERF: return erf4(x);
    case SIGMOID: return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(x))));
    case TANH: return tanh4(x);
    // min(max(x, 0), 6): wasm's min and max keep NaN (and max(-0, 0) is +0, as the reference).
    case RELU6: return f32x4.min(f32x4.max(x, f32x4.splat(0)), f32x4.splat(6));
    case RELU6_STEP: return v128.and(f32x4.splat(1), v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.lt(x, f32x4.splat(6))));
    // -1 or 1 where x < 0 or x > 0; x itself elsewhere (0, -0 and NaN, as Math.sign).
    case SIGN: {
      const gt = f32x4.gt(x, f32x4.splat(0)), lt = f32x4.lt(x, f32x4.splat(0));
      return v128.bitselect(v128.or(v128.and(gt, f32x4.splat(1)), v128.and(lt, f32x4.splat(-1))), x, v128.or(gt, lt));
    }
    // STEP: 1 where x > 0, 0 where x <= 0, NaN kept (as TF.js's tf.step; x != x only for NaN).
    default: return v128.or(v128.and(f32x4.splat(1), f32x4.gt(x, f32x4.splat(0))), v128.and(x, f32x4.ne(x, x)));
  }
}

// out[i] = op(x[i]) for i in [start, end). The cheap (memory-bound) activations and their
// masks get a loop each with the op a constant in it (one loop for all jumps on op for every
// vector); the others are bound by their arithmetic.
export function unaryF32(op: i32, x: usize, out: usize, start: i32, end: i32): void {
  switch (op) {
    case RELU: reluLoop(x, out, start, end); break;
    case STEP: stepLoop(x, out, start, end); break;
    case RELU6: relu6Loop(x, out, start, end); break;
    case RELU6_STEP: relu6StepLoop(x, out, start, end); break;
    default: unaryLoop(op, x, out, start, end);
  }
}

// Functions of their own, each with its op a constant (inlined copies of one loop with op in a
// local were folded back into one loop).
function reluLoop(x: usize, out: usize, start: i32, end: i32): void { unaryLoop(RELU, x, out, start, end); }
function stepLoop(x: usize, out: usize, start: i32, end: i32): void { unaryLoop(STEP, x, out, start, end); }
function relu6Loop(x: usize, out: usize, start: i32, end: i32): void { unaryLoop(RELU6, x, out, start, end); }
function relu6StepLoop(x: usize, out: usize, start: i32, end: i32): void { unaryLoop(RELU6_STEP, x, out, start, end); }

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, out: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) v128.store(out + (<usize>i << 2), unary4(op, v128.load(x + (<usize>i << 2))));
  for (; i < end; i++) {
    // The last few through the same vector code, one lane used: identical results.
    const v = unary4(op, f32x4.splat(load<f32>(x + (<usize>i << 2))));
    store<f32>(out + (<usize>i << 2), f32x4.extract_lane(v, 0));
  }
}

// @ts-ignore: decorator
@inline function binary4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAXIMUM: return f32x4.max(a, b);
    case MINIMUM: return f32x4.min(a, b);
    // dy * mask(y) as a product (NaN or Inf in dy stays NaN where the mask is 0, as mul(dy, step(y))).
    case RELU_GRAD: return f32x4.mul(a, v128.and(f32x4.gt(b, f32x4.splat(0)), f32x4.splat(1)));
    case EQUAL: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
    case NOT_EQUAL: return v128.and(f32x4.ne(a, b), f32x4.splat(1));
    case GREATER: return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    case GREATER_EQUAL: return v128.and(f32x4.ge(a, b), f32x4.splat(1));
    case LESS: return v128.and(f32x4.lt(a, b), f32x4.splat(1));
    case LESS_EQUAL: return v128.and(f32x4.le(a, b), f32x4.splat(1));
    default: return f32x4.mul(a, v128.and(v128.and(f32x4.gt(b, f32x4.splat(0)), f32x4.lt(b, f32x4.splat(6))), f32x4.splat(1))); // RELU6_GRAD
  }
}

// out[i] = a[i] op b[i] for i in [start, end); mode 1: b is one value, 2: a is one value.
// Same-shape add, sub and mul get a loop each (op and mode constants in it, as unaryF32's).
export function binaryF32(op: i32, a: usize, b: usize, out: usize, mode: i32, start: i32, end: i32): void {
  if (mode == 0 && op == ADD) binaryLoop(ADD, a, b, out, 0, start, end);
  else if (mode == 0 && op == MUL) binaryLoop(MUL, a, b, out, 0, start, end);
  else if (mode == 0 && op == SUB) binaryLoop(SUB, a, b, out, 0, start, end);
  else if (mode == 0 && op == RELU_GRAD) binaryLoop(RELU_GRAD, a, b, out, 0, start, end);
  else binaryLoop(op, a, b, out, mode, start, end);
}

// @ts-ignore: decorator
@inline function binaryLoop(op: i32, a: usize, b: usize, out: usize, mode: i32, start: i32, end: i32): void {
  const aStep: usize = mode == 2 ? 0 : 4, bStep: usize = mode == 1 ? 0 : 4;
  const aOne = v128.load32_splat(a), bOne = v128.load32_splat(b);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const va = mode == 2 ? aOne : v128.load(a + o), vb = mode == 1 ? bOne : v128.load(b + o);
    v128.store(out + o, binary4(op, va, vb));
  }
  for (; i < end; i++) {
    const v = binary4(op, f32x4.splat(load<f32>(a + <usize>i * aStep)), f32x4.splat(load<f32>(b + <usize>i * bStep)));
    store<f32>(out + (<usize>i << 2), f32x4.extract_lane(v, 0));
  }
}

// Row-wise softmax of [rows, cols] for rows [r0, r1): exp(x - max) / sum, or with `log`
// x - max - log(sum). Softmax cross-entropy also writes each row's -log p[label] to loss
// (0 for none) from the logits, so it stays finite when p underflows; a label outside
// [0, cols) gives NaN.
export function softmaxRows(x: usize, out: usize, labels: usize, loss: usize, cols: i32, log: bool, r0: i32, r1: i32): void {
  const c4 = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const px = x + (<usize>(r * cols) << 2), po = out + (<usize>(r * cols) << 2);
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < c4; j += 4) mv = f32x4.max(mv, v128.load(px + (<usize>j << 2)));
    let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < cols; j++) mx = max(mx, load<f32>(px + (<usize>j << 2)));
    const m = f32x4.splat(mx);
    let sv = f32x4.splat(0);
    for (j = 0; j < c4; j += 4) {
      const e = exp4(f32x4.sub(v128.load(px + (<usize>j << 2)), m));
      if (!log) v128.store(po + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    let sum = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    for (; j < cols; j++) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(px + (<usize>j << 2)) - mx)), 0);
      if (!log) store<f32>(po + (<usize>j << 2), e);
      sum += e;
    }
    // (x - max) - log(sum), not x - (max + log(sum)): the log-probabilities near 0 keep
    // their digits.
    const ls = Mathf.log(sum);
    if (log) {
      const l = f32x4.splat(ls);
      for (j = 0; j < c4; j += 4) v128.store(po + (<usize>j << 2), f32x4.sub(f32x4.sub(v128.load(px + (<usize>j << 2)), m), l));
      for (; j < cols; j++) store<f32>(po + (<usize>j << 2), (load<f32>(px + (<usize>j << 2)) - mx) - ls);
    } else {
      const inv = f32x4.splat(1 / sum);
      for (j = 0; j < c4; j += 4) v128.store(po + (<usize>j << 2), f32x4.mul(v128.load(po + (<usize>j << 2)), inv));
      for (; j < cols; j++) store<f32>(po + (<usize>j << 2), load<f32>(po + (<usize>j << 2)) / sum);
    }
    if (loss) {
      const label = load<i32>(labels + (<usize>r << 2));
      store<f32>(loss + (<usize>r << 2), <u32>label < <u32>cols ? ls - (load<f32>(px + (<usize>label << 2)) - mx) : NaN);
    }
  }
}

// dlogits[r, j] = (probs[r, j] - (j == label[r])) * dy[r] for rows [r0, r1).
export function softmaxCrossEntropyGrad(probs: usize, labels: usize, dy: usize, dlogits: usize, cols: i32, r0: i32, r1: i32): void {
  const c4 = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const pp = probs + (<usize>(r * cols) << 2), pd = dlogits + (<usize>(r * cols) << 2);
    const g = load<f32>(dy + (<usize>r << 2)), gv = f32x4.splat(g);
    let j = 0;
    for (; j < c4; j += 4) v128.store(pd + (<usize>j << 2), f32x4.mul(v128.load(pp + (<usize>j << 2)), gv));
    for (; j < cols; j++) store<f32>(pd + (<usize>j << 2), load<f32>(pp + (<usize>j << 2)) * g);
    const label = load<i32>(labels + (<usize>r << 2));
    if (<u32>label < <u32>cols) store<f32>(pd + (<usize>label << 2), load<f32>(pd + (<usize>label << 2)) - g);
  }
}

// out[a, b, c, d] = x[..] op y[..] with broadcast strides (0 = stretched) for a shape of rank
// <= 4 and rows [i0, i1) of its first axis; the last axis in vectors where both operands step
// by 0 or 1 along it.
export function binaryStrided(op: i32, x: usize, y: usize, out: usize, o1: i32, o2: i32, o3: i32,
  xs0: i32, xs1: i32, xs2: i32, xs3: i32, ys0: i32, ys1: i32, ys2: i32, ys3: i32, i0: i32, i1: i32): void {
  const vector = (xs3 == 0 || xs3 == 1) && (ys3 == 0 || ys3 == 1);
  let o = out + (<usize>(i0 * o1 * o2 * o3) << 2);
  for (let a = i0; a < i1; a++) {
    for (let b = 0; b < o1; b++) {
      for (let c = 0; c < o2; c++) {
        const px = x + (<usize>(a * xs0 + b * xs1 + c * xs2) << 2), py = y + (<usize>(a * ys0 + b * ys1 + c * ys2) << 2);
        let d = 0;
        if (vector) {
          const xOne = v128.load32_splat(px), yOne = v128.load32_splat(py);
          for (; d + 4 <= o3; d += 4, o += 16) {
            const vx = xs3 == 0 ? xOne : v128.load(px + (<usize>d << 2)), vy = ys3 == 0 ? yOne : v128.load(py + (<usize>d << 2));
            v128.store(o, binary4(op, vx, vy));
          }
        }
        for (; d < o3; d++, o += 4) {
          const v = binary4(op, f32x4.splat(load<f32>(px + (<usize>(d * xs3) << 2))), f32x4.splat(load<f32>(py + (<usize>(d * ys3) << 2))));
          store<f32>(o, f32x4.extract_lane(v, 0));
        }
      }
    }
  }
}
