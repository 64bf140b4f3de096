// README code blocks: extracted, and run as written. A fence's info string is the language and
// optionally `not-run` (commands and fragments); every other block runs: `ts`/`js` blocks as
// their own files under tsx from a scratch folder (the repo's tsconfig maps 'deeptype' to
// src/), `html` blocks as a page in Chromium (see readme.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Block { lang: string; run: boolean; code: string; line: number }

const root = join(import.meta.dirname, '../..');

export function extractBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang, meta] = open, start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[i]); i++) body.push(lines[i].slice(indent.length));
    if (i === lines.length) throw new Error(`README line ${start + 1}: the code block is never closed`);
    blocks.push({ lang, run: !/\bnot-run\b/.test(meta), code: body.join('\n') + '\n', line: start + 1 });
  }
  return blocks;
}

/** Runs a ts/js block in a fresh folder; returns its exit status and output. */
export function runScriptBlock(block: Block, timeoutMs = 120_000): { status: number | null; output: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-readme-'));
  const file = join(dir, block.lang === 'ts' ? 'snippet.ts' : 'snippet.mjs');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n'); // top-level await, as in a project of one's own
  writeFileSync(file, block.code);
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
    cwd: dir, encoding: 'utf8', timeout: timeoutMs,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'), NODE_PATH: join(root, 'node_modules') },
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, dir };
}
