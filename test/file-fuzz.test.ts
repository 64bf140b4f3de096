// Corrupt and hostile files, fuzzed (seeded, bounded): model.json, weight files (with and
// without deeptype's checksums) and IDX files are truncated, bit-flipped, given huge sizes,
// wrong dtypes, NaN weights, deep nesting and paths leaving their folder. Every case must
// either load the values the files really hold or be refused with an Error naming the file:
// never another kind of throw, a hang, or a large allocation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { loadModel } from '../src/io/model-files.ts';
import { readIdx } from '../src/datasets/idx.ts';
import { Random } from '../src/core/random.ts';
import { expectError } from './helpers/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'deeptype-fuzz-'));
const rng = new Random(Number(process.env.FUZZ_SEED ?? 1414));
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
const HOSTILE_PATHS = ['../../etc/passwd', '/etc/passwd', '../outside.bin', 'https://example.com/w.bin', 'file:///etc/passwd', 'C:\\w.bin', 'a/../../w.bin', '\\\\server\\w.bin', ''];

async function baseModel(): Promise<string> {
  dt.setRandomSeed(5);
  const model = new models.Sequential([
    new layers.Input({ shape: [6, 6] }), new layers.Reshape({ targetShape: [6, 6, 1] }),
    new layers.Conv2D({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }), new layers.MaxPooling2D({ poolSize: 2 }),
    new layers.Flatten(), new layers.Dense({ units: 3, activation: 'softmax' }),
  ]);
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  await model.fit(dt.zeros([4, 6, 6]).add(0.5), dt.tensor([0, 1, 2, 0], null, 'int32'), { verbose: 0 });
  const dir = join(root, 'base');
  await model.save(dir, { includeOptimizer: true });
  return dir;
}

/** The model's weights as the files hold them, read independently of src/io. */
function valuesInFiles(dir: string): Map<string, number[]> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const out = new Map<string, number[]>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(join(dir, p))));
    let at = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a: number, b: number) => a * b, 1);
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, n * 4);
      out.set(w.name, Array.from({ length: n }, (_, i) => (w.dtype === 'int32' ? view.getInt32(i * 4, true) : view.getFloat32(i * 4, true))));
      at += n * 4;
    }
  }
  return out;
}

// Deep nesting is spliced into the text (JSON.stringify itself would overflow the stack on it).
const DEEP = '@deep@';
const deepen = (text: string): string => text.replace(`"${DEEP}"`, '['.repeat(100_000) + ']'.repeat(100_000));

type Mutation = (bytes: Buffer) => Buffer;
const truncate: Mutation = (b) => b.subarray(0, rng.int(b.length));
const flipBits: Mutation = (b) => {
  const c = Buffer.from(b);
  for (let k = 1 + rng.int(3); k > 0; k--) c[rng.int(c.length)] ^= 1 << rng.int(8);
  return c;
};
const append: Mutation = (b) => Buffer.concat([b, Buffer.alloc(1 + rng.int(64), rng.int(256))]);

/** Mutations of model.json's parsed structure: a value replaced by something hostile. */
function mutateJson(json: unknown): unknown {
  const huge = [1e9, 2 ** 31, 2 ** 53, 1e300, -1, 0, 1.5, 'NaN', null, [], {}, 'x'.repeat(1000)];
  const hostile = () => pick([...huge, pick(['float16', 'string', 'complex64', 'uint8', 'bool']), pick(HOSTILE_PATHS),
    DEEP]);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, c] of Object.entries(v)) { const p = [...path, Array.isArray(v) ? Number(k) : k]; paths.push(p); walk(c, p); }
  };
  walk(json, []);
  const copy = structuredClone(json) as Record<string, unknown>;
  const target = pick(paths);
  let parent: Record<string | number, unknown> = copy;
  for (const k of target.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = target[target.length - 1];
  if (rng.next() < 0.15) delete parent[key];
  else parent[key] = hostile();
  return copy;
}

interface Tally { loaded: number; refused: number; crashes: string[] }
const tally = (): Tally => ({ loaded: 0, refused: 0, crashes: [] });

