// Every registered layer class goes through the shared layer test helper (runLayerTest) at least
// once: a new layer without a helper case fails here, naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../src/index.ts';
import { layerClass, layerClassNames } from '../src/layers/registry.ts';

/** Classes that are not layers one can test on their own, with the reason. */
const EXEMPT: Record<string, string> = {
  InputLayer: 'the model\'s input placeholder: it computes nothing (every helper case has one in its probe model)',
};

test('every registered layer class has a runLayerTest case', () => {
  const dir = import.meta.dirname;
  const covered = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    // A case's layer is what its make() builds: `make: () => new layers.Name(`.
    for (const m of source.matchAll(/runLayerTest\(\{[^]*?make: \(\) => new layers\.(\w+)\(/g)) covered.add(m[1]);
  }
  // Aliases (e.g. Keras 2 names) resolve to their class: test each class once.
  const classes = [...new Set(layerClassNames().map((n) => layerClass(n)!.className))].sort();
  const missing = classes.filter((c) => !covered.has(c) && !(c in EXEMPT));
  assert.deepEqual(missing, [], `layer classes with no runLayerTest case: ${missing.join(', ')}`);
  assert.ok(covered.size >= 50, `found ${covered.size} classes in runLayerTest cases (the scan itself is broken if few)`);
});
