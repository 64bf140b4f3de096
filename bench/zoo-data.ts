// Synthetic inputs and targets of a zoo model's shapes (deterministic, in [0, 1)).
import * as dt from 'deeptype';
import type { ZooEntry } from '../examples/zoo-models.ts';

export function syntheticBatch(entry: ZooEntry, batch: number): { x: dt.Tensor; y: dt.Tensor } {
  const size = batch * entry.inputShape.reduce((a, b) => a * b, 1);
  const x = dt.tensor(Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 256) / 256), [batch, ...entry.inputShape]);
  const y = entry.target === 'classes' ? dt.tensor(Int32Array.from({ length: batch }, (_, i) => i % 10), [batch]) : x;
  return { x, y };
}
