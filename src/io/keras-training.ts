// What a Keras file says about training: Keras 3's compile_config, Keras 2's training_config,
// and the optimizer's state in each version's layout, to and from deeptype's compile().
import { Tensor, type Variable } from '../core/tensor.ts';
import type { Model } from '../models/model.ts';
import { getLoss, lossToConfig, type Loss } from '../training/losses.ts';
import { getOptimizer, type Optimizer } from '../training/optimizers.ts';
import { scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from '../training/schedules.ts';
import { toCamel, toSnake, type KerasObject, type KerasVersion } from './keras-layers.ts';
import type { H5Dataset } from './hdf5.ts';

/** An array as a file holds it (iteration counts are int64 in Keras's files). */
export interface RawArray { value: H5Dataset['value']; shape: number[] }
const raw = (t: Tensor): RawArray => ({ value: t.data as RawArray['value'], shape: [...t.shape] });
const count = (n: number): RawArray => ({ value: BigInt64Array.of(BigInt(n)), shape: [] });
/** A file's array as a float32 tensor (the optimizer's slots). */
export const toTensor = (a: RawArray): Tensor =>
  new Tensor(a.value instanceof Float32Array ? a.value : Float32Array.from(a.value as ArrayLike<number>, Number), a.shape);
const scalarOf = (a: RawArray): number => Number(a.value[0]);

// deeptype's slot names (optimizer.getWeights) and Keras 3's for the same state, per class, as
// Keras 3.15's optimizers name their variables (checked against Keras: optimizer.variables).
const KERAS_SLOTS: Record<string, Record<string, string>> = {
  Adam: { m: 'momentum', v: 'velocity' }, AdamW: { m: 'momentum', v: 'velocity' },
  SGD: { momentum: 'momentum' },
  RMSprop: { rms: 'velocity', momentum: 'momentum' },
  Adagrad: { accumulator: 'accumulator' },
  Adadelta: { accum_grad: 'accumulated_grad', accum_var: 'accumulated_delta_var' },
  Adamax: { m: 'momentum', v: 'norm' },
  Lion: { momentum: 'momentum' },
  Ftrl: { accumulator: 'accumulator', linear: 'linear' },
};
// Keras's option names where snake_case of deeptype's differs.
const OPTION_TO_KERAS: Record<string, string> = { beta1: 'beta_1', beta2: 'beta_2' };
const OPTION_FROM_KERAS: Record<string, string> = { beta_1: 'beta1', beta_2: 'beta2', lr: 'learningRate' };

// The names Keras's schedules give themselves by default (their get_config writes them).
const SCHEDULE_NAMES: Record<string, string> = { PiecewiseConstantDecay: 'PiecewiseConstant', CosineDecayRestarts: 'SGDRDecay' };

/** A learning-rate schedule as Keras serializes it inside an optimizer's config. */
function scheduleToKeras(s: ScheduleConfig, version: KerasVersion): KerasObject {
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(s.config).map(([k, v]) => [toSnake(k), v ?? null]));
  config.name = SCHEDULE_NAMES[s.className] ?? s.className;
  return version === 3 ? { module: 'keras.optimizers.schedules', class_name: s.className, config, registered_name: null } : { class_name: s.className, config };
}

/** A schedule from Keras's object (its constructor refuses options it does not have). */
function scheduleFromKeras(o: Partial<KerasObject>, where: string): LearningRateSchedule {
  const entries = Object.entries(o.config ?? {}).filter(([k, v]) => k !== 'name' && v !== null);
  try { return scheduleFromConfig({ className: String(o.class_name), config: Object.fromEntries(entries.map(([k, v]) => [toCamel(k), v])) }); } catch (e) {
    throw new Error(`${where}: learning_rate: ${(e as Error).message}; load with { compile: false }`);
  }
}

/** True when the optimizer's learning rate is a schedule (Keras then keeps no learning_rate variable). */
const hasSchedule = (o: Optimizer): boolean => typeof o.getConfig().learningRate !== 'number';

