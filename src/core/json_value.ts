/**
 * JSON values: the type, and the check that a value is JSON and nothing else.
 *
 * @module
 */

import { invalidInput, quote } from "./errors.ts";
import { describeType } from "./ids.ts";
import { pointerOf } from "./state_path.ts";

/**
 * A JSON value: null, a boolean, a finite number, a string, an array or a plain object
 * of JSON values.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * The deepest nesting of arrays and objects a stored document may have. A document
 * whose containers nest deeper is `invalid_input`.
 */
export const MAX_DEPTH = 512;

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

/**
 * Returns the JSON text of `value`, or throws `invalid_input` unless it is JSON: null,
 * booleans, finite numbers, strings, arrays (no holes, no subclasses) and plain objects,
 * nested at most `maxDepth` levels, without cycles or `toJSON` methods. The message names
 * the pointer (under `base`) of the offending part.
 *
 * Members keyed by symbols and non-enumerable members are not part of JSON and are left
 * out, as `JSON.stringify` does. The value is read twice (checked, then serialized), so
 * accessors and proxies must answer the same both times.
 *
 * @param value The value to check.
 * @param base The tokens of the path the value is written at, for messages.
 * @param maxDepth How many container levels the value may have.
 */
export function toJsonText(
  value: unknown,
  base: readonly string[] = [],
  maxDepth: number = MAX_DEPTH,
): string {
  let text: string | undefined;
  try {
    // A cycle fails the depth bound, so the fast check needs no ancestor list.
    if (isJson(value, maxDepth)) text = JSON.stringify(value);
  } catch {
    // A throwing accessor or proxy trap: explained below.
  }
  if (typeof text === "string") return text;
  throw invalidInput(explain(value, base, maxDepth));
}

/** Throws `invalid_input` unless `value` is JSON; see {@linkcode toJsonText}. */
export function assertJson(
  value: unknown,
  base: readonly string[] = [],
  maxDepth: number = MAX_DEPTH,
): asserts value is JsonValue {
  toJsonText(value, base, maxDepth);
}

/** The fast check: no paths kept, just a yes or no. */
function isJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth === 0) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== ARRAY_PROTO || "toJSON" in value) return false;
        for (let i = 0; i < value.length; i++) {
          if (!isJson(value[i], depth - 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto !== OBJECT_PROTO && proto !== null) || "toJSON" in value) return false;
      for (const key in value) {
        if (!isJson((value as Record<string, unknown>)[key], depth - 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The slow path: finds the first offending part and says what and where it is. */
function explain(value: unknown, base: readonly string[], maxDepth: number): string {
  const path = [...base];
  const stack: object[] = [];
  const where = () => `at ${quote(pointerOf(path))}`;
  const visit = (v: unknown, depth: number): string | null => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return null;
      case "number":
        return Number.isFinite(v) ? null : `${v} ${where()} is not a finite number`;
      case "undefined":
        return `undefined ${where()} is not JSON; use null or leave the member out`;
      case "object": {
        if (v === null) return null;
        if (stack.includes(v)) return `a circular reference ${where()} cannot be stored as JSON`;
        if (depth === 0) {
          return `the document nests deeper than ${MAX_DEPTH} levels ${where()}`;
        }
        const isArray = Array.isArray(v);
        const proto = Object.getPrototypeOf(v);
        if (isArray ? proto !== ARRAY_PROTO : proto !== OBJECT_PROTO && proto !== null) {
          return `${describeType(v)} ${where()} is not JSON; convert it to a plain object, ` +
            `array, string or number first`;
        }
        if ("toJSON" in v) {
          return `the ${isArray ? "array" : "object"} ${where()} has a toJSON member, so it ` +
            `would not be stored as it is; pass the plain data it stands for`;
        }
        stack.push(v);
        const keys = isArray ? Array.from((v as unknown[]).keys(), String) : Object.keys(v);
        for (const key of keys) {
          path.push(key);
          if (isArray && !(key in v)) {
            return `an array hole ${where()} is not JSON; fill it with null`;
          }
          const problem = visit((v as Record<string, unknown>)[key], depth - 1);
          if (problem !== null) return problem;
          path.pop();
        }
        stack.pop();
        return null;
      }
      default:
        return `${describeType(v)} ${where()} is not JSON`;
    }
  };
  let problem: string | null;
  try {
    problem = visit(value, maxDepth);
  } catch (error) {
    problem = `reading the value ${where()} threw: ${
      error instanceof Error ? error.message : String(error)
    }`;
  }
  return `Cannot store value: ${
    problem ?? "it changed while it was checked (an accessor or proxy?); pass plain data"
  }`;
}
