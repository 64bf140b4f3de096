// Short descriptions of untrusted values for error messages (browser-safe: no Node imports).

/** A short description of any JSON value for an error message (never deep, never long). */
export function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? `'${v.slice(0, 60)}'` : String(v);
  return Array.isArray(v) ? `a list of ${v.length}` : `an object with keys ${Object.keys(v).slice(0, 6).join(', ')}`;
}
