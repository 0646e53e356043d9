/**
 * State keys: the name of one JSON document within a namespace.
 *
 * @module
 */

import { invalidInput } from "./errors.ts";
import { describeType } from "./ids.ts";

let textOfKey: (key: object) => string | undefined;

/**
 * The key of one JSON document within a namespace. Any well-formed string is a key,
 * the empty string included; `/` and `:` have no special meaning in it.
 *
 * @example Make a key
 * ```ts
 * import { StateKey } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const key = new StateKey("node/state");
 * assert.equal(key.value, "node/state");
 * assert.equal(`${key}`, "node/state");
 * ```
 */
export class StateKey {
  /** The key as a string. */
  readonly value: string;
  /** The checked key: what storage uses, whatever `value` is made to say. */
  #value: string;

  static {
    textOfKey = (key) => #value in key ? key.#value : undefined;
  }

  /**
   * Makes a key.
   *
   * @param value Any string that is well-formed Unicode (no lone surrogates).
   * @throws {StateError} `invalid_input` if `value` is not such a string.
   */
  constructor(value: string) {
    this.value = this.#value = checkText("key", value);
    Object.freeze(this);
  }

  /** Returns the key as a string. */
  toString(): string {
    return this.value;
  }
}

/**
 * Checks that a key or prefix is a string of well-formed Unicode. Lone surrogates are
 * refused because UTF-8 (Redis, SQLite, files) would turn them into U+FFFD, so two
 * different keys would share one storage key.
 */
export function checkText(field: "key" | "prefix", value: unknown): string {
  if (typeof value !== "string") {
    throw invalidInput(`Invalid ${field}: expected a string, got ${describeType(value)}`);
  }
  if (!value.isWellFormed()) {
    throw invalidInput(
      `Invalid ${field}: it contains a lone UTF-16 surrogate, which has no UTF-8 encoding`,
    );
  }
  return value;
}

/** Returns the string of a `StateKey | string` argument, validated. */
export function keyText(key: unknown): string {
  if (typeof key === "string") return checkText("key", key);
  const text = typeof key === "object" && key !== null ? textOfKey(key) : undefined;
  if (text === undefined) {
    throw invalidInput(`Invalid key: expected a StateKey or a string, got ${describeType(key)}`);
  }
  return text;
}
