// fflate's unzipSync does not check the CRC-32 that a zip stores for each entry, and a .keras
// file stores its weights uncompressed: a flipped bit there would load as a different weight.
// So the entries are checked against the central directory's CRC-32s here.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 (as zip and PNG use it) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The CRC-32 the central directory records for each entry (unzipSync read the same directory). */
function recordedCrcs(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  const out = new Map<string, number>();
  if (end < 0) return out;
  let at = view.getUint32(end + 16, true);
  for (let i = 0, n = view.getUint16(end + 10, true); i < n && at + 46 <= zip.length && view.getUint32(at, true) === 0x02014b50; i++) {
    const nameLength = view.getUint16(at + 28, true), extra = view.getUint16(at + 30, true), comment = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    out.set(name, view.getUint32(at + 16, true));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

/** Throws, naming the file (`where`) and the entry, when an entry's contents do not match its CRC-32. */
export function checkZipCrcs(zip: Uint8Array, files: Record<string, Uint8Array>, where: string): void {
  const crcs = recordedCrcs(zip);
  for (const [name, data] of Object.entries(files)) {
    const recorded = crcs.get(name);
    if (recorded === undefined) throw new Error(`${where}: the .keras zip's directory does not list ${name}: the file is damaged`);
    if (crc32(data) !== recorded) throw new Error(`${where}: ${name} inside the .keras zip does not match its CRC-32: the file is damaged (a changed or truncated copy)`);
  }
}
