// The folders of src/ import one another one way (ARCHITECTURE.md draws the layers): a
// runtime import that closes a circle between folders fails here. Type-only imports are free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? (f === 'generated' || f === 'assembly' ? [] : files(p)) : p.endsWith('.ts') ? [p] : [];
  });
}
const folderOf = (p: string): string => relative(SRC, p).split('/')[0].replace(/\.ts$/, '') || '.';

/** Folder -> the folders its files import at run time. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const statement = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?'(\.[^']+)'/gm;
  for (const file of files(SRC)) {
    const from = folderOf(file);
    if (!file.slice(SRC.length + 1).includes('/')) continue; // the entry points import everything
    for (const m of readFileSync(file, 'utf8').matchAll(statement)) {
      if (m[1]) continue;
      const to = folderOf(normalize(join(dirname(file), m[2])));
      if (to !== from) (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to);
    }
  }
  return graph;
}

test('src/ folders import one another without circles', () => {
  const graph = folderGraph();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (path.includes(node)) { cycles.push([...path.slice(path.indexOf(node)), node].join(' -> ')); return; }
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual([...new Set(cycles)], [], `import circles between folders:\n${cycles.join('\n')}`);
  // The lowest layers stay at the bottom.
  assert.deepEqual([...(graph.get('core') ?? [])], [], 'core imports no other folder at run time');
  for (const low of ['ops', 'backends']) assert.ok(![...(graph.get(low) ?? [])].some((f) => !['core', 'backends'].includes(f)), `${low} imports only core (and the backend interface)`);
});
