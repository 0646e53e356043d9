/**
 * The ZIP container of a `.gtpack`: a deterministic writer (fflate, STORED entries, fixed
 * timestamps, mode 0644) and a reader that exposes what a pack reader must check (every
 * central-directory record, including duplicates, methods and Unix modes).
 *
 * @module
 */
import { inflateSync, zipSync } from "fflate";

/** One file to write into an archive. */
export interface ZipInput {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** File content. */
  data: Uint8Array;
}

/** One central-directory record of an archive, with its content. */
export interface ZipEntry {
  /** Path inside the archive as stored. */
  name: string;
  /** Compression method (0 = STORED, 8 = DEFLATE). */
  method: number;
  /** Uncompressed size from the central directory. */
  size: number;
  /** Compressed size from the central directory. */
  compressedSize: number;
  /** Unix mode from the external attributes (0 when the archive was not made on Unix). */
  mode: number;
  /** Content after decompression (empty for directories). */
  data: Uint8Array;
  /** Whether the CRC-32 of `data` matches the recorded one. */
  crcOk: boolean;
}

/** Unix mode of every entry the writer creates: a regular file, rw-r--r--. */
export const FILE_MODE = 0o100644;

/**
 * Fixed modification time of every entry: 1980-01-01 00:00, the DOS epoch. fflate writes
 * the local-time fields of the Date, so it is built from local-time fields at each call
 * (the bytes then do not depend on the time zone).
 */
function fixedMtime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}

/**
 * Writes a ZIP archive whose entries are all STORED, in the given order, with a fixed
 * timestamp and mode 0644, so that the same inputs always give the same bytes.
 *
 * @param entries Files in the order they must appear.
 * @returns The archive bytes.
 * @throws Error when a name repeats (fflate keys entries by name).
 */
export function writeStoredZip(entries: readonly ZipInput[]): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const { name, data } of entries) {
    if (Object.hasOwn(files, name)) {
      throw new Error(`Cannot write ZIP entry "${name}": the name is already used`);
    }
    files[name] = [data, { level: 0 }];
  }
  return zipSync(files, { level: 0, mtime: fixedMtime(), os: 3, attrs: FILE_MODE << 16 });
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * Computes the CRC-32 (ZIP polynomial) of the bytes.
 *
 * @param data Bytes to checksum.
 * @returns The unsigned CRC-32.
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Reads every central-directory record of a ZIP archive (duplicates included, in
 * directory order) with its content.
 *
 * @param bytes The archive.
 * @returns The entries in central-directory order.
 * @throws Error when the archive is malformed (no end record, records out of bounds,
 *   unsupported compression, ZIP64).
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("Cannot read ZIP: no end-of-central-directory record found");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new Error("Cannot read ZIP: ZIP64 archives are not supported");
  }
  if (offset + cdSize > eocd) {
    throw new Error("Cannot read ZIP: the central directory lies outside the archive");
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > eocd || view.getUint32(offset, true) !== 0x02014b50) {
      throw new Error(`Cannot read ZIP: central-directory record ${i} is malformed`);
    }
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const method = view.getUint16(offset + 10, true);
    const crc = view.getUint32(offset + 16, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLen = view.getUint16(offset + 28, true);
    const extraLen = view.getUint16(offset + 30, true);
    const commentLen = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const localOffset = view.getUint32(offset + 42, true);
    const name = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLen));
    offset += 46 + nameLen + extraLen + commentLen;

    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== 0x04034b50) {
      throw new Error(`Cannot read ZIP entry "${name}": its local header is missing`);
    }
    const start = localOffset + 30 + view.getUint16(localOffset + 26, true) +
      view.getUint16(localOffset + 28, true);
    if (start + compressedSize > bytes.length) {
      throw new Error(`Cannot read ZIP entry "${name}": its data runs past the archive`);
    }
    const raw = bytes.subarray(start, start + compressedSize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateSync(raw);
    else throw new Error(`Cannot read ZIP entry "${name}": compression method ${method}`);
    entries.push({
      name,
      method,
      size,
      compressedSize,
      mode: madeBy === 3 ? external >>> 16 : 0,
      data,
      crcOk: data.length === size && crc32(data) === crc,
    });
  }
  return entries;
}
