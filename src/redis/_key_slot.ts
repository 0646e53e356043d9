/**
 * Redis Cluster hash slots, computed locally: which of the 16384 slots a key lives in, and
 * whether every key of a namespace shares one slot.
 *
 * Written by hand (CRC16/XMODEM and the hash-tag rule of Redis's `keyHashSlot`) because
 * the only well-kept implementation that follows Redis on empty tags (`{}`) is internal
 * to ioredis, and the `cluster-key-slot` package hashes `a{}b{c}` as `c` where Redis
 * hashes the whole key. Tests compare it with `CLUSTER KEYSLOT` on a real cluster.
 *
 * @module
 */

/** The number of hash slots of a Redis Cluster. */
export const SLOT_COUNT = 16384;

const TABLE = /* @__PURE__ */ (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[i] = crc;
  }
  return table;
})();

const encoder = new TextEncoder();

/** CRC16/XMODEM of the UTF-8 bytes of `text`, modulo the slot count. */
function slotOfText(text: string): number {
  let crc = 0;
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (let i = 0; i < text.length; i++) {
      crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ text.charCodeAt(i)) & 0xff]!;
    }
  } else {
    for (const byte of encoder.encode(text)) {
      crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
    }
  }
  return crc & (SLOT_COUNT - 1);
}

/**
 * The hash slot of `key`, as Redis computes it: when the key has a `{` followed later by
 * a `}` with at least one character between them, only the text between the first `{`
 * and the first `}` after it is hashed; otherwise the whole key is. (`{` and `}` are
 * ASCII, so searching UTF-16 text finds the same bytes as searching its UTF-8.)
 */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return slotOfText(key.slice(open + 1, close));
  }
  return slotOfText(key);
}

/**
 * The slot shared by every key that starts with `start` (a namespace), or `null` when the
 * keys spread over slots: `start` must itself hold a complete, non-empty hash tag, since
 * a tag left open, or none, lets the rest of each key decide.
 */
export function sharedSlot(start: string): number | null {
  const open = start.indexOf("{");
  if (open === -1) return null;
  const close = start.indexOf("}", open + 1);
  if (close === -1 || close === open + 1) return null;
  return slotOfText(start.slice(open + 1, close));
}
