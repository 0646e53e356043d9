import assert from "node:assert/strict";
import fc from "fast-check";
import { parseJson } from "../src/core/json_parse.ts";

Deno.test("parseJson: member names with escapes survive the V8 shape bug", () => {
  const escapes = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0022", "\\u005c"];
  for (const [n, a] of escapes.entries()) {
    for (const b of escapes) {
      if (a === b) continue;
      parseJson(`{"k${n}":1,"${a}":2}`);
      const got = parseJson(`{"k${n}":1,"${b}":2}`) as Record<string, number>;
      assert.deepEqual(Object.keys(got), [`k${n}`, JSON.parse(`"${b}"`)], `${a} then ${b}`);
    }
  }
  parseJson('{"a":1,"ab\\\\":2}');
  assert.deepEqual(Object.keys(parseJson('{"a":1,"ab\\"":2}') as object), ["a", 'ab"']);
});

Deno.test("parseJson: gives back what was serialized, for any JSON value", () => {
  // Compared as text with the value it came from: JSON.parse itself is what is suspect.
  const name = fc.string({ unit: fc.constantFrom("a", '"', "\\", "\n", "/", "é", "\u0000") });
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.jsonValue({ maxDepth: 1 }),
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(name, tie("node"), { maxKeys: 5 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      assert.equal(JSON.stringify(parseJson(text)), JSON.stringify(v));
    }),
    { numRuns: 3000 },
  );
  for (
    const text of [
      '{"__proto__":{"x":1},"a\\n":[1,2,{"b\\"":null}],"n":-1.5e3,"t":true,"f":false}',
      ' { "a\\t" : [ ] , "b" : { } , "c\\\\" : "x\\"y" } ',
      '[{"\\u00e9":1},{"\\u00e9":2}]',
      '{"k\\"":{"k\\"":{"k\\"":12345678901234567890}}}',
      '{"x\\\\":1,"x\\\\":2}',
    ]
  ) {
    const parsed = parseJson(text);
    assert.deepEqual(parsed, JSON.parse(text), text);
    assert.equal(JSON.stringify(parsed), JSON.stringify(JSON.parse(text)));
  }
  const proto = parseJson('{"a\\n":1,"__proto__":{"polluted":1}}') as Record<string, unknown>;
  assert.ok(Object.hasOwn(proto, "__proto__"));
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.throws(() => parseJson('{"a\\n":1,'), SyntaxError);
  const deep = "[".repeat(50_000) + '{"a\\n":1}' + "]".repeat(50_000);
  assert.equal((parseJson(deep) as unknown[]).length, 1);
});

Deno.test("parseJson: linear in the escapes of a text (no re-scan per escape)", () => {
  const text = JSON.stringify({ log: "line\n".repeat(400_000), quoted: '"'.repeat(100_000) });
  const started = performance.now();
  assert.equal((parseJson(text) as { log: string }).log.length, 2_000_000);
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `took ${ms.toFixed(0)} ms`); // a quadratic scan takes minutes here
});
