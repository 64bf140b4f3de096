export * as losses from './losses.ts';
export * as optimizers from './optimizers.ts';
export * as metrics from './metrics.ts';
export * as callbacks from './callbacks.ts';
export * as schedules from './schedules.ts';
export * as train from './train.ts';