/** Runs one case: the load either matches `expected()` or throws an Error naming one of `names`. */
function runCase(t: Tally, label: string, names: string[], load: () => unknown, check: (result: unknown) => void): void {
  const rss = process.memoryUsage().rss;
  let result: unknown;
  try {
    result = load();
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error) t.crashes.push(`${label}: ${e instanceof Error ? e.constructor.name : typeof e}: ${String(e).slice(0, 200)}${process.env.FUZZ_STACKS ? (e as Error).stack : ""}`);
    else if (!names.some((n) => e.message.includes(n))) t.crashes.push(`${label}: the error does not name the file: ${e.message.slice(0, 200)}`);
    else t.refused++;
    return;
  } finally {
    const grown = process.memoryUsage().rss - rss;
    if (grown > 256 * 2 ** 20) t.crashes.push(`${label}: RSS grew by ${(grown / 2 ** 20).toFixed(0)} MB`);
  }
  try { check(result); t.loaded++; } catch (e) { t.crashes.push(`${label}: loaded wrong values: ${(e as Error).message.slice(0, 200)}`); }
}

function sameWeights(model: models.Sequential, expected: Map<string, number[]>): void {
  for (const w of model.weights) assert.deepEqual(Array.from(w.data), expected.get(w.name), w.name);
}

