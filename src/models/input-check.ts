// Explains an input that does not match what a model takes, before any layer sees it: the two
// mistakes new users make most are a sample without its batch axis (one [28, 28] image for a
// model of [28, 28] inputs) and images without their channel axis (a [N, 28, 28] batch for a
// model that starts with a Conv2D). Layers alone can only report the symptom.
import { formatShape } from '../core/shape.ts';
import type { Layer, ShapeSpec } from '../layers/layer.ts';

const matches = (a: readonly (number | null)[], b: readonly (number | null)[]): boolean =>
  a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);

const withBatch = (shape: readonly number[]): string => formatShape([1, ...shape]);

/** Throws a message that names a missing batch or channel axis and the call that adds it, or returns quietly. */
export function explainInputShape(modelName: string, expected: ShapeSpec | undefined, first: Layer | undefined, shape: readonly number[]): void {
  const given = formatShape(shape);
  if (expected) {
    if (matches(expected, shape)) return;
    const inner = expected.slice(1);
    if (matches(inner, shape)) {
      throw new Error(`Model "${modelName}" takes batches of shape ${formatShape(expected)}, got ${given}: this looks like one sample without ` +
        `its batch axis. Add the batch axis with x.expandDims(0) (shape ${withBatch(shape)}), or pass several samples stacked along axis 0.`);
    }
    if (expected.length === shape.length + 1 && expected[expected.length - 1] === 1 && matches(expected.slice(0, -1), shape)) {
      throw new Error(`Model "${modelName}" takes batches of shape ${formatShape(expected)}, got ${given}: the channel axis is missing. ` +
        `Add it with x.expandDims(-1) (shape ${formatShape([...shape, 1])}), or start the model with ` +
        `new layers.Input({shape: [${shape.slice(1).join(', ')}]}) and new layers.Reshape({targetShape: [${[...shape.slice(1), 1].join(', ')}]}).`);
    }
    // Anything else: the first layer to reject the shape says why, in Keras's words.
  }
}

/** What to add to a layer's complaint about a model's input (or '' when nothing helps). */
export function inputShapeHint(first: Layer | undefined, shape: readonly number[]): string {
  // A 2D convolution or pooling first wants [batch, height, width, channels].
  if (!first || !/^(Conv2D|MaxPooling2D)$/.test(first.className) || shape.length !== 3) return '';
  return ` Layer "${first.name}" (${first.className}) takes images of shape [batch, height, width, channels], ` +
    `got ${formatShape(shape)}: the channel axis is missing. Add it with x.expandDims(-1) (shape ${formatShape([...shape, 1])}), or put ` +
    `new layers.Reshape({targetShape: [${[...shape.slice(1), 1].join(', ')}]}) before it.`;
}
