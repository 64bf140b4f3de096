// Images: resizing against tf.image.resizeBilinear / resizeNearestNeighbor, image files, and
// imageDatasetFromDirectory against Keras's rules (its file walk and NumPy shuffle, run in Python).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Tensor, tensor } from '../src/index.ts';
import { imageDatasetFromDirectory, loadImg, saveImg, arrayToImg, imgToArray, decodeImage, resizeImage } from '../src/utils/index.ts';
import { tf, assertClose } from './helpers/oracle.ts';
import { Random } from '../src/core/random.ts';

const tfImage = (t: Tensor): ReturnType<typeof tf.tensor> => tf.tensor(Array.from(t.data), t.shape, 'float32');

test('resizeImage (the resize op on one image or a batch) matches tf.image.resizeBilinear / resizeNearestNeighbor', () => {
  const rng = new Random(5);
  const x = tensor(Float32Array.from({ length: 2 * 7 * 5 * 3 }, () => rng.uniform(0, 255)), [2, 7, 5, 3]);
  for (const size of [[3, 4], [11, 13], [1, 1], [14, 2]] as [number, number][]) {
    assertClose(resizeImage(x, size), tf.image.resizeBilinear(tfImage(x) as never, size, false, true), 1e-5, `bilinear ${size}`);
    assertClose(resizeImage(x, size, 'nearest'), tf.image.resizeNearestNeighbor(tfImage(x) as never, size, false, true), 1e-5, `nearest ${size}`);
  }
  const pixels = tensor(Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 41) % 256), [6, 5, 3]);
  assertClose(resizeImage(pixels, [4, 9]), tf.image.resizeBilinear(tfImage(pixels) as never, [4, 9], false, true), 1e-5, 'uint8 image');
  assert.deepEqual(resizeImage(pixels, [4, 9]).shape, [4, 9, 3]);
});

/** Writes a class folder tree of PNG and JPEG images of odd sizes, grayscale and RGB. */
async function makeTree(root: string): Promise<void> {
  const rng = new Random(11);
  const image = async (path: string, w: number, h: number, channels: 1 | 3, format: 'png' | 'jpeg'): Promise<void> => {
    const raw = Buffer.alloc(w * h * channels);
    for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rng.uniform(0, 256));
    let s = sharp(raw, { raw: { width: w, height: h, channels } });
    if (channels === 1) s = s.toColourspace('b-w');
    await s.toFormat(format).toFile(path);
  };
  const classes = { cats: 5, dogs: 4, birds: 6 };
  let k = 0;
  for (const [name, n] of Object.entries(classes)) {
    mkdirSync(join(root, name, 'nested'), { recursive: true });
    for (let i = 0; i < n; i++) {
      const dir = i === 1 ? join(root, name, 'nested') : join(root, name);
      const format = k % 3 === 0 ? 'jpeg' : 'png';
      await image(join(dir, `img_${(i * 7) % 10}${format === 'jpeg' ? '.jpg' : '.PNG'}`), 9 + (k % 5) * 3, 7 + (k % 4) * 4, (k % 2 ? 1 : 3), format);
      k++;
    }
    writeFileSync(join(root, name, 'notes.txt'), 'not an image');
  }
  mkdirSync(join(root, '.hidden'));
  await image(join(root, '.hidden', 'x.png'), 4, 4, 3, 'png');
}

