// ONNX-bound models, fuzzed (issue #14): random small models with mutated layer configs (odd
// and even kernel sizes, strides, dilations, padding, many filters, NaN weights, activations
// without an ONNX form, layers without one) go through exportOnnx. Every case must either
// export a file that ONNX Runtime loads and that gives deeptype's predictions within 1e-5, or
// be refused with an Error naming the layer (by exportOnnx, or by the layer itself when the
// config cannot build): never another throw, a file ORT rejects, or different numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { exportOnnx } from '../src/io/onnx.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(Number(process.env.FUZZ_SEED ?? 1415));
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
const root = mkdtempSync(join(tmpdir(), 'deeptype-onnx-fuzz-'));
// Mostly activations with an ONNX form here; one in five without one, or not an activation at all.
const EXPORTED = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'softplus', 'elu'], OTHERS = ['selu', 'gelu', 'swish', 'softsign', 'hard_sigmoid', 'exponential', 'no_such_activation'];
const activation = (): never => (rng.int(5) > 0 ? pick(EXPORTED) : pick(OTHERS)) as never;
const kernel = (): never => (rng.int(3) === 0 ? [1 + rng.int(5), 1 + rng.int(5)] : pick([1, 2, 3, 4, 5, 7])) as never;
const stride = (): number => pick([1, 1, 1, 2, 3]);
const filters = (): number => pick([1, 2, 3, 8, 16, 96]);

/** A random layer for a spatial ([h, w, c]) input, or for a flat one; configs as a user might write them. */
function spatialLayer(): layers.Layer {
  const act = activation(), padding = pick(['same', 'valid'] as const);
  const dilated = rng.int(4) === 0 ? { dilationRate: pick([2, 3]) } : { strides: stride() };
  switch (rng.int(11)) {
    case 0: case 1: return new layers.Conv2D({ filters: filters(), kernelSize: kernel(), padding, activation: act, useBias: rng.int(4) > 0, ...dilated });
    case 2: return new layers.DepthwiseConv2D({ kernelSize: kernel(), padding, depthMultiplier: pick([1, 2]), activation: act, ...dilated });
    case 3: return new layers.SeparableConv2D({ filters: filters(), kernelSize: kernel(), padding, activation: act, ...dilated });
    case 4: return new layers.Conv2DTranspose({ filters: filters(), kernelSize: kernel(), padding, strides: stride(), activation: act });
    case 5: return new layers.MaxPooling2D({ poolSize: pick([1, 2, 3]), strides: rng.int(2) ? stride() : undefined, padding });
    case 6: return new layers.BatchNormalization({ epsilon: pick([1e-3, 1e-5, 0.5, 1]) });
    case 7: return new layers.UpSampling2D({ size: pick([1, 2, [2, 1]]), interpolation: pick(['nearest', 'nearest', 'bilinear'] as const) });
    case 8: return new layers.Activation({ activation: act });
    case 9: return new layers.AveragePooling2D({ poolSize: 2 }); // no ONNX form here
    default: return new layers.Dropout({ rate: 0.3 });
  }
}
function flatLayer(): layers.Layer {
  const act = activation();
  switch (rng.int(4)) {
    case 0: case 1: return new layers.Dense({ units: pick([1, 3, 10, 64]), activation: act, useBias: rng.int(4) > 0 });
    case 2: return new layers.BatchNormalization({});
    default: return new layers.Activation({ activation: act });
  }
}

/** The model, or the Error a layer gave while it was built (which must name that layer). */
function randomModel(): { model?: models.Sequential; refused?: Error; names: string[] } {
  const h = 4 + rng.int(9), w = 4 + rng.int(9), c = 1 + rng.int(3);
  const list: layers.Layer[] = [new layers.Input({ shape: [h, w, c] })];
  const names: string[] = [];
  try {
    for (let i = 0, n = 1 + rng.int(4); i < n; i++) list.push(spatialLayer());
    list.push(pick([new layers.Flatten(), new layers.GlobalAveragePooling2D({})]));
    for (let i = 0, n = rng.int(3); i < n; i++) list.push(flatLayer());
    names.push(...list.slice(1).map((l) => l.name));
    return { model: new models.Sequential(list), names };
  } catch (e) {
    names.push(...list.slice(1).map((l) => l.name));
    return { refused: e as Error, names };
  }
}

