// Dataset.shuffle on fromTensorSlices shuffles row numbers (nothing held in its buffer but
// numbers); it must give exactly the order the element buffer gives for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, data, type Tensor } from '../src/index.ts';

test('shuffle of fromTensorSlices gives the element shuffle\'s order for every buffer size and iteration', async () => {
  const n = 150; // not a multiple of the 64-element chunks
  const x = tensor(Float32Array.from({ length: n * 2 }, (_, i) => i), [n, 2]), y = tensor(Int32Array.from({ length: n }, (_, i) => i), [n]);
  const firstOf = (e: unknown): number => (Array.isArray(e) ? (e[1] as Tensor).data[0] : (e as Tensor).data[0] / 2);
  for (const bufferSize of [1, 7, 64, 149, 150, 1000]) {
    for (const reshuffleEachIteration of [true, false]) {
      const slices = data.Dataset.fromTensorSlices([x, y]).shuffle(bufferSize, { seed: 5, reshuffleEachIteration });
      const single = data.Dataset.fromTensorSlices(x).shuffle(bufferSize, { seed: 5, reshuffleEachIteration });
      // fromArray holds the same rows as plain elements: the generic buffer.
      const elements = data.Dataset.fromArray(Array.from({ length: n }, (_, i) => i)).shuffle(bufferSize, { seed: 5, reshuffleEachIteration });
      for (let epoch = 0; epoch < 2; epoch++) {
        const expected = await elements.toArray() as unknown as number[];
        const got = (await slices.toArray()).map(firstOf), gotSingle = (await single.toArray()).map(firstOf);
        assert.deepEqual(got, expected, `[x, y], buffer ${bufferSize}, epoch ${epoch}`);
        assert.deepEqual(gotSingle, expected, `x alone, buffer ${bufferSize}, epoch ${epoch}`);
        if (bufferSize > 1) assert.notDeepEqual(expected, [...expected].sort((a, b) => a - b), 'shuffled');
        assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every row once');
      }
    }
  }
  // The rows themselves: element i of the shuffle is the slice of the row it names.
  const [[xr, yr]] = await data.Dataset.fromTensorSlices([x, y]).shuffle(10, { seed: 1 }).take(1).toArray() as [Tensor, Tensor][];
  assert.deepEqual(Array.from(xr.data), [2 * yr.data[0], 2 * yr.data[0] + 1]);
});
