// Weight regularizers (l1, l2, l1l2: penalties added to the loss that fit minimizes, as Keras
// adds model.losses) and constraints (maxNorm, nonNeg, unitNorm, minMaxNorm: applied to a
// weight after each optimizer update). Penalties are ops on the weights, so a compiled step
// computes them with kernels every batch.
import type { Tensor, Variable } from '../core/tensor.ts';
import { noGrad } from '../core/engine.ts';
import * as ops from '../ops/index.ts';

export interface Regularizer { readonly className: string; (x: Tensor): Tensor; getConfig(): Record<string, unknown> }
export interface Constraint { readonly className: string; (w: Tensor): Tensor; getConfig(): Record<string, unknown> }
/** A regularizer or constraint as Keras serializes it (config keys camelCase or snake_case). */
export interface ObjectSpec { className: string; config?: Record<string, unknown> }
export type RegularizerIdentifier = 'l1' | 'l2' | 'l1l2' | 'l1_l2' | Regularizer | ObjectSpec;
export type ConstraintIdentifier = 'maxNorm' | 'nonNeg' | 'unitNorm' | 'minMaxNorm' | 'max_norm' | 'non_neg' | 'unit_norm' | 'min_max_norm' | Constraint | ObjectSpec;

function named<F extends (x: Tensor) => Tensor>(className: string, config: Record<string, unknown>, f: F): F & { className: string; getConfig(): Record<string, unknown> } {
  Object.defineProperty(f, 'className', { value: className });
  return Object.assign(f, { getConfig: () => ({ ...config }) }) as F & { className: string; getConfig(): Record<string, unknown> };
}

const checkFactor = (what: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${what}: regularization factor ${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return v;
};

/** l1 * sum(|x|) + l2 * sum(x^2), as Keras's L1L2 (TF.js writes all three kinds as L1L2). */
function l1l2(l1: number, l2: number, what = 'l1l2'): Regularizer {
  checkFactor(what, 'l1', l1); checkFactor(what, 'l2', l2);
  return named('L1L2', { l1, l2 }, (x: Tensor): Tensor => {
    const parts: Tensor[] = [];
    if (l1 !== 0) parts.push(ops.mul(ops.sum(ops.abs(x)), l1));
    if (l2 !== 0) parts.push(ops.mul(ops.sum(ops.square(x)), l2));
    return parts.length === 0 ? ops.mul(ops.sum(x), 0) : parts.length === 1 ? parts[0] : ops.add(parts[0], parts[1]);
  });
}

export const regularizers = {
  l1: ({ l1 = 0.01 }: { l1?: number } = {}): Regularizer => l1l2(l1, 0, 'l1'),
  l2: ({ l2 = 0.01 }: { l2?: number } = {}): Regularizer => l1l2(0, l2, 'l2'),
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}): Regularizer => l1l2(l1, l2),
};

/** Keras's constraint epsilon (backend.epsilon()). */
const EPS = 1e-7;
const norms = (w: Tensor, axis: number | number[]): Tensor => ops.sqrt(ops.sum(ops.square(w), axis, true));

export const constraints = {
  /** Scales each slice along `axis` whose norm exceeds maxValue down to it. */
  maxNorm: ({ maxValue = 2, axis = 0 }: { maxValue?: number; axis?: number | number[] } = {}): Constraint =>
    named('MaxNorm', { maxValue, axis }, (w: Tensor) => { const n = norms(w, axis); return ops.mul(w, ops.div(ops.clip(n, 0, maxValue), ops.add(n, EPS))); }),
  nonNeg: (): Constraint => named('NonNeg', {}, (w: Tensor) => ops.mul(w, ops.greaterEqual(w, 0).cast(w.dtype))),
  unitNorm: ({ axis = 0 }: { axis?: number | number[] } = {}): Constraint =>
    named('UnitNorm', { axis }, (w: Tensor) => ops.div(w, ops.add(norms(w, axis), EPS))),
  minMaxNorm: ({ minValue = 0, maxValue = 1, rate = 1, axis = 0 }: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}): Constraint =>
    named('MinMaxNorm', { minValue, maxValue, rate, axis }, (w: Tensor) => {
      const n = norms(w, axis);
      const desired = ops.add(ops.mul(ops.clip(n, minValue, maxValue), rate), ops.mul(n, 1 - rate));
      return ops.mul(w, ops.div(desired, ops.add(n, EPS)));
    }),
};

const toCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const configOf = (spec: ObjectSpec): Record<string, unknown> =>
  Object.fromEntries(Object.entries(spec.config ?? {}).map(([k, v]) => [toCamel(k), v ?? undefined]));