/** Mutates weights: NaN or infinite entries, huge or tiny values. Returns whether any is not finite. */
function mutateWeights(model: models.Sequential): boolean {
  if (model.weights.length === 0) return false;
  const wt = pick(model.weights), data = wt.data as Float32Array;
  const how = rng.int(3);
  for (let k = 0, n = 1 + rng.int(3); k < n; k++) data[rng.int(data.length)] = how === 0 ? NaN : how === 1 ? pick([Infinity, -Infinity]) : pick([1e30, -1e30, 1e-30]);
  return how < 2;
}

async function runOrt(path: string, x: dt.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  await session.release();
  return out.output.data as Float32Array;
}

const same = (a: number, b: number): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

describe('ONNX-bound models, fuzzed', () => {
  it('every mutated model exports a file ONNX Runtime runs with deeptype\'s answers, or is refused naming the layer', async () => {
    const counts = { matched: 0, nonFinite: 0, refusedByExport: 0, refusedByLayer: 0, crashes: [] as string[] };
    const cases = 240 * Number(process.env.FUZZ_SCALE ?? 1);
    for (let i = 0; i < cases; i++) {
      dt.setRandomSeed(i);
      const { model, refused, names } = randomModel();
      const named = (e: Error) => names.some((n) => e.message.includes(`"${n}"`) || e.message.includes(`'${n}'`) || e.message.includes(`${n}:`));
      if (refused) {
        // A layer that refused its options in its constructor has a name no list holds yet.
        if (refused instanceof Error && (named(refused) || /^Layer "[a-z0-9_]+": /.test(refused.message))) counts.refusedByLayer++;
        else counts.crashes.push(`case ${i}: building the model: ${refused?.stack ?? refused}`);
        continue;
      }
      const x = randomTensor([2, ...(model!.inputs[0].shape.slice(1) as number[])], rng, -1, 1, 'float32');
      const nonFiniteWeights = rng.int(4) === 0 && mutateWeights(model!);
      const path = join(root, `case-${i}.onnx`);
      try {
        exportOnnx(model!, path);
      } catch (e) {
        if (e instanceof Error && /^exportOnnx: /.test(e.message) && named(e)) counts.refusedByExport++;
        else counts.crashes.push(`case ${i}: exportOnnx: ${(e as Error)?.stack ?? e}`);
        continue;
      }
      try {
        const theirs = await runOrt(path, x);
        const ours = (model!.predict(x) as dt.Tensor).data;
        assert.equal(theirs.length, ours.length, 'output size');
        // With NaN or infinite weights, where NaN appears is the runtimes' own business (ORT's
        // convolutions skip the zero padding that deeptype multiplies: inf * 0; its Relu keeps a
        // NaN that deeptype's makes 0): there, the elements both give as finite must agree.
        const bad = Array.from(ours).findIndex((v, k) => !same(theirs[k], v) && !(nonFiniteWeights && !(Number.isFinite(v) && Number.isFinite(theirs[k]))));
        if (bad >= 0) throw new Error(`element ${bad}: ONNX Runtime ${theirs[bad]}, deeptype ${ours[bad]}`);
        if (nonFiniteWeights) counts.nonFinite++; else counts.matched++;
      } catch (e) {
        counts.crashes.push(`case ${i} (${model!.layers.map((l) => `${l.className}${JSON.stringify(l.getConfig())}`).join(' ')}): ${(e as Error)?.message ?? e}`);
      }
      rmSync(path, { force: true });
    }
    console.log(`fuzz ONNX-bound models: ${cases} cases, ${counts.matched} exported and matched ONNX Runtime within 1e-5, ${counts.nonFinite} with NaN/infinite weights ran in both and agreed where both are finite, ` +
      `${counts.refusedByExport} refused by exportOnnx naming the layer, ${counts.refusedByLayer} refused by a layer's own config check naming it, ${counts.crashes.length} crashes`);
    assert.deepEqual(counts.crashes, [], counts.crashes.slice(0, 5).join('\n'));
    assert.ok(counts.matched > cases / 4 && counts.refusedByExport > 0, 'the fuzz reaches both outcomes');
  });
});