/** Keras's config of a deeptype optimizer: its getConfig() in Keras's names (Keras 3 and Keras 2.11+ share them). */
export function optimizerToKeras(o: Optimizer, version: KerasVersion): KerasObject {
  if (!KERAS_SLOTS[o.name]) throw new Error(`save: optimizer ${o.name} cannot be written in Keras's formats yet (${Object.keys(KERAS_SLOTS).join(', ')} can)`);
  const own = o.getConfig();
  const config: Record<string, unknown> = { name: toSnakeName(o.name) };
  for (const [k, v] of Object.entries(own)) config[OPTION_TO_KERAS[k] ?? toSnake(k)] = v ?? null;
  if (typeof own.learningRate !== 'number') config.learning_rate = scheduleToKeras(own.learningRate as ScheduleConfig, version);
  if (o.name === 'Adam' || o.name === 'AdamW' || o.name === 'Adamax') config.amsgrad ??= false;
  if (version === 3) Object.assign(config, { loss_scale_factor: null, gradient_accumulation_steps: null });
  return version === 3 ? { module: 'keras.optimizers', class_name: o.name, config, registered_name: null } : { class_name: o.name, config };
}
const toSnakeName = (n: string): string => n.toLowerCase();

// Keras options with no deeptype counterpart, and the value that means "off".
const OFF: Record<string, unknown[]> = { amsgrad: [false], centered: [false], decay: [0, null], loss_scale_factor: [null],
  gradient_accumulation_steps: [null], jit_compile: [false, true], is_legacy_optimizer: [false], nesterov: [false] };

export function optimizerFromKeras(o: unknown, where: string): Optimizer {
  if (typeof o === 'string') return optimizerFromKeras({ class_name: o, config: {} }, where);
  const { class_name: raw, config = {} } = (o ?? {}) as Partial<KerasObject>;
  const name = String(raw).replace(/^Custom>/, ''); // Keras 2.11+ marks its new optimizers so
  const known = Object.keys(KERAS_SLOTS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!known) throw new Error(`${where}: optimizer '${String(raw)}' is not one deeptype reads from Keras files (${Object.keys(KERAS_SLOTS).join(', ')}); load with { compile: false }`);
  const lr = config.learning_rate ?? config.lr;
  if (lr !== undefined && typeof lr !== 'number' && (typeof lr !== 'object' || lr === null || typeof (lr as KerasObject).class_name !== 'string')) {
    throw new Error(`${where}: learning_rate must be a number or a schedule {class_name, config}, got ${JSON.stringify(lr)?.slice(0, 120)}; load with { compile: false }`);
  }
  const args: Record<string, unknown> = {};
  if (typeof lr === 'object') args.learningRate = scheduleFromKeras(lr as KerasObject, where);
  for (const [k, v] of Object.entries(config)) {
    if (k === 'name' || (typeof lr === 'object' && (k === 'learning_rate' || k === 'lr'))) continue;
    if (k in OFF && !(known === 'SGD' && k === 'nesterov')) {
      if (!OFF[k].includes(v)) throw new Error(`${where}: optimizer option ${k}=${JSON.stringify(v)} is not supported by deeptype yet; load with { compile: false } to get the model alone`);
      continue;
    }
    if (v !== null) args[OPTION_FROM_KERAS[k] ?? toCamel(k)] = v;
  }
  const Cls = getOptimizer(known).constructor as new (a: Record<string, unknown>) => Optimizer;
  try { return new Cls(args); } catch (e) { throw new Error(`${where}: ${(e as Error).message}`); }
}

function lossFromKeras(l: unknown, where: string): Loss {
  if (typeof l === 'string') {
    try { return getLoss(l); } catch (e) { throw new Error(`${where}: ${(e as Error).message}`); }
  }
  const { class_name: name, config = {} } = (l ?? {}) as Partial<KerasObject>;
  if (typeof name !== 'string') throw new Error(`${where}: the loss ${JSON.stringify(l)} is not one deeptype reads (one loss for one output, by name or {class_name, config})`);
  let Cls: new (a: Record<string, unknown>) => Loss;
  try { Cls = getLoss(name).constructor as typeof Cls; } catch (e) { throw new Error(`${where}: ${(e as Error).message}`); }
  // Every option the file gives (label_smoothing, reduction, delta, ...), so none is dropped
  // silently: one deeptype lacks is an error. 'fn' repeats the class; Keras 2's 'auto' reduction
  // is sum_over_batch_size in fit.
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'fn' || (k === 'dtype' && (v === null || v === 'float32'))) continue;
    args[toCamel(k)] = k === 'reduction' && v === 'auto' ? 'sum_over_batch_size' : v;
  }
  try { return new Cls(args); } catch (e) { throw new Error(`${where}: ${(e as Error).message}; load with { compile: false } to get the model alone`); }
}

/** A loss by its Keras name when its options are the defaults, else its class and snake_case config. */
function lossToKeras(loss: Loss, version: KerasVersion): unknown {
  const saved = lossToConfig(loss);
  if (typeof saved === 'string') return saved;
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(saved.config)) config[toSnake(k)] = v ?? null;
  return version === 3 ? { module: 'keras.losses', class_name: saved.class_name, config, registered_name: null } : { class_name: saved.class_name, config };
}

