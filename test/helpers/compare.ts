// Comparing a kernel's output with a reference in tests.
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/index.ts';
import type { Model } from '../../src/models/model.ts';

/**
 * Worst |a - b| / max(1, |b|) over two arrays of one length (absolute near 0, relative for
 * large values: the measure of the 1e-5 / Winograd 1e-4 bounds); NaN, e.g. an output a kernel
 * never wrote into a NaN-filled array, counts as Infinity.
 */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}

/**
 * Two models from build(), one compiled and one run eagerly, after `steps` Adam steps on (x, y)
 * with sparse categorical cross-entropy: every weight within 1e-5 (a compiled step must not
 * change the answer). `what` names the case in messages.
 */
export async function assertCompiledTrainsAsEager(build: () => Model, x: Tensor, y: Tensor, what: string, steps = 3): Promise<void> {
  const { assertClose } = await import('./oracle.ts'); // lazily: oracle.ts loads TF.js, which compare.ts's other users do not need
  const [compiled, eager] = [build(), build()];
  compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
  eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', runEagerly: true });
  for (let step = 0; step < steps; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
  compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `${what}: weight ${i} compiled vs eager`));
}
