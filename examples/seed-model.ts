// The seed notebook's network (cell 17), shared by the example, the benchmark and the tests.
import { layers, models } from 'deeptype';

export function seedModel(): models.Sequential {
  return new models.Sequential([
    new layers.Input({ shape: [28, 28] }),
    new layers.Reshape({ targetShape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }), // 14x14
    new layers.Conv2D({ filters: 16, kernelSize: [3, 3], padding: 'same' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }), // 7x7
    new layers.Flatten(),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
}
