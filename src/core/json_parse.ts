/**
 * `JSON.parse` with a guard against a V8 bug that renames object members.
 *
 * V8 15.0 (Deno 2.9) reuses an object shape for a member name with an escape sequence
 * when the shape it extends already has a member whose name holds a backslash: after
 * `JSON.parse('{"a":1,"\\\\":2}')`, `JSON.parse('{"a":1,"\\"":2}')` returns the member
 * `"\\"` instead of `"\""` (likewise for `\n`, `\t`, `\u0022`, ...). A stored document would
 * come back with renamed members. Node.js 20 is not affected.
 *
 * So a text in which a member name holds an escape sequence is parsed here, by hand:
 * member names and strings by `JSON.parse` of the string literal alone (not affected) and
 * containers built by plain property writes. Texts without such a name, nearly all of
 * them, take `JSON.parse` alone.
 *
 * @module
 */

import type { JsonValue } from "./json_value.ts";

/**
 * Parses JSON text like `JSON.parse` (the same values, errors and `__proto__` handling),
 * immune to the V8 bug described in this module.
 *
 * @param text JSON text.
 * @returns The value.
 * @throws {SyntaxError} If `text` is not JSON.
 */
export function parseJson(text: string): JsonValue {
  const value = JSON.parse(text) as JsonValue; // also the syntax check for the slow path
  return hasEscapedName(text) ? parseByHand(text) : value;
}

/**
 * Whether a member name in `text` (valid JSON) holds an escape sequence. One pass from
 * string to string by `indexOf`: linear, however many escapes the text has.
 */
function hasEscapedName(text: string): boolean {
  let backslash = text.indexOf("\\");
  let start = backslash === -1 ? -1 : text.indexOf('"');
  while (start !== -1 && backslash !== -1) {
    let end = start;
    for (;;) { // the closing quote: one not escaped by an odd run of backslashes
      end = text.indexOf('"', end + 1);
      if (end === -1) return false;
      let b = end - 1;
      while (text.charCodeAt(b) === 0x5c) b--;
      if ((end - 1 - b) % 2 === 0) break;
    }
    if (backslash < end) {
      let k = end + 1;
      for (let c = text.charCodeAt(k); c === 32 || c === 10 || c === 13 || c === 9;) {
        c = text.charCodeAt(++k);
      }
      if (text.charCodeAt(k) === 0x3a /* : */) return true;
      backslash = text.indexOf("\\", end + 1);
    }
    start = text.indexOf('"', end + 1);
  }
  return false;
}

interface Frame {
  container: JsonValue[] | { [key: string]: JsonValue };
  key: string;
}

/** Parses valid JSON text without `JSON.parse` building any object. Iterative: no depth limit. */
function parseByHand(text: string): JsonValue {
  let i = 0;
  const stack: Frame[] = [];
  const space = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9;) {
      c = text.charCodeAt(++i);
    }
  };
  const string = (): string => {
    const start = i;
    for (i++;; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x22) break;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const memberName = (): string => {
    space();
    const name = string();
    space();
    i++; // ":"
    return name;
  };
  for (;;) {
    space();
    let value: JsonValue;
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      i++;
      space();
      const close = c === 0x7b ? 0x7d : 0x5d;
      const container = c === 0x7b ? {} : [];
      if (text.charCodeAt(i) !== close) {
        stack.push({ container, key: c === 0x7b ? memberName() : "" });
        continue;
      }
      i++;
      value = container;
    } else if (c === 0x22) {
      value = string();
    } else {
      const start = i;
      for (let d = c; !(d !== d || d === 0x2c || d === 0x7d || d === 0x5d || d <= 32);) {
        d = text.charCodeAt(++i);
      }
      value = JSON.parse(text.slice(start, i)) as JsonValue; // a number, true, false or null
    }
    // Attach the value, closing every container it completes.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return value;
      const { container } = top;
      if (Array.isArray(container)) container.push(value);
      else if (top.key === "__proto__") {
        Object.defineProperty(container, top.key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else container[top.key] = value;
      space();
      if (text.charCodeAt(i++) === 0x2c /* , */) {
        if (!Array.isArray(container)) top.key = memberName();
        break;
      }
      stack.pop();
      value = container;
    }
  }
}
