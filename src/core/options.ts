// Option objects from users: a misspelt option must be an error, never silently ignored.

/** Throws, naming `where`, when options is not an object or holds a key outside `known`. */
export function checkKnownOptions(options: unknown, known: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`${where}: options must be an object, got ${Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown option '${unknown[0]}' (known: ${known.join(', ')})`);
}
