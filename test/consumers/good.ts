// Consumer check 2: strict TypeScript against the package's .d.ts.
import { layers, models, tensor, type Tensor } from 'deeptype';

const model = new models.Sequential([
  new layers.Input({ shape: [28, 28] }),
  new layers.Reshape({ targetShape: [28, 28, 1] }),
  new layers.Conv2D({ filters: 8, kernelSize: [3, 3], padding: 'same' }),
  new layers.Flatten(),
  new layers.Dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
const x: Tensor = tensor(new Float32Array(2 * 784), [2, 28, 28]);
const p: Tensor = model.predict(x);
const shape: number[] = p.shape;
export const done: Promise<number[]> = model.fit(x, tensor(new Int32Array(2), [2]), { epochs: 1 }).then((h) => h.history.loss).then(() => shape);