/** Metric names from any Keras spelling: 'accuracy', [[{MeanMetricWrapper ...}]], Keras 3 objects. */
function metricsFromKeras(m: unknown, where: string): string[] {
  if (m === null || m === undefined) return [];
  const flat = (Array.isArray(m) ? m : [m]).flat(3);
  return flat.map((x) => {
    if (typeof x === 'string') return x;
    const c = (x as KerasObject)?.config;
    if (typeof c?.name === 'string') return c.name;
    throw new Error(`${where}: metric ${JSON.stringify(x)} is not one deeptype reads`);
  });
}

/** Keras 3's compile_config, or Keras 2's training_config, of a compiled model. */
export function trainingToKeras(model: Model, version: KerasVersion): Record<string, unknown> | undefined {
  if (!model.loss || !model.optimizer) return undefined;
  const optimizer = optimizerToKeras(model.optimizer, version);
  const loss = lossToKeras(model.loss, version);
  const metrics = model.metrics.map((m) => m.name);
  return version === 3
    ? { optimizer, loss, loss_weights: null, metrics, weighted_metrics: null, run_eagerly: model.runEagerly, steps_per_execution: 1, jit_compile: false }
    : { loss, metrics, weighted_metrics: null, loss_weights: null, optimizer_config: optimizer };
}

/** Compiles the model as the file's compile_config / training_config says. */
export function compileFromKeras(model: Model, c: Record<string, unknown>, where: string): void {
  const opt = c.optimizer ?? c.optimizer_config;
  if (c.loss === undefined || c.loss === null || !opt) return; // saved without compile()
  if (c.loss_weights !== undefined && c.loss_weights !== null) throw new Error(`${where}: loss_weights are not supported yet; load with { compile: false }`);
  if (Array.isArray(c.weighted_metrics) && c.weighted_metrics.length > 0) throw new Error(`${where}: weighted_metrics are not supported yet; load with { compile: false }`);
  const loss = Array.isArray(c.loss) && c.loss.length === 1 ? c.loss[0] : c.loss;
  model.compile({ loss: lossFromKeras(loss, where), optimizer: optimizerFromKeras(opt, where), metrics: metricsFromKeras(c.metrics, where),
    runEagerly: c.run_eagerly === true });
}

/** The optimizer state as [keras slot name, variable, values] in Keras's order (per variable, slot by slot). */
function slotsInKerasOrder(o: Optimizer, vars: readonly Variable[], version: KerasVersion): { slot: string; deeptype: string; v: Variable }[] {
  const names = KERAS_SLOTS[o.name];
  if (!names) throw new Error(`save: optimizer ${o.name} has no Keras state layout yet`);
  const present = new Set(o.getWeights(vars.slice(0, 1)).map((w) => w.name.split('/').pop()!));
  const slots = Object.keys(names).filter((s) => present.has(s));
  // Keras interleaves the slots per variable, except RMSprop, which keeps velocities and
  // momentums in two runs (as its build() makes them).
  if (o.name === 'RMSprop') {
    return slots.flatMap((s) => vars.map((v) => ({ slot: names[s], deeptype: s, v })));
  }
  return vars.flatMap((v) => slots.map((s) => ({ slot: names[s], deeptype: s, v })));
}

/** Keras 3's optimizer variables: iterations (int64), learning_rate (unless a schedule gives it), then the slots. */
export function optimizerStateKeras3(o: Optimizer, vars: readonly Variable[]): RawArray[] {
  const values = new Map(o.getWeights(vars).map((w) => [w.name, w.tensor]));
  return [
    count(o.iterations),
    ...(hasSchedule(o) ? [] : [{ value: Float32Array.of(o.learningRate), shape: [] }]),
    ...slotsInKerasOrder(o, vars, 3).map(({ deeptype, v }) => raw(values.get(`${v.name}/${deeptype}`)!)),
  ];
}

/** Restores Keras 3's optimizer variables (checked first: count and every shape). */
export function setOptimizerStateKeras3(o: Optimizer, vars: readonly Variable[], values: RawArray[], where: string): void {
  const order = slotsInKerasOrder(o, vars, 3);
  const scheduled = hasSchedule(o), first = scheduled ? 1 : 2;
  if (values.length !== order.length + first) {
    throw new Error(`${where}: the optimizer state has ${values.length} variables; ${o.name} over ${vars.length} weights needs ${order.length + first} (iterations, ${scheduled ? '' : 'learning_rate, '}${[...new Set(order.map((s) => s.slot))].join(', ')})`);
  }
  const map = new Map<string, Tensor>([['iter', new Tensor(Int32Array.of(scalarOf(values[0])), [])]]);
  order.forEach(({ deeptype, v }, i) => map.set(`${v.name}/${deeptype}`, toTensor(values[i + first])));
  o.setWeights(map, vars, where);
  if (scheduled) return; // the schedule gives the rate from the restored iteration count
  const lr = scalarOf(values[1]);
  if (lr !== Math.fround(o.learningRate)) o.learningRate = lr; // changed by a callback
}

