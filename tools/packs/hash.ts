/**
 * Hex digests used by `.gtpack` files and OCI: BLAKE3 for the SBOM, SHA-256 for
 * component manifests and registry digests.
 *
 * @module
 */
import { blake3 } from "@noble/hashes/blake3.js";
import { sha256 } from "@noble/hashes/sha2.js";

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * Computes the BLAKE3 (32-byte) digest of the bytes as lowercase hex.
 *
 * @param bytes The data to hash.
 * @returns 64 lowercase hex characters.
 */
export function blake3Hex(bytes: Uint8Array): string {
  return toHex(blake3(bytes));
}

/**
 * Computes the SHA-256 digest of the bytes as lowercase hex.
 *
 * @param bytes The data to hash.
 * @returns 64 lowercase hex characters.
 */
export function sha256Hex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}