/** Keras's index_directory + get_training_or_validation_split, written independently in Python. */
function kerasIndex(root: string, seed: number | null, split: number | null): { train: [string, number][]; val: [string, number][]; classes: string[] } {
  const script = `
import os, sys, json, numpy as np
root, seed, split = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
formats = ('.bmp', '.gif', '.jpeg', '.jpg', '.png')
classes = [d for d in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, d)) and not d.startswith('.')]
paths, labels = [], []
for i, c in enumerate(classes):
    for r, _, files in sorted(os.walk(os.path.join(root, c)), key=lambda t: t[0]):
        for f in sorted(files):
            if f.lower().endswith(formats):
                paths.append(os.path.join(r, f)); labels.append(i)
labels = np.array(labels, dtype='int32')
if seed is not None:
    np.random.RandomState(seed).shuffle(paths); np.random.RandomState(seed).shuffle(labels)
pairs = list(zip(paths, labels.tolist()))
n = int(split * len(pairs)) if split else 0
print(json.dumps({'train': pairs[:-n] if n else pairs, 'val': pairs[-n:] if n else [], 'classes': classes}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, root, JSON.stringify(seed), JSON.stringify(split)], { encoding: 'utf8' }));
}

const labelsOf = async (ds: AsyncIterable<unknown>): Promise<number[]> => {
  const out: number[] = [];
  for await (const [, y] of ds as AsyncIterable<[Tensor, Tensor]>) out.push(...Array.from(y.data));
  return out;
};

test('imageDatasetFromDirectory: classes, file order, labels and the seeded split are Keras\'s; pixels are tf.image.resize\'s', async () => {
  const root = mkdtempSync(join(tmpdir(), 'deeptype-images-'));
  const log = console.log;
  console.log = () => {};
  try {
    await makeTree(root);
    const keras = kerasIndex(root, 1337, 0.2);
    const [train, val] = await imageDatasetFromDirectory(root, { validationSplit: 0.2, subset: 'both', seed: 1337, imageSize: [12, 10], batchSize: 4 });
    assert.deepEqual(train.classNames, ['birds', 'cats', 'dogs']);
    assert.deepEqual(train.filePaths, keras.train.map(([p]) => p));
    assert.deepEqual(val.filePaths, keras.val.map(([p]) => p));
    assert.deepEqual([train.filePaths.length, val.filePaths.length], [12, 3]); // int(0.2 * 15) = 3
    // The training set reshuffles each epoch (as Keras's), so compare label multisets; validation keeps its order.
    assert.deepEqual((await labelsOf(train)).sort(), keras.train.map(([, l]) => l).sort());
    assert.deepEqual(await labelsOf(val), keras.val.map(([, l]) => l));
    const single = await imageDatasetFromDirectory(root, { validationSplit: 0.2, subset: 'validation', seed: 1337, imageSize: [12, 10] });
    assert.deepEqual(single.filePaths, val.filePaths, 'the same seed gives the same split');

    // Unshuffled, unbatched: every element against TF.js's resize of the same decoded file.
    for (const colorMode of ['rgb', 'grayscale'] as const) {
      const ds = await imageDatasetFromDirectory(root, { shuffle: false, batchSize: null, imageSize: [12, 10], colorMode });
      const plain = kerasIndex(root, null, null);
      assert.deepEqual(ds.filePaths, plain.train.map(([p]) => p));
      let i = 0;
      for await (const [img, label] of ds as AsyncIterable<[Tensor, Tensor]>) {
        const decoded = await decodeImage(readFileSync(ds.filePaths[i]), colorMode);
        assert.equal(decoded.shape[2], colorMode === 'rgb' ? 3 : 1);
        assertClose(img, tf.image.resizeBilinear(tfImage(decoded) as never, [12, 10], false, true), 1e-4, `${ds.filePaths[i]}`);
        assert.equal(label.item(), plain.train[i][1]);
        assert.equal(label.dtype, 'int32');
        i++;
      }
      assert.equal(i, 15);
    }
    // cropToAspectRatio: Keras's smart_resize crop (centered, largest window of the target ratio), then resize.
    const cropped = await imageDatasetFromDirectory(root, { shuffle: false, batchSize: null, imageSize: [6, 12], cropToAspectRatio: true, labels: null });
    const first = (await cropped.take(1).toArray())[0] as Tensor;
    const decoded = await decodeImage(readFileSync(cropped.filePaths[0]), 'rgb');
    const [h, w] = decoded.shape;
    const ch = Math.min(h, Math.trunc((w * 6) / 12)), cw = Math.min(w, Math.trunc((h * 12) / 6));
    const window = tf.slice(tfImage(decoded), [Math.trunc((h - ch) / 2), Math.trunc((w - cw) / 2), 0], [ch, cw, 3]);
    assertClose(first, tf.image.resizeBilinear(window as never, [6, 12], false, true), 1e-4, 'cropToAspectRatio');

    const categorical = await imageDatasetFromDirectory(root, { shuffle: false, labelMode: 'categorical', imageSize: [8, 8], batchSize: 16 });
    const [[xb, yb]] = await categorical.toArray() as [Tensor, Tensor][];
    assert.deepEqual([xb.shape, yb.shape, yb.dtype], [[15, 8, 8, 3], [15, 3], 'float32']);
    assert.deepEqual(Array.from(yb.data.subarray(0, 3)), [1, 0, 0]);
    const two = await imageDatasetFromDirectory(root, { classNames: ['dogs', 'cats'], labelMode: 'binary', shuffle: false, imageSize: [8, 8] });
    assert.deepEqual(await labelsOf(two), [0, 0, 0, 0, 1, 1, 1, 1, 1]);
  } finally { console.log = log; rmSync(root, { recursive: true, force: true }); }
});

test('imageDatasetFromDirectory: bad folders and files give clear errors, nothing is skipped silently', async () => {
  const root = mkdtempSync(join(tmpdir(), 'deeptype-images-bad-'));
  const log = console.log;
  console.log = () => {};
  try {
    writeFileSync(join(root, 'loose.png'), 'x');
    await assert.rejects(imageDatasetFromDirectory(root), /no class folders in .*every class is a subfolder/);
    mkdirSync(join(root, 'a')); mkdirSync(join(root, 'b')); mkdirSync(join(root, 'c'));
    await assert.rejects(imageDatasetFromDirectory(root), /no images found in directory/);
    const good = await sharp({ create: { width: 6, height: 5, channels: 3, background: '#336699' } }).png().toBuffer();
    for (const c of ['a', 'b', 'c']) writeFileSync(join(root, c, 'ok.png'), good);
    writeFileSync(join(root, 'b', 'truncated.png'), good.subarray(0, good.length - 30));
    const ds = await imageDatasetFromDirectory(root, { shuffle: false, imageSize: [4, 4] });
    await assert.rejects(ds.toArray(), (e: Error) => e.message.includes(join(root, 'b', 'truncated.png')) && /cannot decode image/.test(e.message));
    await assert.rejects(imageDatasetFromDirectory(root, { labelMode: 'binary' }), /labelMode 'binary' needs exactly 2 classes, got 3/);
    await assert.rejects(imageDatasetFromDirectory(root, { validationSplit: 0.5, subset: 'training' }), /must give a seed/);
    await assert.rejects(imageDatasetFromDirectory(root, { classNames: ['a', 'zz'] }), /classNames \["zz"\] are not subfolders/);
    await assert.rejects(imageDatasetFromDirectory(root, { imageSize: [4] as never }), /imageSize must be \[height, width\]/);
    await assert.rejects(imageDatasetFromDirectory(root, { colour: 'rgb' } as never), /unknown option 'colour'/);
    await assert.rejects(loadImg(join(root, 'missing.png')), /loadImg: cannot read .*missing\.png/);
  } finally { console.log = log; rmSync(root, { recursive: true, force: true }); }
});

test('loadImg / saveImg / imgToArray / arrayToImg', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-img-'));
  try {
    const pixels = tensor(Uint8Array.from({ length: 5 * 7 * 3 }, (_, i) => (i * 37) % 256), [5, 7, 3]);
    await saveImg(join(dir, 'a.png'), pixels, { scale: false });
    const back = await loadImg(join(dir, 'a.png'));
    assert.deepEqual([back.shape, back.dtype, Array.from(back.data)], [[5, 7, 3], 'uint8', Array.from(pixels.data)]);
    const gray = await loadImg(join(dir, 'a.png'), { colorMode: 'grayscale' });
    assert.deepEqual(gray.shape, [5, 7, 1]);
    const rgba = await loadImg(join(dir, 'a.png'), { colorMode: 'rgba' });
    assert.deepEqual([rgba.shape, rgba.data[3]], [[5, 7, 4], 255]);
    const small = await loadImg(join(dir, 'a.png'), { targetSize: [3, 3] });
    const expected = tf.image.resizeNearestNeighbor(tfImage(pixels) as never, [3, 3], false, true) as unknown as { dataSync(): Float32Array };
    assert.deepEqual(Array.from(small.data), Array.from(expected.dataSync()));
    const arr = imgToArray(back);
    assert.equal(arr.dtype, 'float32');
    // Keras's array_to_img with scale: x - min, then / max * 255.
    const f = tensor([[[-1], [0]], [[1], [3]]]);
    assert.deepEqual(Array.from(arrayToImg(f).data), [0, 64, 128, 255]);
    assert.deepEqual(Array.from(arrayToImg(f, { scale: false }).data), [0, 0, 1, 3]);
    await assert.rejects(saveImg(join(dir, 'a.xyz'), pixels), /cannot tell the format/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
