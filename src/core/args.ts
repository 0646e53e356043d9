/**
 * Argument checks shared by every backend, so a backend never sees unchecked input.
 *
 * @module
 */

import { invalidInput, StateError } from "./errors.ts";
import { MAX_DEPTH, toJsonText } from "./json_value.ts";
import { pointerOf } from "./state_path.ts";

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

/** The error of a call on a closed store. */
export function closedError(store: string): StateError {
  return new StateError(
    "unavailable",
    `The ${store} is closed; create a new store to keep working`,
  );
}
