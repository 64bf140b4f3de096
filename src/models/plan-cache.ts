// A model's compiled steps: one Plan per (backend, kind, input shapes, trained weights), least
// recently used out beyond a bound, each traced a second time at its first replay and the two
// recordings compared, so a value computed in JavaScript during the trace is refused loudly
// instead of replayed frozen (tf.function's tracing pitfall).
import type { TypedArray } from '../core/dtype.ts';
import type { Tensor } from '../core/tensor.ts';
import { Plan, traceDifference } from '../compile/plan.ts';

export class PlanCache {
  /** By key, least recently used first (the eviction order). */
  readonly plans = new Map<string, Plan>();
  /** Plans not yet checked against a second trace. */
  private readonly unverified = new Set<Plan>();

  /** `max`: how many plans to keep; `modelName` names the model in errors. */
  constructor(private readonly modelName: string, private readonly max: () => number) {}

  get size(): number { return this.plans.size; }
  has(key: string): boolean { return this.plans.has(key); }
  clear(): void { this.plans.clear(); this.unverified.clear(); }

  /**
   * Runs the plan for `key` on these inputs, tracing fn on first use (`persistent`: the arrays
   * that outlive a step, the weights; `weightWork`: work on the weights alone is kept between
   * runs while they are unchanged, compile/prologue.ts: for inference steps). The plan, not the traced run, computes this first step
   * too: its fused kernels round a little differently, and a step must not depend on when its
   * plan was made (resuming).
   */
  run(key: string, fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[], persistent: () => Set<TypedArray>, { weightWork = false } = {}): Tensor[] {
    const plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key); // most recently used last
      this.plans.set(key, plan);
      if (this.unverified.delete(plan)) this.verify(plan, fn, inputs, persistent());
      return plan.run(inputs.map((t) => t.data));
    }
    const fresh = Plan.trace(fn, inputs, persistent(), { overWorkspace: true, weightWork });
    this.plans.set(key, fresh);
    this.unverified.add(fresh);
    // Bounded: predict on ever new batch sizes must not grow memory.
    if (this.plans.size > this.max()) {
      const oldest = this.plans.keys().next().value!;
      this.unverified.delete(this.plans.get(oldest)!);
      this.plans.delete(oldest);
    }
    return fresh.run(inputs.map((t) => t.data));
  }

  private verify(plan: Plan, fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[], persistent: Set<TypedArray>): void {
    const diff = traceDifference(plan.fingerprint, Plan.trace(fn, inputs, persistent, { overWorkspace: true }).fingerprint);
    if (!diff) return;
    const where = diff.scope ? `layer "${diff.scope}"` : `model "${this.modelName}" (outside any layer: the loss or a metric)`;
    throw new Error(`Compiled step of model "${this.modelName}": ${where} cannot be compiled: ${diff.what}. ` +
      'A compiled step replays the kernel calls it recorded once. Draw random numbers with the random ops ' +
      '(randomUniform, randomNormal, randomBernoulli with a SeedGenerator made once, e.g. in the layer\'s constructor), ' +
      'keep state in weights (addWeight) updated by ops such as assignMovingAverage, and compute with tensor ops ' +
      'instead of reading .data/.item() inside call(); or compile with {runEagerly: true}.');
  }
}
