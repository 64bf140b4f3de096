// Weight initializers with Keras's names and defaults.
import { allocArray, type DType } from '../core/dtype.ts';
import { sizeOf, type Shape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';

export interface Initializer {
  readonly className: string;
  (shape: Shape, dtype?: DType): Tensor;
  getConfig(): Record<string, unknown>;
}

/** Fan-in and fan-out as Keras computes them (a conv kernel's receptive field counts). */
export function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/**
 * A uniform draw of [lo, hi) that stays below hi once stored as float32: lo + (hi - lo) u with
 * u just below 1 can round onto hi (randomUniform({minval: -2, maxval: 3}) gave 3), which
 * Keras's half-open range excludes; such a draw becomes the largest float32 below hi.
 */
export function uniform32(r: Random, lo: number, hi: number): number {
  const v = r.uniform(lo, hi);
  if (Math.fround(v) < hi) return v;
  const bits = new Float32Array([hi]), word = new Int32Array(bits.buffer);
  if (bits[0] >= hi) word[0] += hi > 0 ? -1 : hi < 0 ? 1 : -2147483647; // one float32 step down (below 0: -1.4e-45)
  return Math.max(lo, bits[0]);
}

/** An initializer from a sampler per shape (its fan and limits computed once, not per value). */
function make(className: string, config: Record<string, unknown>, samplerFor: (shape: Shape) => (rng: Random) => number): Initializer {
  const seed = config.seed as number | undefined;
  const f = ((shape: Shape, dtype: DType = 'float32') => {
    const rng = seed === undefined ? random() : new Random(seed);
    const data = allocArray(dtype, sizeOf(shape));
    const sample = samplerFor(shape);
    for (let i = 0; i < data.length; i++) data[i] = sample(rng);
    return new Tensor(data, shape);
  }) as Initializer;
  Object.defineProperty(f, 'className', { value: className });
  f.getConfig = () => ({ ...config });
  return f;
}

interface SeedArgs { seed?: number }
export interface VarianceScalingArgs extends SeedArgs {
  scale?: number;
  mode?: 'fan_in' | 'fan_out' | 'fan_avg';
  distribution?: 'normal' | 'truncated_normal' | 'untruncated_normal' | 'uniform';
}

/** A normal sample redrawn until it lies within two standard deviations (as Keras does). */
const truncatedNormal = (rng: Random, std: number): number => {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return v * std;
  }
};

export const initializers: Record<string, (args?: any) => Initializer> & {
  varianceScaling(args?: VarianceScalingArgs): Initializer;
} = {
  zeros: (): Initializer => make('Zeros', {}, () => () => 0),
  ones: (): Initializer => make('Ones', {}, () => () => 1),
  constant: ({ value = 0 }: { value?: number } = {}): Initializer => make('Constant', { value }, () => () => value),
  randomUniform: ({ minval = -0.05, maxval = 0.05, seed }: { minval?: number; maxval?: number } & SeedArgs = {}): Initializer =>
    make('RandomUniform', { minval, maxval, seed }, () => (r) => uniform32(r, minval, maxval)),
  randomNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number } & SeedArgs = {}): Initializer =>
    make('RandomNormal', { mean, stddev, seed }, () => (r) => r.normal(mean, stddev)),
  /** Keras's VarianceScaling: std (or limit) from scale / fan; glorot and he are special cases. */
  varianceScaling: ({ scale = 1, mode = 'fan_in', distribution = 'truncated_normal', seed }: VarianceScalingArgs = {}): Initializer => {
    const fan = (s: Shape): number => { const [i, o] = fans(s); return mode === 'fan_in' ? i : mode === 'fan_out' ? o : (i + o) / 2; };
    const config = { scale, mode, distribution, seed };
    if (distribution === 'uniform') return make('VarianceScaling', config, (s) => { const l = Math.sqrt((3 * scale) / fan(s)); return (r) => uniform32(r, -l, l); });
    if (distribution === 'untruncated_normal') return make('VarianceScaling', config, (s) => { const std = Math.sqrt(scale / fan(s)); return (r) => r.normal(0, std); });
    // 'normal' (as TensorFlow.js writes it) and 'truncated_normal': a normal cut at two std;
    // 0.8796... is the std of a unit normal truncated so, which the scale undoes.
    return make('VarianceScaling', config, (s) => { const std = Math.sqrt(scale / fan(s)) / 0.8796256610342398; return (r) => truncatedNormal(r, std); });
  },
  glorotUniform: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed }),
  glorotNormal: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed }),
  heUniform: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed }),
  heNormal: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed }),
  lecunUniform: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_in', distribution: 'uniform', seed }),
  lecunNormal: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed }),
  /** TF.js's spellings of lecunUniform / lecunNormal. */
  leCunUniform: (args: SeedArgs = {}): Initializer => initializers.lecunUniform(args),
  leCunNormal: (args: SeedArgs = {}): Initializer => initializers.lecunNormal(args),
  /** A normal cut at two standard deviations (values beyond are redrawn), as Keras's TruncatedNormal. */
  truncatedNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number } & SeedArgs = {}): Initializer =>
    make('TruncatedNormal', { mean, stddev, seed }, () => (r) => mean + truncatedNormal(r, stddev)),
  orthogonal: ({ gain = 1, seed }: { gain?: number } & SeedArgs = {}): Initializer => matrixInitializer('Orthogonal', { gain, seed }, (rows, cols, rng) => orthogonalMatrix(rows, cols, rng, gain)),
  /** gain times the identity matrix (2-D shapes only; rectangular ones get ones on the diagonal). */
  identity: ({ gain = 1 }: { gain?: number } = {}): Initializer =>
    matrixInitializer('Identity', { gain }, (rows, cols) => Float64Array.from({ length: rows * cols }, (_, i) => (Math.floor(i / cols) === i % cols ? gain : 0)), true),
};

