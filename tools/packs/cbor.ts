/**
 * CBOR encodings used by `.gtpack` files: canonical (RFC 8949 core deterministic) and
 * insertion-ordered (for `manifest.cbor`, whose keys follow a documented order).
 *
 * @module
 */
import { decode, encode, rfc8949EncodeOptions } from "cborg";

/**
 * Encodes a value as canonical CBOR (RFC 8949 §4.2.1: shortest forms, map keys sorted by
 * their encoded bytes). The same value always gives the same bytes.
 *
 * @param value A JSON-like value (maps are plain objects; byte strings are Uint8Array).
 * @returns The canonical CBOR bytes.
 */
export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/**
 * Encodes a value as CBOR keeping the insertion order of object keys (shortest forms
 * otherwise). Used where a format fixes the key order, such as `manifest.cbor`.
 *
 * @param value A JSON-like value.
 * @returns The CBOR bytes.
 */
export function encodeOrdered(value: unknown): Uint8Array {
  return encode(value, { mapSorter: undefined as never });
}

/**
 * Decodes CBOR bytes into plain JavaScript values (maps become objects).
 *
 * @param bytes CBOR bytes.
 * @returns The decoded value.
 * @throws Error when the bytes are not one well-formed CBOR item.
 */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decode(bytes);
}
