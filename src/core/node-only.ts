// Reaching Node-only modules without importing them at the top of a file, so that the modules
// that use them still load in a browser (and in bundles), and so that optional packages are
// needed only by the feature that uses them, with an error naming the package when missing.

/** A Node built-in module, or a clear error saying that `feature` needs Node.js. */
export function nodeBuiltin<K extends keyof NodeBuiltins>(name: K, feature: string): NodeBuiltins[K] {
  const m = typeof process !== 'undefined' ? process.getBuiltinModule?.(name) : undefined;
  if (!m) throw new Error(`${feature} needs Node.js (${name}); it is not available in this runtime`);
  return m as NodeBuiltins[K];
}
interface NodeBuiltins {
  'node:fs': typeof import('node:fs');
  'node:path': typeof import('node:path');
  'node:module': typeof import('node:module');
  'node:crypto': typeof import('node:crypto');
  'node:os': typeof import('node:os');
  'node:zlib': typeof import('node:zlib');
  'node:fs/promises': typeof import('node:fs/promises');
  'node:worker_threads': typeof import('node:worker_threads');
}

const isMissing = (e: unknown, pkg: string): boolean =>
  (e as { code?: string }).code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(`'${pkg}`);

/**
 * Loads an optional package (CommonJS require from this module's place) for `feature`. A
 * missing package is an error that says which one to install.
 */
export function requireOptional<T>(pkg: string, feature: string): T {
  const { createRequire } = nodeBuiltin('node:module', feature);
  try {
    return createRequire(import.meta.url)(pkg) as T;
  } catch (e) {
    if (isMissing(e, pkg)) throw new Error(`${feature} needs the package '${pkg}', which is not installed; install it with: npm install ${pkg}`);
    throw e;
  }
}

/** The folder an optional package is installed in (for packages that ship data files). */
export function optionalPackageDir(pkg: string, feature: string): string {
  const { createRequire } = nodeBuiltin('node:module', feature);
  const { dirname } = nodeBuiltin('node:path', feature);
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch (e) {
    if (isMissing(e, pkg)) throw new Error(`${feature} needs the package '${pkg}', which is not installed; install it with: npm install ${pkg}`);
    throw e;
  }
}
