// Keras's get_file: download once into a cache folder, verify the SHA-256, extract archives,
// and reuse the cached file afterwards. The cache is $DEEPTYPE_HOME/datasets, else
// ~/.deeptype/datasets. A download goes to NAME.part and is renamed only once its hash checks
// out, so a failed or corrupted transfer never leaves a file that looks cached.
import { Progbar } from '../training/progbar.ts';
import { nodeBuiltin, requireOptional } from '../core/node-only.ts';

// Node's modules, reached when a function runs, so that this module loads in a browser too.
const fs = (): typeof import('node:fs') => nodeBuiltin('node:fs', 'downloading datasets');
const join = (...parts: string[]): string => nodeBuiltin('node:path', 'downloading datasets').join(...parts);

export function cacheRoot(): string {
  return process.env.DEEPTYPE_HOME ? join(process.env.DEEPTYPE_HOME, 'datasets') : join(nodeBuiltin('node:os', 'the dataset cache').homedir(), '.deeptype', 'datasets');
}

export interface GetFileOptions {
  /** Expected SHA-256 (hex) of the downloaded file; checked after download and before reuse. */
  fileHash?: string;
  /** Folder under the cache root (Keras's cache_subdir). */
  cacheSubdir?: string;
  /** The cache root (default cacheRoot()). */
  cacheDir?: string;
  /** Extract a .tar.gz / .tgz / .tar into a folder beside it (named extractTo) and return that folder. */
  extractTo?: string;
  /** Print "Downloading data from ..." and a progress bar (default true). */
  verbose?: boolean;
}

export async function sha256(path: string): Promise<string> {
  const hash = nodeBuiltin('node:crypto', 'checking a download').createHash('sha256');
  for await (const chunk of fs().createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function explainNetwork(e: unknown, url: string, path: string): Error {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  const why = code === 'ECONNREFUSED' ? 'the connection was refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name could not be resolved'
    : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'the connection timed out'
    : cause?.message ?? (e as Error).message;
  return new Error(`cannot download ${url}: ${why}. Are you offline? Connect to the network, or put the file at ${path} yourself (it is then used without a download)`);
}

/** Downloads url to path (through path.part), showing a bar of bytes; returns the SHA-256. */
async function download(url: string, path: string, verbose: boolean): Promise<void> {
  if (verbose) console.log(`Downloading data from ${url}`);
  let response: Response;
  try { response = await fetch(url); } catch (e) { throw explainNetwork(e, url, path); }
  if (!response.ok || !response.body) throw new Error(`cannot download ${url}: the server answered ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length')) || null;
  const part = `${path}.part`;
  const { createWriteStream, rmSync } = fs();
  const out = createWriteStream(part);
  const failed = new Promise<never>((_, reject) => out.on('error', reject));
  failed.catch(() => {});
  const bar = verbose ? new Progbar(total) : null;
  let received = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try { chunk = await reader.read(); } catch (e) { throw explainNetwork(e, url, path); }
      if (chunk.done) break;
      received += chunk.value.length;
      if (!out.write(chunk.value)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
      bar?.update(received, {});
    }
    await Promise.race([new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r()))), failed]);
    bar?.finish({});
    if (total !== null && received !== total) throw new Error(`cannot download ${url}: the connection closed after ${received} of ${total} bytes`);
  } catch (e) {
    out.destroy();
    rmSync(part, { force: true });
    if ((e as { code?: string }).code === 'ENOSPC') {
      throw new Error(`no space left on the device while writing ${part} (${total ?? received} bytes needed); free some space, or set DEEPTYPE_HOME to a folder on a larger disk`);
    }
    throw e;
  }
}

/** Keras's keras.utils.get_file: the cached (and checked, and extracted) file's path. */
export async function getFile(fname: string, origin: string, options: GetFileOptions = {}): Promise<string> {
  const { fileHash, cacheSubdir = '', cacheDir = cacheRoot(), extractTo, verbose = true } = options;
  const folder = join(cacheDir, cacheSubdir);
  const path = join(folder, fname);
  const { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } = fs();
  try { mkdirSync(folder, { recursive: true }); } catch (e) { throw new Error(`cannot create the dataset cache ${folder} (${(e as Error).message}); set DEEPTYPE_HOME to a writable folder`); }
  let fresh = false;
  if (existsSync(path) && fileHash && (await sha256(path)) !== fileHash.toLowerCase()) {
    if (verbose) console.warn(`${path} was found, but its sha256 does not match the expected ${fileHash}: it is incomplete or outdated, so it is downloaded again`);
    rmSync(path, { force: true });
  }
  if (!existsSync(path)) {
    await download(origin, path, verbose);
    const part = `${path}.part`;
    if (fileHash) {
      const got = await sha256(part);
      if (got !== fileHash.toLowerCase()) {
        rmSync(part, { force: true });
        throw new Error(`the file downloaded from ${origin} is corrupted or not the expected one: its sha256 is ${got}, expected ${fileHash}. It was removed; try again (or check the mirror)`);
      }
    }
    renameSync(part, path);
    fresh = true;
  }
  if (!extractTo) return path;
  const target = join(folder, extractTo);
  const done = join(target, '.extracted');
  if (fresh || !existsSync(done)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    const tar = requireOptional<typeof import('tar')>('tar', 'extracting a dataset archive');
    try { await tar.x({ file: path, cwd: target, strict: true }); } catch (e) {
      rmSync(target, { recursive: true, force: true });
      throw new Error(`cannot extract ${path} (${(e as Error).message}); delete it to download it again`);
    }
    writeFileSync(done, new Date().toISOString());
  }
  return target;
}
