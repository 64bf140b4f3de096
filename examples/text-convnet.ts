// keras-io's "Text classification from scratch" model
// (https://keras.io/examples/nlp/text_classification_from_scratch/), ported: Embedding ->
// Dropout -> Conv1D x2 -> GlobalMaxPooling1D -> Dense -> Dropout -> Dense(sigmoid), trained
// with compiled fit steps on synthetic token sequences (no IMDB download): a review is
// positive when it holds more "good" tokens (ids 2..101) than "bad" ones (102..201).
// Run: node --import tsx examples/text-convnet.ts [--samples 512] [--epochs 2] [--length 500]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { layers, models, type Tensor } from 'deeptype';

export interface TextConvnetOptions {
  /** Vocabulary size (keras-io: max_features = 20000). */
  maxFeatures?: number;
  /** Embedding width (keras-io: 128). */
  embeddingDim?: number;
  /** Conv1D filters and Dense units (keras-io: 128). */
  width?: number;
}

/** The keras-io model, functional as there; token ids of any length (Input shape [null]). */
export function textConvnet({ maxFeatures = 20000, embeddingDim = 128, width = 128 }: TextConvnetOptions = {}): models.Model {
  const inputs = layers.input({ shape: [null] });
  let x = layers.embedding({ inputDim: maxFeatures, outputDim: embeddingDim }).apply(inputs) as layers.SymbolicTensor;
  x = layers.dropout({ rate: 0.5 }).apply(x) as layers.SymbolicTensor;
  // Conv1D + global max pooling (keras-io: "we use a Conv1D + global max pooling").
  x = layers.conv1d({ filters: width, kernelSize: 7, padding: 'valid', activation: 'relu', strides: 3 }).apply(x) as layers.SymbolicTensor;
  x = layers.conv1d({ filters: width, kernelSize: 7, padding: 'valid', activation: 'relu', strides: 3 }).apply(x) as layers.SymbolicTensor;
  x = layers.globalMaxPooling1d().apply(x) as layers.SymbolicTensor;
  x = layers.dense({ units: width, activation: 'relu' }).apply(x) as layers.SymbolicTensor;
  x = layers.dropout({ rate: 0.5 }).apply(x) as layers.SymbolicTensor;
  const predictions = layers.dense({ units: 1, activation: 'sigmoid', name: 'predictions' }).apply(x) as layers.SymbolicTensor;
  return models.model({ inputs, outputs: predictions });
}

/**
 * `samples` synthetic reviews of `length` token ids in [2, maxFeatures) (0 and 1 are keras-io's
 * padding and unknown ids), labelled 1 where good tokens outnumber bad ones.
 */
export function syntheticReviews(samples: number, length: number, maxFeatures: number, seed = 1): [Tensor, Tensor] {
  let state = seed >>> 0;
  const next = (): number => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
  const ids = new Float32Array(samples * length), labels = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    const positive = next() < 0.5;
    let score = 0;
    for (let t = 0; t < length; t++) {
      // One token in eight carries sentiment, mostly the review's own.
      const sentiment = next() < 0.125;
      const good = sentiment && (next() < 0.8) === positive;
      const id = sentiment ? (good ? 2 : 102) + Math.floor(next() * 100) : 202 + Math.floor(next() * (maxFeatures - 202));
      score += id >= 2 && id < 102 ? 1 : id >= 102 && id < 202 ? -1 : 0;
      ids[s * length + t] = id;
    }
    labels[s] = score > 0 ? 1 : 0;
  }
  return [dt.tensor(ids, [samples, length]), dt.tensor(labels, [samples, 1])];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '512' }, epochs: { type: 'string', default: '2' }, length: { type: 'string', default: '500' } } });
  dt.setRandomSeed(1);
  const maxFeatures = 20000;
  const [x, y] = syntheticReviews(Number(values.samples), Number(values.length), maxFeatures);
  const model = textConvnet({ maxFeatures });
  model.summary();
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(x, y, { batchSize: 32, epochs: Number(values.epochs), validationSplit: 0.2 });
  console.log(`Training time: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  process.exit(0);
}