/** An initializer that fills a [rows, cols] matrix (conv kernels: rows = all axes but the last). */
function matrixInitializer(className: string, config: Record<string, unknown>, fill: (rows: number, cols: number, rng: Random) => Float64Array, only2d = false): Initializer {
  const seed = config.seed as number | undefined;
  const f = ((shape: Shape, dtype: DType = 'float32') => {
    if (shape.length < 2 || (only2d && shape.length !== 2)) {
      throw new Error(`${className} initializer: expected a ${only2d ? '2-D' : '2-D or higher'} shape, got [${shape.join(', ')}]`);
    }
    const cols = shape[shape.length - 1], rows = sizeOf(shape) / cols;
    const values = fill(rows, cols, seed === undefined ? random() : new Random(seed));
    const data = allocArray(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape);
  }) as Initializer;
  Object.defineProperty(f, 'className', { value: className });
  f.getConfig = () => ({ ...config });
  return f;
}

/**
 * Keras's Orthogonal: the Q of a QR decomposition of a normal matrix (of the taller
 * orientation), columns signed by R's diagonal so the result is uniformly distributed, times gain.
 */
function orthogonalMatrix(rows: number, cols: number, rng: Random, gain: number): Float64Array {
  const [m, n] = rows >= cols ? [rows, cols] : [cols, rows];
  // Modified Gram-Schmidt on the n columns of an m x n normal matrix (m >= n).
  const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => rng.normal()));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[k][i] * q[j][i];
      for (let i = 0; i < m; i++) q[j][i] -= dot * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[j][i] * q[j][i];
    norm = Math.sqrt(norm);
    // R's diagonal is the positive norm here, so no sign flip is needed.
    for (let i = 0; i < m; i++) q[j][i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  return out;
}

export type InitializerName = keyof typeof initializers;
export type InitializerIdentifier = InitializerName | Initializer | InitializerSpec;

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** An initializer as {className, config}, the form Keras serializes (config keys camelCase or snake_case). */
export interface InitializerSpec { className: string; config?: Record<string, unknown> }

/**
 * Accepts an initializer, its camelCase name ('glorotUniform'), Keras's ('glorot_uniform'), or
 * {className: 'RandomNormal', config: {stddev: 0.1}}.
 */
export function getInitializer(id: InitializerIdentifier | InitializerSpec, what: string): Initializer {
  if (typeof id === 'function') return id;
  const spec = typeof id === 'object' && id !== null && typeof (id as InitializerSpec).className === 'string' ? id as InitializerSpec : null;
  const name = spec ? spec.className.charAt(0).toLowerCase() + spec.className.slice(1) : typeof id === 'string' ? snakeToCamel(id) : null;
  const key = name as InitializerName;
  if (name === null || !Object.hasOwn(initializers, key)) {
    throw new Error(`${what}: unknown initializer '${spec ? spec.className : String(id)}', expected a name or {className, config} of one of ${Object.keys(initializers).join(', ')}`);
  }
  const config = Object.fromEntries(Object.entries(spec?.config ?? {}).map(([k, v]) => [snakeToCamel(k), v ?? undefined]));
  return initializers[key](config);
}