/** Keras 2 (2.11+) names of the optimizer state, as model.h5's optimizer_weights holds them. */
export function optimizerStateKeras2(o: Optimizer, vars: readonly Variable[], weightName: (v: Variable) => string): { name: string; array: RawArray }[] {
  const values = new Map(o.getWeights(vars).map((w) => [w.name, w.tensor]));
  const short = { momentum: 'm', velocity: 'v' } as Record<string, string>;
  return [
    { name: 'iteration:0', array: count(o.iterations) },
    ...slotsInKerasOrder(o, vars, 2).map(({ slot, deeptype, v }) => ({
      name: `${o.name}/${o.name === 'Adam' ? short[slot] : slot}/${weightName(v)}`, array: raw(values.get(`${v.name}/${deeptype}`)!),
    })),
  ];
}

/**
 * Restores optimizer state from a Keras .h5's optimizer_weights, by name: Keras 2.11+
 * (`Adam/m/conv2d/kernel:0`), legacy Keras 2 (`Adam/conv2d/kernel/m:0`) and Keras 3's legacy
 * h5 (`adam/sequential_conv2d_kernel_momentum`). Hyperparameters stored as variables are skipped.
 */
export function setOptimizerStateKeras2(o: Optimizer, vars: readonly Variable[], named: Map<string, RawArray>, modelName: string, weightName: (v: Variable) => string, where: string): void {
  const names = KERAS_SLOTS[o.name];
  const map = new Map<string, Tensor>();
  const norm = (s: string): string => s.replace(/:0$/, '').toLowerCase();
  const byName = new Map([...named].map(([k, t]) => [norm(k), t]));
  const iter = [...byName].find(([k]) => /(^|\/)(iter|iteration|iterations)$/.test(k));
  if (!iter) throw new Error(`${where}: optimizer_weights has no iteration count`);
  map.set('iter', new Tensor(Int32Array.of(scalarOf(iter[1])), []));
  const legacy: Record<string, string> = { m: 'm', v: 'v', rms: 'rms', momentum: 'momentum' };
  const present = new Set(o.getWeights(vars.slice(0, 1)).map((w) => w.name.split('/').pop()!));
  const slots = Object.keys(names).filter((x) => present.has(x));
  // Standalone Keras 2 names its slots by number (training/RMSprop/accumulator_0_1:0): there,
  // the non-scalar arrays in order are each slot for every weight in turn.
  if (![...byName.keys()].some((k) => k.includes('/') && vars.some((v) => k.includes(norm(weightName(v)).replace(/\//g, '_')) || k.includes(norm(weightName(v)))))) {
    const arrays = [...named.values()].filter((a) => a.shape.length > 0);
    const order = slots.flatMap((s) => vars.map((v) => ({ s, v })));
    if (arrays.length !== order.length) throw new Error(`${where}: optimizer_weights holds ${arrays.length} arrays; ${o.name} over ${vars.length} weights needs ${order.length}`);
    order.forEach(({ s, v }, i) => map.set(`${v.name}/${s}`, toTensor(arrays[i])));
    o.setWeights(map, vars, where);
    return;
  }
  for (const v of vars) {
    const w = norm(weightName(v));
    for (const s of slots) {
      const k = names[s], p = o.name.toLowerCase();
      const candidates = [`${p}/${k === 'momentum' && o.name === 'Adam' ? 'm' : k === 'velocity' && o.name === 'Adam' ? 'v' : k}/${w}`,
        `${p}/${w}/${legacy[s]}`, `${p}/${norm(modelName)}_${w.replace(/\//g, '_')}_${k}`, `${p}/${w.replace(/\//g, '_')}_${k}`];
      const hit = candidates.find((c) => byName.has(c));
      if (!hit) throw new Error(`${where}: optimizer_weights has no ${k} for weight ${weightName(v)} (looked for ${candidates.join(', ')})`);
      map.set(`${v.name}/${s}`, toTensor(byName.get(hit)!));
    }
  }
  o.setWeights(map, vars, where);
}

