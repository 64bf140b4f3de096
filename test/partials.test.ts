// Stray partial files of killed saves (issue #14): every save writes `.<target>.<pid>-<hex>.partial`
// and renames it; the next save to the same place removes the partials a dead process left for
// the targets it writes, and nothing else (test/kill.test.ts does the same with real kills).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layers, models } from '../src/index.ts';
import { exportOnnx } from '../src/io/onnx.ts';
import { partialName, removeStalePartials } from '../src/io/partials.ts';

/** The pid of a process that has exited (as a killed save's). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

function tinyModel(): models.Sequential {
  return new models.Sequential([new layers.Input({ shape: [3] }), new layers.Dense({ units: 2 })]);
}

describe('stale partial files', () => {
  it('the name scheme: dot, target, pid and 8 hex digits', () => {
    assert.match(partialName('model.keras'), new RegExp(`^\\.model\\.keras\\.${process.pid}-[0-9a-f]{8}\\.partial$`));
  });

  for (const [format, target, save] of [
    ['.keras', 'm.keras', (m: models.Model, dir: string) => m.save(join(dir, 'm.keras'))],
    ['.h5', 'm.h5', (m: models.Model, dir: string) => m.save(join(dir, 'm.h5'))],
    ['ONNX', 'm.onnx', (m: models.Model, dir: string) => exportOnnx(m, join(dir, 'm.onnx'))],
    ['saveWeights', 'weights.json', (m: models.Model, dir: string) => m.saveWeights(join(dir, 'w'))],
  ] as const) {
    it(`${format}: the next save removes a dead save's partials of its target, and nothing else`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'deeptype-partials-'));
      const dir = format === 'saveWeights' ? join(root, 'w') : root;
      mkdirSync(dir, { recursive: true });
      const dead = deadPid();
      const stale = [`.${target}.${dead}-0badf00d.partial`, ...(format === 'saveWeights' ? [`.weights-mabc-0a1b2c.bin.${dead}-12345678.partial`] : [])];
      const keep = [
        `.${target}.${process.pid}-aaaaaaaa.partial`, // a save still running (this process is alive)
        `.other.keras.${dead}-0badf00d.partial`, // another target
        `${target}.partial`, 'notes.partial', `.${target}.${dead}-xyz.partial`, // other patterns
      ];
      for (const f of [...stale, ...keep]) writeFileSync(join(dir, f), 'half a file');
      await save(tinyModel(), format === 'saveWeights' ? root : dir);
      for (const f of stale) assert.ok(!existsSync(join(dir, f)), `${f} was removed`);
      for (const f of keep) assert.ok(existsSync(join(dir, f)), `${f} was left alone`);
      assert.ok(readdirSync(dir).some((f) => f === target), `${target} was written`);
    });
  }

  it('removeStalePartials returns what it removed and survives a missing folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-partials-'));
    const name = `.a.bin.${deadPid()}-00000000.partial`;
    writeFileSync(join(dir, name), '');
    assert.deepEqual(removeStalePartials(dir, (t) => t === 'b.bin'), []);
    assert.deepEqual(removeStalePartials(dir, (t) => t === 'a.bin'), [name]);
    assert.deepEqual(removeStalePartials(join(dir, 'missing'), () => true), []);
  });
});
