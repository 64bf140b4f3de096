// Layer classes by their Keras class name, so that files (TF.js model.json, .keras, .h5) can
// build any layer from {className, config}. Each layer module registers its own classes.
import type { Layer } from './layer.ts';

/** A layer class that can be rebuilt from its getConfig() (camelCase arguments). */
export type LayerClass = { readonly className: string; new (args: never): Layer };

const classes = new Map<string, LayerClass>();

/** Makes layer classes loadable by their Keras class name (and any aliases, e.g. old Keras names). */
export function registerLayers(...list: LayerClass[]): void {
  for (const c of list) classes.set(c.className, c);
}
export function registerLayerAlias(alias: string, c: LayerClass): void { classes.set(alias, c); }

export const layerClass = (className: string): LayerClass | undefined => classes.get(className);
export const layerClassNames = (): string[] => [...classes.keys()].sort();

/**
 * Rejects constructor options a layer does not know (Keras raises on unknown kwargs; a silently
 * dropped `kernelRegularizer` trains a different model than the user wrote).
 */
export function checkOptions(layer: string, args: object | undefined, known: readonly string[]): void {
  if (!args) return;
  const valid = new Set([...known, ...BASE_OPTIONS]);
  for (const key of Object.keys(args)) {
    if (!valid.has(key) && (args as Record<string, unknown>)[key] !== undefined) {
      throw new Error(`Layer "${layer}": unknown option '${key}'. Valid options are: ${[...valid].sort().join(', ')}`);
    }
  }
}
/** Options every layer takes (LayerArgs). */
export const BASE_OPTIONS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype', 'activityRegularizer'] as const;
