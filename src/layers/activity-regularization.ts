// ActivityRegularization: passes its input through and adds l1 * sum(|x|) + l2 * sum(x^2) of it
// to the loss (Keras's layer; the penalty itself is the base Layer's activityRegularizer).
import type { Tensor } from '../core/tensor.ts';
import { finiteNumber } from './args.ts';
import { Layer, type LayerArgs } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { regularizers } from './regularizers.ts';

export interface ActivityRegularizationArgs extends Omit<LayerArgs, 'activityRegularizer'> { l1?: number; l2?: number }

export class ActivityRegularization extends Layer {
  static override readonly className = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;
  constructor(args: ActivityRegularizationArgs = {}) {
    checkOptions('ActivityRegularization', args, ['l1', 'l2']);
    const l1 = finiteNumber(args.name ?? 'ActivityRegularization', 'l1', args.l1 ?? 0, { min: 0 });
    const l2 = finiteNumber(args.name ?? 'ActivityRegularization', 'l2', args.l2 ?? 0, { min: 0 });
    super({ ...args, activityRegularizer: regularizers.l1l2({ l1, l2 }) });
    this.l1 = l1;
    this.l2 = l2;
  }
  call(x: Tensor): Tensor { return x; }
  override getConfig(): Record<string, unknown> {
    const { activityRegularizer: _, ...config } = super.getConfig();
    return { ...config, l1: this.l1, l2: this.l2 };
  }
}

registerLayers(ActivityRegularization);
