import assert from "node:assert/strict";
import fc from "fast-check";
import { type JsonValue, StateError, StatePath } from "../mod.ts";
import { arrayIndex, readAt, writeAt } from "../src/core/pointer.ts";

Deno.test("pointer: parse and print round-trip", () => {
  fc.assert(
    fc.property(fc.array(fc.string()), (segments) => {
      const path = StatePath.fromSegments(segments);
      assert.deepEqual(StatePath.fromPointer(path.toPointer()).segments, segments);
    }),
  );
  assert.equal(StatePath.fromPointer("/a~1b/~0/~01").toPointer(), "/a~1b/~0/~01");
  assert.deepEqual(StatePath.fromPointer("/~01").segments, ["~1"]);
  assert.deepEqual(StatePath.fromPointer("/~10").segments, ["/0"]);
  assert.equal(StatePath.fromPointer("").isRoot, true);
  assert.throws(() => StatePath.fromSegments([1 as unknown as string]), StateError);
  assert.throws(() => StatePath.fromSegments([["__proto__"]] as unknown as string[]), StateError);
});

Deno.test("pointer: syntax errors", () => {
  for (const bad of ["foo", "/~2", "/~", "/a~b", "a", "#/a", "/~~"]) {
    assert.throws(
      () => StatePath.fromPointer(bad),
      (e: unknown) => e instanceof StateError && e.code === "invalid_input",
      bad,
    );
  }
});

Deno.test("pointer: array indexes are canonical", () => {
  assert.equal(arrayIndex("0"), 0);
  assert.equal(arrayIndex("10"), 10);
  for (
    const bad of [
      "01",
      "-1",
      "+1",
      "1e0",
      " 1",
      "1 ",
      "",
      "-",
      "0x1",
      "1.0",
      "99999999999999999999",
    ]
  ) {
    assert.equal(arrayIndex(bad), -1, bad);
  }
});

Deno.test("pointer: a write lands where a read finds it, a failed one changes nothing", () => {
  const token = fc.constantFrom("a", "0", "1", "-", "x", "5");
  fc.assert(
    fc.property(
      fc.jsonValue({ maxDepth: 3 }),
      fc.array(token, { maxLength: 4 }),
      (doc, segments) => {
        const before = JSON.stringify(doc);
        const copy = JSON.parse(before) as JsonValue;
        let out: JsonValue;
        try {
          out = writeAt(copy, segments, "new");
        } catch (error) {
          assert.ok(error instanceof StateError && error.code === "invalid_input");
          assert.equal(JSON.stringify(copy), before);
          return;
        }
        if (!segments.includes("-")) assert.equal(readAt(out, segments), "new");
      },
    ),
    { numRuns: 2000 },
  );
});
