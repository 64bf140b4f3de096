// Paths that come from inside a file (a model.json's weight paths) are data, not trust: they
// must name a file in the model's own folder. '../../etc/passwd', '/etc/passwd', 'C:\x' and
// 'https://host/x' are refused before anything is opened.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { describe } from './describe.ts';

/** The file `p` names inside `dir`, or an error naming the file that gave the path. */
export function resolveInside(dir: string, p: unknown, where: string): string {
  if (typeof p !== 'string' || p.length === 0) throw new Error(`${where}: a weights path must be a non-empty string, got ${describe(p)}`);
  const why = p.includes('\0') ? 'contains a NUL character'
    : /^[a-z][a-z0-9+.-]*:/i.test(p) ? 'is a URL or a drive path (only files beside model.json are read)'
      : isAbsolute(p) || p.startsWith('\\') ? 'is an absolute path (only files beside model.json are read)'
        : undefined;
  if (why) throw new Error(`${where}: weights path '${p}' ${why}`);
  const full = resolve(dir, p);
  const rel = relative(resolve(dir), full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(`${where}: weights path '${p}' leaves the model's folder ${dir} (only files beside model.json are read)`);
  }
  return full;
}
