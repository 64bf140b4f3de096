// Checked option values for losses and metrics: a wrong type or range is an error naming the
// class, the option, what it expects and what it got (never coerced, never silently ignored).
// null reads as the default, as Keras's None.

const shown = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : typeof v === 'number' || v === null ? String(v) : JSON.stringify(v) ?? String(v));

export function boolOption(where: string, option: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new Error(`${where}: ${option} must be true or false, got ${shown(v)}`);
  return v;
}

/** A finite number (passing `ok`, described by `expected`), or the default. */
export function numberOption(where: string, option: string, v: unknown, dflt: number, ok: (x: number) => boolean = () => true, expected = 'a finite number'): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new Error(`${where}: ${option} must be ${expected}, got ${shown(v)}`);
  return v;
}

export function nameOption(where: string, v: unknown, dflt: string): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new Error(`${where}: name must be a string, got ${shown(v)}`);
  return v;
}
