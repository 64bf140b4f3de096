// Checksums deeptype writes into model.json (a "deeptype" field that TensorFlow.js ignores):
// the SHA-256 of each weights file and of model.json's own text without that field. A bit
// flip or a truncation anywhere is then refused at load instead of loading wrong values.
// Files without the field (from TensorFlow.js, or edited by hand with the field deleted) load
// unchecked, as TensorFlow.js would load them.
import { createHash } from 'node:crypto';

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

interface Checksums { sha256?: Record<string, unknown> }

/** model.json's text with the checksums of itself and of the given weights files added last. */
export function withChecksums(json: Record<string, unknown>, files: Record<string, Uint8Array>): string {
  const text = JSON.stringify(json);
  const sums = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)]));
  return JSON.stringify({ ...json, deeptype: { sha256: { 'model.json': sha256(text), ...sums } } });
}

/** Checks model.json's own checksum (when it has one) and returns the weights files'. */
export function verifyModelJson(json: Record<string, unknown>, where: string): Record<string, unknown> | undefined {
  if (!('deeptype' in json)) return undefined;
  const { deeptype, ...rest } = json;
  const sums = (deeptype as Checksums | null)?.sha256;
  if (typeof sums !== 'object' || sums === null || typeof sums['model.json'] !== 'string') {
    throw new Error(`${where}: its "deeptype" field is damaged (no checksums in it); if you edited the file on purpose, delete that field to load it unchecked`);
  }
  if (sha256(JSON.stringify(rest)) !== sums['model.json']) {
    throw new Error(`${where}: the file does not match the checksum deeptype saved in it: it was changed or damaged after saving. ` +
      'If you edited it on purpose, delete its "deeptype" field to load it unchecked.');
  }
  return sums;
}

export function verifyWeightsFile(sums: Record<string, unknown> | undefined, path: string, bytes: Uint8Array, file: string): void {
  if (!sums) return;
  const expected = sums[path];
  if (typeof expected !== 'string') throw new Error(`weights file ${file}: model.json has no checksum for it although it has them for its other files`);
  if (sha256(bytes) !== expected) {
    throw new Error(`weights file ${file} does not match its checksum in model.json (${bytes.length} bytes): it is damaged (truncated or changed); restore it from a copy`);
  }
}
