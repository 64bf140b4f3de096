// Keras files, fuzzed (issue #14; test/file-fuzz.test.ts does TF.js files and IDX): a saved
// .keras zip and .h5 file are truncated, bit-flipped and appended to. Every case must either
// load or be refused with an Error naming the file: never another kind of throw or a hang.
// A loaded case is counted by whether its weights are the original ones; a .keras file that
// loads must hold the original weights (its zip entries carry CRC-32s of their contents).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(Number(process.env.FUZZ_SEED ?? 1416));
const root = mkdtempSync(join(tmpdir(), 'deeptype-keras-fuzz-'));
const truncate = (b: Buffer): Buffer => b.subarray(0, rng.int(b.length));
const flipBits = (b: Buffer): Buffer => { const c = Buffer.from(b); for (let k = 1 + rng.int(3); k > 0; k--) c[rng.int(c.length)] ^= 1 << rng.int(8); return c; };
const append = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc(1 + rng.int(64), rng.int(256))]);

describe('Keras files, fuzzed', () => {
  it('every mutated .keras and .h5 file loads or is refused naming the file', async () => {
    dt.setRandomSeed(6);
    const model = new models.Sequential([
      new layers.Input({ shape: [6, 6, 1] }), new layers.Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }),
      new layers.Flatten(), new layers.Dense({ units: 3, activation: 'softmax' }),
    ]);
    const original = model.weights.map((w) => Array.from(w.data));
    const counts: Record<string, { original: number; changed: number; refused: number; crashes: string[] }> = {};
    const warn = console.warn;
    console.warn = () => {};
    try {
      for (const ext of ['keras', 'h5']) {
        const base = join(root, `base.${ext}`);
        await model.save(base);
        const bytes = readFileSync(base);
        const t = { original: 0, changed: 0, refused: 0, crashes: [] as string[] };
        counts[`.${ext}`] = t;
        for (let i = 0; i < 100 * Number(process.env.FUZZ_SCALE ?? 1); i++) {
          const path = join(root, `case-${i}.${ext}`);
          writeFileSync(path, [truncate, flipBits, flipBits, append][rng.int(4)](bytes));
          try {
            const loaded = await models.loadModel(path);
            const same = loaded.weights.length === original.length && loaded.weights.every((w, k) => Array.from(w.data).every((v, j) => Object.is(v, original[k][j])));
            if (same) t.original++;
            else if (ext === 'keras') t.crashes.push(`case ${i}: a changed .keras file loaded other weights`);
            else t.changed++;
          } catch (e) {
            if (!(e instanceof Error) || e.constructor !== Error) t.crashes.push(`case ${i}: ${e instanceof Error ? e.constructor.name : typeof e}: ${String(e).slice(0, 200)}`);
            else if (!e.message.includes(path)) t.crashes.push(`case ${i}: the error does not name the file: ${e.message.slice(0, 200)}`);
            else t.refused++;
          }
          rmSync(path, { force: true });
        }
      }
    } finally {
      console.warn = warn;
    }
    for (const [format, t] of Object.entries(counts)) {
      console.log(`fuzz ${format}: ${t.original + t.changed + t.refused + t.crashes.length} cases, ${t.original} loaded the original weights, ` +
        `${t.changed} loaded changed weights (HDF5 keeps no checksum of raw data), ${t.refused} refused naming the file, ${t.crashes.length} crashes`);
    }
    const crashes = Object.values(counts).flatMap((t) => t.crashes);
    assert.deepEqual(crashes, [], crashes.slice(0, 5).join('\n'));
  });
});
