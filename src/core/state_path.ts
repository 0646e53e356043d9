/**
 * JSON Pointer paths (RFC 6901) into a stored document.
 *
 * @module
 */

import { invalidInput, quote } from "./errors.ts";
import { describeType } from "./ids.ts";

const BAD_ESCAPE = /~(?![01])/;

let segmentsOfPath: (path: object) => readonly string[] | undefined;

/**
 * A parsed JSON Pointer (RFC 6901): the path to a part of a JSON document.
 *
 * `""` is the whole document and `/` the member named by the empty string; `~1` stands
 * for `/` and `~0` for `~` in a token.
 *
 * @example Parse and print a pointer
 * ```ts
 * import { StatePath } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const path = StatePath.fromPointer("/nodes/a~1b/0");
 * assert.deepEqual(path.segments, ["nodes", "a/b", "0"]);
 * assert.equal(path.toPointer(), "/nodes/a~1b/0");
 * assert.equal(StatePath.root().toPointer(), "");
 * ```
 */
export class StatePath {
  /** The checked tokens: what reads and writes use, whatever `segments` is made to say. */
  #segments: readonly string[];

  static {
    segmentsOfPath = (path) => #segments in path ? path.#segments : undefined;
  }

  static #root = new StatePath([]);

  /** The unescaped reference tokens, outermost first; empty for the root. */
  readonly segments: readonly string[];

  private constructor(segments: string[]) {
    // Reachable from plain JavaScript despite `private`: check the tokens again.
    for (const segment of segments) {
      if (typeof segment !== "string") {
        throw invalidInput(
          `Invalid path segment: expected a string, got ${describeType(segment)}`,
        );
      }
    }
    this.segments = this.#segments = Object.freeze(segments);
    Object.freeze(this);
  }

  /** The path of the whole document (pointer `""`). */
  static root(): StatePath {
    return StatePath.#root;
  }

  /**
   * Parses a JSON Pointer.
   *
   * @param pointer `""` or a string starting with `/`.
   * @returns The parsed path.
   * @throws {StateError} `invalid_input` for a pointer that breaks RFC 6901 syntax
   *   (no leading `/`, or `~` not followed by `0` or `1`).
   */
  static fromPointer(pointer: string): StatePath {
    if (typeof pointer !== "string") {
      throw invalidInput(`Cannot parse pointer: expected a string, got ${describeType(pointer)}`);
    }
    if (pointer === "") return StatePath.#root;
    if (pointer.charCodeAt(0) !== 47 /* "/" */) {
      throw invalidInput(
        `Cannot parse pointer ${quote(pointer)}: a non-empty pointer starts with "/"`,
      );
    }
    const tokens = pointer.slice(1).split("/");
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.indexOf("~") !== -1) {
        if (BAD_ESCAPE.test(token)) {
          throw invalidInput(
            `Cannot parse pointer ${quote(pointer)}: "~" must be followed by "0" or "1"`,
          );
        }
        tokens[i] = token.replaceAll("~1", "/").replaceAll("~0", "~");
      }
    }
    return new StatePath(tokens);
  }

  /**
   * Makes a path from unescaped tokens.
   *
   * @param segments Member names or array indexes, as strings.
   * @returns The path.
   * @throws {StateError} `invalid_input` if a segment is not a string.
   */
  static fromSegments(segments: readonly string[]): StatePath {
    if (!Array.isArray(segments)) {
      throw invalidInput(`Invalid path segments: expected an array, got ${describeType(segments)}`);
    }
    return segments.length === 0 ? StatePath.#root : new StatePath([...segments]);
  }

  /** Whether this is the root path. */
  get isRoot(): boolean {
    return this.segments.length === 0;
  }

  /** Returns the path as a JSON Pointer string. */
  toPointer(): string {
    return pointerOf(this.segments);
  }

  /** Same as {@linkcode StatePath.toPointer}. */
  toString(): string {
    return this.toPointer();
  }
}

/** Escapes tokens into a JSON Pointer string. */
export function pointerOf(segments: readonly string[]): string {
  let out = "";
  for (const segment of segments) {
    out += "/" + segment.replaceAll("~", "~0").replaceAll("/", "~1");
  }
  return out;
}

const NO_SEGMENTS: readonly string[] = Object.freeze([]);

/**
 * Returns the tokens of a `StatePath | string | null | undefined` argument;
 * a string is parsed as a pointer, `null` and `undefined` mean the root.
 */
export function pathSegments(path: unknown): readonly string[] {
  if (path === null || path === undefined || path === "") return NO_SEGMENTS;
  if (typeof path === "string") return StatePath.fromPointer(path).segments;
  const segments = typeof path === "object" ? segmentsOfPath(path) : undefined;
  if (segments !== undefined) return segments;
  throw invalidInput(
    `Invalid path: expected a StatePath, a JSON Pointer string or null, got ${describeType(path)}`,
  );
}
