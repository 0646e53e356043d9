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

/**
 * Throws `invalid_input` unless `value` is JSON: null, booleans, finite numbers, strings,
 * arrays (no holes, no subclasses) and plain objects, nested at most `maxDepth` levels,
 * without cycles. The message names the pointer (under `base`) of the offending part.
 *
 * @param value The value to check.
 * @param base The tokens of the path the value is written at, for messages.
 * @param maxDepth How many container levels the value may have.
 */
export function assertJson(
  value: unknown,
  base: readonly string[] = [],
  maxDepth: number = MAX_DEPTH,
): asserts value is JsonValue {
  let ok: boolean;
  try {
    ok = isJson(value, maxDepth, []);
  } catch {
    ok = false; // a throwing getter or proxy trap: explained by `explain` below
  }
  if (!ok) throw invalidInput(explain(value, base, maxDepth));
}

/** The fast check: no paths kept, just a yes or no. */
function isJson(value: unknown, depth: number, ancestors: object[]): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth === 0 || ancestors.includes(value)) return false;
      ancestors.push(value);
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          if (!isJson(value[i], depth - 1, ancestors)) return false;
        }
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
        const keys = Object.keys(value);
        for (let i = 0; i < keys.length; i++) {
          if (!isJson((value as Record<string, unknown>)[keys[i]!], depth - 1, ancestors)) {
            return false;
          }
        }
      }
      ancestors.pop();
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
  const visit = (v: unknown, depth: number): string | null => {
    const where = () => `at ${quote(pointerOf(path))}`;
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
        if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
          return `${describeType(v)} ${where()} is not JSON; convert it to a plain object, ` +
            `array, string or number first`;
        }
        stack.push(v);
        if (isArray) {
          const array = v as unknown[];
          for (let i = 0; i < array.length; i++) {
            path.push(String(i));
            const problem = i in array
              ? visit(array[i], depth - 1)
              : `an array hole ${where()} is not JSON; fill it with null`;
            if (problem !== null) return problem;
            path.pop();
          }
        } else {
          for (const key of Object.keys(v)) {
            path.push(key);
            let member: unknown;
            try {
              member = (v as Record<string, unknown>)[key];
            } catch (error) {
              return `reading the member ${where()} threw: ${String(error)}`;
            }
            const problem = visit(member, depth - 1);
            if (problem !== null) return problem;
            path.pop();
          }
        }
        stack.pop();
        return null;
      }
      default:
        return `${describeType(v)} ${where()} is not JSON`;
    }
  };
  const problem = visit(value, maxDepth) ??
    "the value changed while it was checked (a getter or proxy?); pass plain data";
  return `Cannot store value: ${problem}`;
}