const REGULARIZER_CLASSES: Record<string, (c: Record<string, unknown>) => Regularizer> = {
  L1L2: (c) => l1l2((c.l1 as number) ?? 0, (c.l2 as number) ?? 0),
  L1: (c) => regularizers.l1(c as { l1?: number }),
  L2: (c) => regularizers.l2(c as { l2?: number }),
};

export function getRegularizer(id: RegularizerIdentifier | null | undefined, what: string): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return id;
  if (typeof id === 'string') {
    const key = id === 'l1_l2' ? 'l1l2' : id;
    if (!Object.hasOwn(regularizers, key)) throw new Error(`${what}: unknown regularizer '${id}', expected one of l1, l2, l1l2 or {className, config}`);
    return regularizers[key as keyof typeof regularizers]();
  }
  const make = typeof id === 'object' && typeof id.className === 'string' ? REGULARIZER_CLASSES[id.className] : undefined;
  if (!make) throw new Error(`${what}: unknown regularizer ${JSON.stringify(id)}, expected one of l1, l2, l1l2 or {className: 'L1L2' | 'L1' | 'L2', config}`);
  return make(configOf(id));
}

export function getConstraint(id: ConstraintIdentifier | null | undefined, what: string): Constraint | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return id;
  const name = typeof id === 'string' ? toCamel(id) : typeof id === 'object' && typeof id.className === 'string' ? id.className.charAt(0).toLowerCase() + id.className.slice(1) : '';
  if (!Object.hasOwn(constraints, name)) {
    throw new Error(`${what}: unknown constraint ${JSON.stringify(typeof id === 'string' ? id : (id as ObjectSpec).className)}, expected one of ${Object.keys(constraints).join(', ')} or {className, config}`);
  }
  return constraints[name as keyof typeof constraints](typeof id === 'string' ? {} : configOf(id as ObjectSpec) as never);
}

/** How a regularizer or constraint appears in getConfig: {className, config}, or null. */
export const objectConfig = (o: Regularizer | Constraint | null): ObjectSpec | null => (o ? { className: o.className, config: o.getConfig() } : null);

// Which weights carry which penalty (set by the layers that own them); a constraint is the
// variable's own (TF.js's LayerVariable.constraint), so that write() applies it too.
const weightPenalties = new WeakMap<Variable, Regularizer>();
export function attachRegularizer(w: Variable, r: Regularizer | null): void { if (r) weightPenalties.set(w, r); }
export function attachConstraint(w: Variable, c: Constraint | null): void { if (c) w.constraint = c; }

/** The sum of every weight penalty of these weights, or null when none has one. */
export function weightPenalty(weights: readonly Variable[]): Tensor | null {
  let total: Tensor | null = null;
  for (const w of weights) {
    const r = weightPenalties.get(w);
    if (r) total = total ? ops.add(total, r(w)) : r(w);
  }
  return total;
}

/** Projects every constrained weight back into its set (after an optimizer update). */
export function applyConstraints(weights: readonly Variable[]): void {
  for (const w of weights) {
    const c = w.constraint;
    if (c) w.assign(noGrad(() => c(w)));
  }
}

/**
 * A layer's per-weight regularizer and constraint options, Keras's `<weight>Regularizer` and
 * `<weight>Constraint` (kernel, bias, depthwise, pointwise, ...): read from the constructor's
 * arguments, attached to the weights as they are made, written back by getConfig.
 */
export class WeightPenalties {
  private readonly entries = new Map<string, { regularizer: Regularizer | null; constraint: Constraint | null }>();
  /** The option names for these weights. */
  static options(weights: readonly string[]): string[] { return weights.flatMap((w) => [`${w}Regularizer`, `${w}Constraint`]); }
  constructor(layer: string, args: object, weights: readonly string[]) {
    const a = args as Record<string, unknown>;
    for (const w of weights) {
      this.entries.set(w, {
        regularizer: getRegularizer(a[`${w}Regularizer`] as RegularizerIdentifier | null | undefined, `Layer "${layer}": ${w}Regularizer`),
        constraint: getConstraint(a[`${w}Constraint`] as ConstraintIdentifier | null | undefined, `Layer "${layer}": ${w}Constraint`),
      });
    }
  }
  /** Gives the weight `v` (the layer's `weight`) its penalty and constraint; returns it. */
  attach<V extends Variable>(weight: string, v: V): V {
    const e = this.entries.get(weight);
    if (e) { attachRegularizer(v, e.regularizer); attachConstraint(v, e.constraint); }
    return v;
  }
  config(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [w, e] of this.entries) { out[`${w}Regularizer`] = objectConfig(e.regularizer); out[`${w}Constraint`] = objectConfig(e.constraint); }
    return out;
  }
}
