// Reference kernels of the activation functions beyond relu/sigmoid/tanh, in float64.

/** Keras's SELU constants (Klambauer et al. 2017). */
export const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;

/** erf to double precision: its Maclaurin series below 2.5, the continued fraction of erfc above. */
export function erf(x: number): number {
  if (x !== x) return x;
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    r = (sum * 2) / Math.sqrt(Math.PI);
  } else {
    // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + ...)))).
    let k = a;
    for (let n = 80; n >= 1; n--) k = a + n / 2 / k;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / k;
  }
  return x < 0 ? -r : r;
}

export const ACTIVATION_UNARY = {
  elu: (x: number): number => (x > 0 ? x : Math.expm1(x)),
  selu: (x: number): number => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  /** log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|). */
  softplus: (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  softsign: (x: number): number => x / (1 + Math.abs(x)),
  erf,
};
