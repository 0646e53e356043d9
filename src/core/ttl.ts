/**
 * Time-to-live arguments.
 *
 * @module
 */

import { invalidInput } from "./errors.ts";
import { describeType } from "./ids.ts";

/** The largest TTL accepted, in seconds (2^32 - 1). */
export const MAX_TTL_SECS = 4294967295;

/**
 * Checks a `ttlSecs` argument: `null` or `undefined` (keep the existing TTL, none for a
 * new entry), `0` (remove the TTL) or a whole number of seconds up to 4294967295 (a new
 * deadline). Returns `null` for "keep", else the number of seconds.
 */
export function checkTtl(ttlSecs: unknown): number | null {
  if (ttlSecs === null || ttlSecs === undefined) return null;
  if (
    typeof ttlSecs !== "number" || !Number.isInteger(ttlSecs) || ttlSecs < 0 ||
    ttlSecs > MAX_TTL_SECS
  ) {
    const shown = typeof ttlSecs === "number" ? String(ttlSecs) : describeType(ttlSecs);
    throw invalidInput(
      `Invalid TTL (got ${shown}): use a whole number of seconds from 0 (no expiry) to ` +
        `${MAX_TTL_SECS}, or null to keep the current TTL`,
    );
  }
  return ttlSecs;
}

/** Whole seconds left until `deadline` at `now` (both epoch ms), rounded up. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.ceil((deadline - now) / 1000);
}
