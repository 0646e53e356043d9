import assert from "node:assert/strict";
import fc from "fast-check";
import { createdText, spliceAt } from "../src/core/json_splice.ts";
import { writeAt } from "../src/core/pointer.ts";
// Not JSON.parse: V8 15.0 renames members with escapes after it has seen a backslash name.
import { parseJson } from "../src/core/json_parse.ts";
import type { JsonValue } from "../mod.ts";
import { StateError } from "../mod.ts";

/** What `writeAt` makes of the parsed document, or the error code it throws. */
function expected(text: string, segments: string[], value: JsonValue): JsonValue | string {
  try {
    return writeAt(parseJson(text), segments, value);
  } catch (error) {
    assert.ok(error instanceof StateError);
    return error.code;
  }
}

const token = fc.oneof(
  fc.constantFrom("a", "b", "0", "1", "2", "-", "01", "", "__proto__", 'q"', "\\", "é"),
  fc.string({ maxLength: 3 }),
);

Deno.test("spliceAt agrees with writeAt on parsed documents", () => {
  fc.assert(
    fc.property(
      fc.jsonValue({ maxDepth: 3 }),
      fc.array(token, { minLength: 1, maxLength: 4 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.boolean(),
      (docValue, segments, rawValue, pretty) => {
        const value = JSON.parse(JSON.stringify(rawValue)) as JsonValue;
        const text = JSON.stringify(docValue, null, pretty ? 2 : undefined);
        const want = expected(text, segments, value);
        const got = spliceAt(text, segments, JSON.stringify(value));
        if (typeof want === "string" && want === "invalid_input") {
          assert.equal(got, undefined);
        } else {
          assert.notEqual(got, undefined, `${text} ${JSON.stringify(segments)}`);
          assert.deepEqual(parseJson(got!), want);
        }
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("spliceAt keeps untouched text exactly", () => {
  const text =
    '{ "big": 12345678901234567890, "dec": 1.0000000000000001, "b": {"z": 1, "10": [1, 2]},\n' +
    '  "esc": "\\u00e9\\"", "dup": 1, "dup": {"x": 1} }';
  const write = (pointer: string[], value: JsonValue) =>
    spliceAt(text, pointer, JSON.stringify(value));
  assert.equal(
    write(["b", "z"], 2),
    text.replace('"z": 1', '"z": 2'),
  );
  assert.equal(write(["b", "10", "-"], 3), text.replace("[1, 2]", "[1, 2,3]"));
  assert.equal(write(["b", "10", "0"], 0), text.replace("[1, 2]", "[0, 2]"));
  assert.equal(write(["dup", "y"], true), text.replace('{"x": 1}', '{"x": 1,"y":true}'));
  assert.equal(write(["new", "0"], "v"), text.replace(" }", ',"new":["v"] }'));
  assert.equal(write(["big", "x"], 1), undefined);
  assert.equal(write(["b", "10", "5"], 1), undefined);
  assert.throws(
    () => spliceAt('{"a": "unterminated', ["b"], "1"),
    (e: unknown) => e instanceof StateError && e.code === "internal",
  );
});

Deno.test("createdText builds what writeAt creates from nothing", () => {
  fc.assert(
    fc.property(fc.array(token, { minLength: 1, maxLength: 5 }), fc.jsonValue(), (segments, v) => {
      const value = JSON.parse(JSON.stringify(v)) as JsonValue;
      assert.deepEqual(
        JSON.parse(createdText(segments, 0, JSON.stringify(value))),
        writeAt(undefined, segments, value),
      );
    }),
  );
});
