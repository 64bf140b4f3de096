// A notebook as a web page: each cell's text, its printed output and its figure, in order.
// The page and its PNG figures sit in one folder and need no network.
import { nodeBuiltin } from '../core/node-only.ts';
import type { Figure } from './figure.ts';

interface Cell { title: string; text: string; code: string; output: string[]; figures: { file: string; alt: string }[] }

const fs = () => nodeBuiltin('node:fs', 'Report (it writes files)');
const join = (...parts: string[]): string => nodeBuiltin('node:path', 'Report').join(...parts);
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class Report {
  private readonly cells: Cell[] = [];
  constructor(readonly dir: string, readonly title: string) { fs().mkdirSync(dir, { recursive: true }); }

  /** Starts a cell: a heading, a line of explanation, and the code it runs (shown beside its output). */
  cell(title: string, text = '', code = ''): this {
    this.cells.push({ title, text, code, output: [], figures: [] });
    return this;
  }

  private get current(): Cell {
    if (this.cells.length === 0) this.cell(this.title);
    return this.cells[this.cells.length - 1];
  }

  /** Prints a line and keeps it as the current cell's output. */
  log(line: string): void {
    console.log(line);
    this.record(line);
  }

  /** Keeps a line as the current cell's output without printing it (it was shown another way). */
  record(line: string): void {
    this.current.output.push(line);
  }

  /** Saves a figure as <name>.png in the report's folder and shows it in the current cell. */
  figure(fig: Figure, name: string, alt = name): string {
    const file = `${name}.png`;
    fig.savefig(join(this.dir, file));
    this.current.figures.push({ file, alt });
    return file;
  }

  /** Writes index.html. */
  write(): string {
    const body = this.cells.map((c) => `<section>
  <h2>${esc(c.title)}</h2>${c.text ? `\n  <p>${esc(c.text)}</p>` : ''}
  <div class="${c.code ? 'io' : ''}">${c.code ? `\n  <pre class="code">${esc(c.code)}</pre>` : ''}
  <div class="out">${c.output.length ? `\n  <pre class="output">${esc(c.output.join('\n'))}</pre>` : ''}
${c.figures.map((f) => `  <figure><img src="${f.file}" alt="${esc(f.alt)}"><figcaption>${esc(f.alt)}</figcaption></figure>`).join('\n')}
  </div></div>
</section>`).join('\n');
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(this.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 90rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
section { border-top: 1px solid #ddd; padding: 0.5rem 0 1rem; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 0.5rem 0; } img { max-width: 100%; }
.io { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
pre.code { background: #f4f6fa; border-left: 3px solid #4a78c2; margin: 0; }
.io .out pre { margin-top: 0; } figcaption { color: #666; font-size: 0.85rem; }
</style></head>
<body>
<h1>${esc(this.title)}</h1>
${body}
</body></html>
`;
    const path = join(this.dir, 'index.html');
    fs().writeFileSync(path, html);
    return path;
  }
}
