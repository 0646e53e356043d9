/**
 * Reading and writing a JSON document at a JSON Pointer path, on own members only.
 *
 * Written here rather than taken from a library: the store needs exact rules that no
 * JSON Pointer package has together (own members only, no padding of arrays, creation of
 * missing containers, `__proto__` as data, errors that leave the document untouched).
 *
 * @module
 */

import { invalidInput, quote } from "./errors.ts";
import type { JsonValue } from "./json_value.ts";
import { pointerOf } from "./state_path.ts";

type JsonObject = { [key: string]: JsonValue };

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/** Returns the array index named by `token`, or -1 if it is not a canonical index. */
export function arrayIndex(token: string): number {
  if (!INDEX.test(token)) return -1;
  const index = Number(token);
  return Number.isSafeInteger(index) ? index : -1;
}

/**
 * Returns the part of `doc` at `segments`, or `undefined` when the path does not
 * resolve: a missing member, an array token that is not a canonical index below the
 * length (`-` included), or a step into a primitive.
 */
export function readAt(doc: JsonValue, segments: readonly string[]): JsonValue | undefined {
  let current: JsonValue = doc;
  for (let i = 0; i < segments.length; i++) {
    const token = segments[i]!;
    if (Array.isArray(current)) {
      const index = arrayIndex(token);
      if (index < 0 || index >= current.length) return undefined;
      current = current[index]!;
    } else if (current !== null && typeof current === "object") {
      if (!Object.hasOwn(current, token)) return undefined;
      current = current[token]!;
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Writes `value` at `segments` into `doc` and returns the new document. `doc` is changed
 * in place, so pass a copy you own; on error `doc` is left as it was.
 *
 * Missing or null containers on the way are created (an array when the token indexing
 * into it is `0` or `-`, else an object). In an array, `-` or the length appends and an
 * index below the length replaces; any other token is `invalid_input`, as is a write
 * through a string, number or boolean.
 */
export function writeAt(
  doc: JsonValue | undefined,
  segments: readonly string[],
  value: JsonValue,
): JsonValue {
  const last = segments.length - 1;
  if (last < 0) return value;
  // Check the whole walk before changing anything, so a failed write changes nothing.
  let current: JsonValue | undefined = doc;
  let depth = 0;
  for (; depth <= last; depth++) {
    if (current === undefined || current === null) break; // created from here on
    const token = segments[depth]!;
    if (Array.isArray(current)) {
      const index = token === "-" ? current.length : arrayIndex(token);
      if (index < 0 || index > current.length) throw badIndex(segments, depth, current.length);
      current = index < current.length ? current[index] : undefined;
    } else if (typeof current === "object") {
      current = Object.hasOwn(current, token) ? current[token] : undefined;
    } else {
      throw throughPrimitive(segments, depth, current);
    }
  }
  // All checked: apply.
  const root: JsonValue = doc === undefined || doc === null ? newContainer(segments[0]!) : doc;
  let container = root as JsonObject | JsonValue[];
  for (let i = 0; i < last; i++) {
    const token = segments[i]!;
    let child = getMember(container, token);
    if (child === undefined || child === null) {
      child = newContainer(segments[i + 1]!);
      setMember(container, token, child);
    }
    container = child as JsonObject | JsonValue[];
  }
  setMember(container, segments[last]!, value);
  return root;
}

function newContainer(token: string): JsonObject | JsonValue[] {
  return token === "0" || token === "-" ? [] : {};
}

function getMember(container: JsonObject | JsonValue[], token: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const index = token === "-" ? container.length : arrayIndex(token);
    return container[index];
  }
  return Object.hasOwn(container, token) ? container[token] : undefined;
}

function setMember(container: JsonObject | JsonValue[], token: string, value: JsonValue): void {
  if (Array.isArray(container)) {
    const index = token === "-" ? container.length : arrayIndex(token);
    container[index] = value;
  } else if (token === "__proto__") {
    // Plain assignment would change the prototype; define an own data member instead.
    Object.defineProperty(container, token, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    container[token] = value;
  }
}

function badIndex(segments: readonly string[], depth: number, length: number) {
  const token = segments[depth]!;
  return invalidInput(
    `Cannot write at ${quote(pointerOf(segments))}: token ${quote(token)} at ` +
      `${quote(pointerOf(segments.slice(0, depth)))} is not an index of the array of length ` +
      `${length}; use an index below ${length} to replace, or ${length} or "-" to append`,
  );
}

function throughPrimitive(segments: readonly string[], depth: number, value: JsonValue) {
  return invalidInput(
    `Cannot write at ${quote(pointerOf(segments))}: the value at ` +
      `${quote(pointerOf(segments.slice(0, depth)))} is a ${typeof value}, not an object or array`,
  );
}