describe('corrupt and hostile files', () => {
  it('paths in model.json that leave the folder are refused, and the file outside is never read', async () => {
    const base = await baseModel();
    writeFileSync(join(root, 'outside.bin'), readFileSync(join(base, JSON.parse(readFileSync(join(base, 'model.json'), 'utf8')).weightsManifest[0].paths[0])));
    for (const p of HOSTILE_PATHS) {
      const dir = join(root, `hostile-${HOSTILE_PATHS.indexOf(p)}`);
      cpSync(base, dir, { recursive: true });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      json.weightsManifest[0].paths = [p];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      await expectError('files', `model.json with the weights path '${p}'`, () => loadModel(dir),
        /weights path .*(leaves the model's folder|is an absolute path|is a URL or a drive path|must be a non-empty string)/);
    }
  });

  it(`fuzzes model.json, weight files and IDX files: every case loads the files' values or is refused naming the file`, async () => {
    const base = await baseModel();
    const original = valuesInFiles(base);
    const jsonText = readFileSync(join(base, 'model.json'));
    const manifest = JSON.parse(jsonText.toString()).weightsManifest[0];
    const weightsName = manifest.paths[0];
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => { warnings.push(m); };
    const counts: Record<string, Tally> = { 'model.json (checksummed)': tally(), 'model.json (no checksum)': tally(), 'weights (checksummed)': tally(), 'weights (no checksum)': tally(), IDX: tally() };
    try {
      // model.json: byte-level and structural mutations of deeptype's file.
      // Without the checksums (as TensorFlow.js writes it) the structural checks alone must hold.
      const unchecked = JSON.parse(jsonText.toString());
      delete unchecked.deeptype;
      for (let i = 0; i < 480 * Number(process.env.FUZZ_SCALE ?? 1); i++) {
        const dir = join(root, `json-${i}`);
        cpSync(base, dir, { recursive: true });
        const checked = i % 4 < 2, structural = i % 2 === 1;
        const source = checked ? jsonText : Buffer.from(JSON.stringify(unchecked));
        const text = structural ? Buffer.from(deepen(JSON.stringify(mutateJson(JSON.parse(source.toString()))))) : pick([truncate, flipBits, flipBits])(source);
        writeFileSync(join(dir, 'model.json'), text);
        runCase(counts[checked ? 'model.json (checksummed)' : 'model.json (no checksum)'], `model.json case ${i}`, [join(dir, 'model.json')], () => loadModel(dir),
          (m) => sameWeights(m as models.Sequential, original));
        rmSync(dir, { recursive: true });
      }
      // Weight files, with deeptype's checksums (every change refused) and without them (as
      // TensorFlow.js writes them: what loads must be what the bytes say, NaN with a warning).
      for (let i = 0; i < 240; i++) {
        const checked = i % 2 === 0;
        const dir = join(root, `weights-${i}`);
        cpSync(base, dir, { recursive: true });
        if (!checked) {
          const json = JSON.parse(jsonText.toString());
          delete json.deeptype;
          writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
        }
        const bytes = readFileSync(join(dir, weightsName));
        const nan = (b: Buffer): Buffer => { const c = Buffer.from(b); c.writeFloatLE(NaN, 4 * rng.int(manifest.weights[0].shape.reduce((a: number, d: number) => a * d, 1))); return c; };
        writeFileSync(join(dir, weightsName), pick([truncate, flipBits, append, nan])(bytes));
        const before = warnings.length;
        runCase(counts[checked ? 'weights (checksummed)' : 'weights (no checksum)'], `weights case ${i}`, [join(dir, weightsName), join(dir, 'model.json')],
          () => loadModel(dir), (m) => {
            assert.ok(!checked, 'a changed file with checksums must be refused');
            const inFiles = valuesInFiles(dir);
            sameWeights(m as models.Sequential, inFiles);
            const hasNaN = (m as models.Sequential).weights.some((w) => w.data.some((v) => !Number.isFinite(v)));
            assert.equal(warnings.length > before, hasNaN, 'a warning exactly when weights are NaN or infinite');
          });
        rmSync(dir, { recursive: true });
      }
      // IDX: a uint8 and a float32 file, header and data mutated.
      const idx = (code: number, shape: number[], data: Buffer): Buffer => {
        const head = Buffer.alloc(4 + 4 * shape.length);
        head[2] = code; head[3] = shape.length;
        shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
        return Buffer.concat([head, data]);
      };
      const floats = Buffer.alloc(4 * 12);
      for (let i = 0; i < 12; i++) floats.writeFloatBE(i / 3, 4 * i);
      const files = [idx(0x08, [5, 4, 3], Buffer.from(Array.from({ length: 60 }, (_, i) => i))), idx(0x0d, [3, 4], floats)];
      const hugeDims: Mutation = (b) => { const c = Buffer.from(b); const rank = c[3]; if (rank > 0) c.writeUInt32BE(pick([0xffffffff, 0x7fffffff, 1 << 20, 0]), 4 + 4 * rng.int(rank)); return c; };
      const wrongType: Mutation = (b) => { const c = Buffer.from(b); c[2] = pick([0x00, 0x07, 0x09, 0x0b, 0x0c, 0x0e, 0x0f, 0xff]); return c; };
      const wrongRank: Mutation = (b) => { const c = Buffer.from(b); c[3] = pick([0, 1, 4, 200, 255]); return c; };
      for (let i = 0; i < 240; i++) {
        const path = join(root, `idx-${i}`);
        writeFileSync(path, pick([truncate, flipBits, append, hugeDims, wrongType, wrongRank])(pick(files)));
        const onDisk = readFileSync(path);
        runCase(counts.IDX, `IDX case ${i}`, [path], () => readIdx(path), (t) => {
          // Loaded: shape and values are what the header and the bytes say (read here independently).
          const tensor = t as dt.Tensor, rank = onDisk[3], code = onDisk[2];
          const shape = Array.from({ length: rank }, (_, k) => onDisk.readUInt32BE(4 + 4 * k));
          assert.deepEqual(tensor.shape, shape);
          const size = ({ 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 } as Record<number, number>)[code];
          const read = (k: number): number => {
            const o = 4 + 4 * rank + k * size;
            return code === 8 ? onDisk.readUInt8(o) : code === 9 ? onDisk.readInt8(o) : code === 11 ? onDisk.readInt16BE(o)
              : code === 12 ? onDisk.readInt32BE(o) : code === 13 ? onDisk.readFloatBE(o) : onDisk.readDoubleBE(o);
          };
          assert.deepEqual(Array.from(tensor.data), Array.from({ length: tensor.size }, (_, k) => read(k)));
        });
      }
    } finally {
      console.warn = warn;
    }
    for (const [format, t] of Object.entries(counts)) {
      console.log(`fuzz ${format}: ${t.loaded + t.refused + t.crashes.length} cases, ${t.loaded} loaded correctly, ${t.refused} refused naming the file, ${t.crashes.length} crashes`);
    }
    const crashes = Object.values(counts).flatMap((t) => t.crashes);
    assert.deepEqual(crashes, [], crashes.slice(0, 5).join('\n'));
    assert.ok(counts['weights (no checksum)'].loaded > 0 && counts['model.json (no checksum)'].loaded > 0, 'the fuzz reaches both outcomes');
  });
});
