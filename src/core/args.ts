/**
 * Argument checks shared by every backend, so a backend never sees unchecked input.
 *
 * @module
 */

import { invalidInput, StateError } from "./errors.ts";
import { MAX_DEPTH, toJsonText } from "./json_value.ts";
import { pathSegments, pointerOf } from "./state_path.ts";
import { keyText } from "./state_key.ts";
import { checkTtl } from "./ttl.ts";

/**
 * Checks a value about to be written at `segments` and returns its JSON text: it must be
 * JSON, and the document it makes must not nest deeper than {@linkcode MAX_DEPTH}.
 * Backends store (or splice in) this text, never the caller's object itself.
 */
export function checkWrite(
  segments: readonly string[],
  value: unknown,
): string {
  if (segments.length > MAX_DEPTH) {
    throw invalidInput(
      `Cannot write at ${JSON.stringify(pointerOf(segments).slice(0, 80))}: the path is ` +
        `${segments.length} levels deep, more than the limit of ${MAX_DEPTH}`,
    );
  }
  return toJsonText(value, segments, MAX_DEPTH - segments.length);
}

/** The checked arguments of a `setJson`, apart from its namespace. */
export interface WriteArgs {
  /** The state key. */
  key: string;
  /** The path's tokens; empty for the whole document. */
  segments: readonly string[];
  /** The TTL in seconds; `null` keeps the current one, `0` removes it. */
  ttl: number | null;
  /** The value's JSON text: what backends store or splice in. */
  text: string;
}

/**
 * Checks the key, path, TTL and value of a `setJson`, in that order, so every backend
 * refuses the same input with the same error before it touches any data.
 */
export function writeArgs(
  key: unknown,
  path: unknown,
  value: unknown,
  ttlSecs: unknown,
): WriteArgs {
  const name = keyText(key);
  const segments = pathSegments(path);
  const ttl = checkTtl(ttlSecs);
  return { key: name, segments, ttl, text: checkWrite(segments, value) };
}

/** The error of a call on a closed store. */
export function closedError(store: string): StateError {
  return new StateError(
    "unavailable",
    `The ${store} is closed; create a new store to keep working`,
  );
}
