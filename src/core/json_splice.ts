/**
 * Path writes on JSON text: the new value is spliced into the stored text, so every part
 * of the document the write does not touch keeps its exact text.
 *
 * Written here because parsing and re-serializing loses data written by other programs:
 * `JSON.parse` rounds integers beyond 2^53 and long decimals (`12345678901234567890`,
 * `1.0000000000000001`), and JavaScript objects move integer-like member names first. No
 * library patches JSON text by pointer with the store's exact write rules, so this walks
 * only the containers on the path (skipping siblings without building them) and leaves the
 * rules themselves to `writeAt`: whenever the write is not a plain replace,
 * append or creation, the caller falls back to it for the error.
 *
 * @module
 */

import { StateError } from "./errors.ts";
import { arrayIndex } from "./pointer.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Returns `text` (a JSON document) with the value whose JSON text is `valueJson` written
 * at `segments`, following the rules of `writeAt` (see `pointer.ts`), or `undefined` when
 * those rules refuse the write (an index out of range, a step through a string, number or
 * boolean): call `writeAt` on the parsed document then, to get its error.
 *
 * Only the written part changes; members, elements, numbers, escapes and whitespace
 * elsewhere keep their exact text. A new member goes after the last one.
 *
 * @param text The stored document, valid JSON.
 * @param segments The path, at least one token.
 * @param valueJson The JSON text of the value to write, already checked.
 * @returns The new document text, or `undefined` if the write breaks a rule.
 * @throws {StateError} `internal` if `text` is not JSON.
 */
export function spliceAt(
  text: string,
  segments: readonly string[],
  valueJson: string,
): string | undefined {
  const last = segments.length - 1;
  let pos = skipSpace(text, 0);
  for (let depth = 0; depth <= last; depth++) {
    const token = segments[depth]!;
    const c = text.charCodeAt(pos);
    let found = -1;
    let foundEnd = -1;
    let insertAt = pos + 1;
    let empty = true;
    if (c === OPEN_OBJECT) {
      let i = skipSpace(text, pos + 1);
      if (text.charCodeAt(i) !== CLOSE_OBJECT) {
        for (;;) {
          if (text.charCodeAt(i) !== QUOTE) throw notJson(i);
          const nameEnd = skipString(text, i);
          const match = nameIs(text, i, nameEnd, token);
          i = skipSpace(text, nameEnd);
          if (text.charCodeAt(i) !== COLON) throw notJson(i);
          const start = skipSpace(text, i + 1);
          const end = skipValue(text, start);
          if (match) { // the last of duplicate names wins, as in JSON.parse
            found = start;
            foundEnd = end;
          }
          insertAt = end;
          empty = false;
          i = skipSpace(text, end);
          const next = text.charCodeAt(i);
          if (next === COMMA) i = skipSpace(text, i + 1);
          else if (next === CLOSE_OBJECT) break;
          else throw notJson(i);
        }
      }
      if (found < 0) {
        const member = JSON.stringify(token) + ":" + createdText(segments, depth + 1, valueJson);
        return text.slice(0, insertAt) + (empty ? "" : ",") + member + text.slice(insertAt);
      }
    } else if (c === OPEN_ARRAY) {
      const wanted = token === "-" ? Infinity : arrayIndex(token);
      if (wanted < 0) return undefined;
      let i = skipSpace(text, pos + 1);
      let length = 0;
      if (text.charCodeAt(i) !== CLOSE_ARRAY) {
        for (;;) {
          const end = skipValue(text, i);
          if (length === wanted) {
            found = i;
            foundEnd = end;
            break;
          }
          length++;
          insertAt = end;
          i = skipSpace(text, end);
          const next = text.charCodeAt(i);
          if (next === COMMA) i = skipSpace(text, i + 1);
          else if (next === CLOSE_ARRAY) break;
          else throw notJson(i);
        }
      }
      if (found < 0) {
        if (wanted !== Infinity && wanted !== length) return undefined;
        const element = createdText(segments, depth + 1, valueJson);
        return text.slice(0, insertAt) + (length === 0 ? "" : ",") + element +
          text.slice(insertAt);
      }
    } else if (c === 0x6e /* n */ && text.startsWith("null", pos)) {
      // A null container is replaced by the containers the path creates.
      const created = createdText(segments, depth, valueJson);
      return text.slice(0, pos) + created + text.slice(pos + 4);
    } else {
      return undefined; // a step through a string, number or boolean
    }
    if (depth === last) return text.slice(0, found) + valueJson + text.slice(foundEnd);
    pos = found;
  }
  return undefined; // not reached: the loop returns at depth `last`
}

/**
 * The text of the containers a write creates for `segments` from `from` on, around the
 * value: what `writeAt(undefined, segments.slice(from), value)` makes (an array for a
 * token `0` or `-`, else an object), built as text so the value is not parsed again.
 *
 * @param segments The path of the write.
 * @param from The first token whose container is missing.
 * @param valueJson The JSON text of the value.
 * @returns The JSON text.
 */
export function createdText(segments: readonly string[], from: number, valueJson: string): string {
  let text = valueJson;
  for (let i = segments.length - 1; i >= from; i--) {
    const token = segments[i]!;
    text = token === "0" || token === "-" ? `[${text}]` : `{${JSON.stringify(token)}:${text}}`;
  }
  return text;
}

/** Whether the member name whose quotes span `[start, end)` is `token`. */
function nameIs(text: string, start: number, end: number, token: string): boolean {
  const escaped = text.indexOf("\\", start + 1);
  if (escaped === -1 || escaped >= end) {
    return end - start - 2 === token.length && text.startsWith(token, start + 1);
  }
  return JSON.parse(text.slice(start, end)) === token;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Returns the index after the string that starts (with its quote) at `start`. */
function skipString(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) throw notJson(start);
    let b = quote - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((quote - 1 - b) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Returns the index after the value that starts at `start`. */
function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return skipString(text, start);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 1;
    let i = start + 1;
    while (depth > 0) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(text, i);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) depth--;
      else if (Number.isNaN(d)) throw notJson(i);
      i++;
    }
    return i;
  }
  let i = start;
  for (;;) {
    const d = text.charCodeAt(i);
    if (
      Number.isNaN(d) || d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || d === 0x20 ||
      d === 0x0a || d === 0x0d || d === 0x09
    ) break;
    i++;
  }
  if (i === start) throw notJson(start);
  return i;
}

function notJson(at: number): StateError {
  return new StateError(
    "internal",
    `Cannot write into the stored document: it is not valid JSON (at character ${at}); ` +
      `replace it with a whole-document write`,
  );
}
