// Temporary files of atomic saves. Every file is written as `.<target>.<pid>-<8 hex>.partial`
// next to its target, then renamed over it. A save that is killed leaves its partial behind;
// the next save to the same place removes the partials of this scheme whose target it would
// write and whose writing process is gone. Never any other file: not a name of another
// pattern, not a target the save does not write, not the partial of a save still running
// (its process is alive).
import { nodeBuiltin } from '../core/node-only.ts';

const fs = () => nodeBuiltin('node:fs', 'saving files');
const path = () => nodeBuiltin('node:path', 'saving files');
const PARTIAL = /^\.(.+)\.(\d+)-[0-9a-f]{8}\.partial$/;

/** The temporary name for writing `target` (a file name) in its folder. */
export function partialName(target: string): string {
  return `.${target}.${process.pid}-${nodeBuiltin('node:crypto', 'saving files').randomBytes(4).toString('hex')}.partial`;
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true; // this process's own saves clean up after themselves
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
};

/**
 * Removes the partial files in `dir` that earlier, killed saves left for a target that
 * `writes(target)` accepts. Returns the names removed.
 */
export function removeStalePartials(dir: string, writes: (target: string) => boolean): string[] {
  const { readdirSync, rmSync } = fs();
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = PARTIAL.exec(name);
    if (!m || !writes(m[1]) || alive(Number(m[2]))) continue;
    try { rmSync(path().join(dir, name), { force: true }); removed.push(name); } catch { /* another save removed it first */ }
  }
  return removed;
}
