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

function make(className: string, config: Record<string, unknown>, sample: (rng: Random, shape: Shape) => number): Initializer {
  const seed = config.seed as number | undefined;
  const f = ((shape: Shape, dtype: DType = 'float32') => {
    const rng = seed === undefined ? random() : new Random(seed);
    const data = allocArray(dtype, sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = sample(rng, shape);
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
  zeros: (): Initializer => make('Zeros', {}, () => 0),
  ones: (): Initializer => make('Ones', {}, () => 1),
  constant: ({ value = 0 }: { value?: number } = {}): Initializer => make('Constant', { value }, () => value),
  randomUniform: ({ minval = -0.05, maxval = 0.05, seed }: { minval?: number; maxval?: number } & SeedArgs = {}): Initializer =>
    make('RandomUniform', { minval, maxval, seed }, (r) => r.uniform(minval, maxval)),
  randomNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number } & SeedArgs = {}): Initializer =>
    make('RandomNormal', { mean, stddev, seed }, (r) => r.normal(mean, stddev)),
  /** Keras's VarianceScaling: std (or limit) from scale / fan; glorot and he are special cases. */
  varianceScaling: ({ scale = 1, mode = 'fan_in', distribution = 'truncated_normal', seed }: VarianceScalingArgs = {}): Initializer => {
    const fan = (s: Shape): number => { const [i, o] = fans(s); return mode === 'fan_in' ? i : mode === 'fan_out' ? o : (i + o) / 2; };
    const config = { scale, mode, distribution, seed };
    if (distribution === 'uniform') return make('VarianceScaling', config, (r, s) => { const l = Math.sqrt((3 * scale) / fan(s)); return r.uniform(-l, l); });
    if (distribution === 'untruncated_normal') return make('VarianceScaling', config, (r, s) => r.normal(0, Math.sqrt(scale / fan(s))));
    // 'normal' (as TensorFlow.js writes it) and 'truncated_normal': a normal cut at two std;
    // 0.8796... is the std of a unit normal truncated so, which the scale undoes.
    return make('VarianceScaling', config, (r, s) => truncatedNormal(r, Math.sqrt(scale / fan(s)) / 0.8796256610342398));
  },
  glorotUniform: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed }),
  glorotNormal: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed }),
  heUniform: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed }),
  heNormal: ({ seed }: SeedArgs = {}): Initializer => initializers.varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed }),
};

export type InitializerName = keyof typeof initializers;
export type InitializerIdentifier = InitializerName | Initializer;

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Accepts an initializer, its camelCase name ('glorotUniform') or Keras's ('glorot_uniform'). */
export function getInitializer(id: InitializerIdentifier, what: string): Initializer {
  if (typeof id === 'function') return id;
  const key = snakeToCamel(id) as InitializerName;
  if (!(key in initializers)) throw new Error(`${what}: unknown initializer '${id}', expected one of ${Object.keys(initializers).join(', ')}`);
  return initializers[key]();
}
