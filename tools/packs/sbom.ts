/**
 * `sbom.cbor`: the list of every file of a pack with its size, BLAKE3 and media type.
 *
 * @module
 */
import { decodeCbor, encodeCanonical } from "./cbor.ts";
import { blake3Hex } from "./hash.ts";

/** The `format` value of a Greentic SBOM. */
export const SBOM_FORMAT = "greentic-sbom-v1";

/** One file of the SBOM. */
export interface SbomFile {
  path: string;
  size: number;
  hash_blake3: string;
  media_type: string;
}

/** The decoded SBOM. */
export interface Sbom {
  format: string;
  files: SbomFile[];
}

/**
 * Media type of a pack file: `application/cbor` for manifests and describe files,
 * `application/wasm` for components, `application/octet-stream` otherwise.
 *
 * @param path In-pack path.
 * @returns The media type.
 */
export function mediaTypeFor(path: string): string {
  if (path.endsWith(".wasm")) return "application/wasm";
  if (
    path === "manifest.cbor" || path.endsWith(".manifest.cbor") || path.endsWith(".describe.cbor")
  ) {
    return "application/cbor";
  }
  return "application/octet-stream";
}

/** Whether a path is exempt from SBOM coverage (`sbom.*`, `signatures/*`). */
export function isSbomExempt(path: string): boolean {
  return path.startsWith("sbom.") || path.startsWith("signatures/");
}

/**
 * Builds the canonical CBOR SBOM of the given files, in the given order.
 *
 * @param files In-pack path and content of every covered file.
 * @returns The `sbom.cbor` bytes.
 */
export function buildSbom(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const sbom: Sbom = {
    format: SBOM_FORMAT,
    files: files.map(({ name, data }) => ({
      path: name,
      size: data.length,
      hash_blake3: blake3Hex(data),
      media_type: mediaTypeFor(name),
    })),
  };
  return encodeCanonical(sbom);
}

/**
 * Checks an SBOM against the files of a pack, as a pack reader does: every listed file
 * exists with that size, BLAKE3 and media type; every file except `sbom.*` and
 * `signatures/*` is listed, once.
 *
 * @param sbomBytes The `sbom.cbor` bytes.
 * @param files Files of the pack by path.
 * @returns Problems found, empty when the SBOM is right.
 */
export function checkSbom(sbomBytes: Uint8Array, files: ReadonlyMap<string, Uint8Array>): string[] {
  let sbom: unknown;
  try {
    sbom = decodeCbor(sbomBytes);
  } catch (e) {
    return [`sbom.cbor is not valid CBOR: ${(e as Error).message}`];
  }
  if (
    typeof sbom !== "object" || sbom === null || (sbom as Sbom).format !== SBOM_FORMAT ||
    !Array.isArray((sbom as Sbom).files)
  ) {
    return [`sbom.cbor must be {format: "${SBOM_FORMAT}", files: [...]}`];
  }
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of (sbom as Sbom).files) {
    if (typeof f?.path !== "string") {
      problems.push("sbom.cbor lists a file without a path");
      continue;
    }
    if (listed.has(f.path)) problems.push(`sbom.cbor lists "${f.path}" twice`);
    listed.add(f.path);
    const data = files.get(f.path);
    if (data === undefined) {
      problems.push(`sbom.cbor lists "${f.path}", which is not in the pack`);
      continue;
    }
    if (f.size !== data.length) {
      problems.push(`"${f.path}" has ${data.length} bytes but sbom.cbor says ${f.size}`);
    }
    const hash = blake3Hex(data);
    if (f.hash_blake3 !== hash) {
      problems.push(`"${f.path}" has BLAKE3 ${hash} but sbom.cbor says ${f.hash_blake3}`);
    }
    if (f.media_type !== mediaTypeFor(f.path)) {
      problems.push(
        `"${f.path}" has media type "${f.media_type}" in sbom.cbor, expected "${
          mediaTypeFor(f.path)
        }"`,
      );
    }
  }
  for (const path of files.keys()) {
    if (!isSbomExempt(path) && !listed.has(path)) {
      problems.push(`"${path}" is in the pack but not listed in sbom.cbor`);
    }
  }
  return problems;
}
