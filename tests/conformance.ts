/**
 * The conformance suite every backend passes unchanged. A backend's test file calls
 * {@linkcode conformance} with a factory; each step gets a fresh store and a fresh,
 * random env id, so runs against a shared server never mix.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type JsonValue,
  MAX_DEPTH,
  StateError,
  type StateErrorCode,
  StateKey,
  StatePath,
  type StateStore,
  TenantCtx,
} from "../mod.ts";

/** What a backend's test file passes to the suite. */
export interface ConformanceOptions {
  /**
   * Opens a fresh store. `now` is the clock to use when the backend takes an injected
   * clock (see `injectedClock`).
   */
  open(options: { now: () => number }): StateStore | Promise<StateStore>;
  /** Whether the backend honours an injected clock (Redis keeps time in the server). */
  injectedClock: boolean;
  /** Runs of each property test; smaller for slow backends. @default 100 */
  propertyRuns?: number;
}

/** A controllable clock. */
export class FakeClock {
  /** Current time, epoch ms. */
  ms = Date.UTC(2026, 0, 1);
  /** The clock function to inject. */
  readonly now = (): number => this.ms;
  /** Moves time forward. */
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Makes a context under a new random env id. */
export function freshCtx(): TenantCtx {
  return new TenantCtx(`conf-${crypto.randomUUID().slice(0, 13)}`, "tenant-1");
}

/** Asserts that `promise` rejects with a `StateError` of `code`, returning it. */
export async function rejectsWith(
  promise: Promise<unknown> | (() => unknown),
  code: StateErrorCode,
  message?: RegExp,
): Promise<StateError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    assert.ok(error instanceof StateError, `expected a StateError, got ${error}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected a StateError ${code}, but the call succeeded`);
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out.sort();
}

/** A JSON value arbitrary without -0 (JSON turns it into 0). */
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) =>
  JSON.parse(JSON.stringify(v)) as JsonValue
);

const RFC_DOC = {
  foo: ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\j": 5,
  'k"l': 6,
  " ": 7,
  "m~n": 8,
};

/**
 * Runs the suite as steps of test `t`.
 *
 * @param t The test context.
 * @param options The store factory and the backend's capabilities.
 */
export async function conformance(t: Deno.TestContext, options: ConformanceOptions): Promise<void> {
  const runs = options.propertyRuns ?? 100;
  const step = (name: string, fn: (s: Fixture) => Promise<void>) =>
    t.step(name, async () => {
      const clock = new FakeClock();
      const store = await options.open({ now: clock.now });
      try {
        await fn({ store, clock, ctx: freshCtx() });
      } finally {
        await store.close();
      }
    });
  const clockStep = (name: string, fn: (s: Fixture) => Promise<void>) =>
    options.injectedClock ? step(name, fn) : t.step({ name, ignore: true, fn: () => {} });

  await step("whole documents round-trip, null is distinct from absent", async ({ store, ctx }) => {
    const values: JsonValue[] = [
      null,
      false,
      true,
      0,
      -1.5,
      1e300,
      "",
      "text ✓ \u0000 \ud83d\ude00",
      [],
      {},
      [1, "two", null, [3], { four: 4 }],
      { status: "ready", nested: { list: [1, 2, { deep: true }], empty: [] } },
    ];
    for (const [i, value] of values.entries()) {
      await store.setJson(ctx, "flow", `k${i}`, null, value, null);
      assert.deepEqual(await store.getJson(ctx, "flow", `k${i}`, null), value);
    }
    assert.equal(await store.getJson(ctx, "flow", "k0"), null);
    assert.equal(await store.getJson(ctx, "flow", "missing", null), undefined);
    assert.equal(await store.getJson(ctx, "flow", "missing", "/a"), undefined);
  });

  await step("member names with escapes come back as written", async ({ store, ctx }) => {
    // V8 15.0's JSON.parse renames such members after it has seen a name with a backslash.
    const names = ["\\", '"', "/", "\n", "\t", "\b", 'a"b', "a\\b", "é"];
    for (const [i, first] of names.entries()) {
      for (const second of names) {
        if (first === second) continue;
        await store.setJson(ctx, "esc", `k${i}`, null, { a: 1, [first]: 2 });
        assert.deepEqual(Object.keys((await store.getJson(ctx, "esc", `k${i}`)) as object), [
          "a",
          first,
        ]);
        await store.setJson(ctx, "esc", `k${i}`, null, { a: 1, [second]: {} });
        await store.setJson(
          ctx,
          "esc",
          `k${i}`,
          `/${second.replaceAll("~", "~0").replaceAll("/", "~1")}/x`,
          3,
        );
        assert.deepEqual(await store.getJson(ctx, "esc", `k${i}`), { a: 1, [second]: { x: 3 } });
      }
    }
  });

  await step("the example from the README works", async ({ store, ctx }) => {
    const key = new StateKey("node/state");
    await store.setJson(ctx, "flow/example", key, null, { status: "ready" }, 300);
    await store.setJson(
      ctx,
      "flow/example",
      key,
      StatePath.fromPointer("/status"),
      "running",
      null,
    );
    assert.deepEqual(await store.getJson(ctx, "flow/example", key, null), { status: "running" });
    assert.equal(await store.getJson(ctx, "flow/example", key, "/status"), "running");
    const ttl = await store.ttl(ctx, "flow/example", key);
    assert.ok(ttl === 300 || (!options.injectedClock && ttl === 299), `ttl ${ttl}`);
    assert.deepEqual(await collect(store.listKeys(ctx, "flow/example")), ["node/state"]);
    assert.equal(await store.del(ctx, "flow/example", key), true);
    assert.equal(await store.del(ctx, "flow/example", key), false);
    await store.setJson(ctx, "flow/example", "a", null, 1);
    await store.setJson(ctx, "flow/example", "b", null, 2);
    assert.equal(await store.delPrefix(ctx, "flow/example"), 2);
    assert.equal(await store.delPrefix(ctx, "flow/example"), 0);
  });

  await step("returned objects are ordinary and owned by the caller", async ({ store, ctx }) => {
    const input = { a: { b: [1, 2] } };
    await store.setJson(ctx, "p", "k", null, input);
    input.a.b.push(3);
    const out = (await store.getJson(ctx, "p", "k")) as { a: { b: number[] } };
    assert.deepEqual(out, { a: { b: [1, 2] } });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(Object.getPrototypeOf(out.a), Object.prototype);
    assert.ok(Array.isArray(out.a.b));
    out.a.b.push(99);
    const part = (await store.getJson(ctx, "p", "k", "/a")) as { b: number[] };
    part.b.length = 0;
    assert.deepEqual(await store.getJson(ctx, "p", "k"), { a: { b: [1, 2] } });
    const nested = { x: 1 };
    await store.setJson(ctx, "p", "k", "/a/c", nested);
    nested.x = 2;
    assert.deepEqual(await store.getJson(ctx, "p", "k", "/a/c"), { x: 1 });
  });

  await step("reads follow RFC 6901", async ({ store, ctx }) => {
    await store.setJson(ctx, "rfc", "doc", null, RFC_DOC);
    const vectors: [string, JsonValue][] = [
      ["", RFC_DOC],
      ["/foo", ["bar", "baz"]],
      ["/foo/0", "bar"],
      ["/", 0],
      ["/a~1b", 1],
      ["/c%d", 2],
      ["/e^f", 3],
      ["/g|h", 4],
      ["/i\\j", 5],
      ['/k"l', 6],
      ["/ ", 7],
      ["/m~0n", 8],
    ];
    for (const [pointer, expected] of vectors) {
      assert.deepEqual(await store.getJson(ctx, "rfc", "doc", pointer), expected, pointer);
      assert.deepEqual(
        await store.getJson(ctx, "rfc", "doc", StatePath.fromPointer(pointer)),
        expected,
        pointer,
      );
    }
  });

  await step("reads that do not resolve are undefined", async ({ store, ctx }) => {
    await store.setJson(ctx, "p", "k", null, {
      arr: [10, 20],
      s: "str",
      n: null,
      o: { "0": "zero" },
    });
    for (
      const pointer of [
        "/arr/-",
        "/arr/01",
        "/arr/2",
        "/arr/-1",
        "/arr/+1",
        "/arr/1e0",
        "/arr/ 1",
        "/arr/length",
        "/s/0",
        "/s/length",
        "/n/x",
        "/missing",
        "/missing/deeper",
        "/toString",
        "/constructor",
        "/__proto__",
        "/hasOwnProperty",
        "/o/toString",
        "/arr/0/x",
      ]
    ) {
      assert.equal(await store.getJson(ctx, "p", "k", pointer), undefined, pointer);
    }
    assert.equal(await store.getJson(ctx, "p", "k", "/o/0"), "zero");
    assert.equal(await store.getJson(ctx, "p", "k", "/arr/1"), 20);
    assert.equal(await store.getJson(ctx, "p", "k", "/n"), null);
  });

  await step(
    "malformed pointers are invalid_input, even for absent keys",
    async ({ store, ctx }) => {
      await store.setJson(ctx, "p", "k", null, { a: 1 });
      for (const pointer of ["foo", "/~2", "/~", "/a~", "#/a", "a/b", "/~a"]) {
        await rejectsWith(store.getJson(ctx, "p", "absent", pointer), "invalid_input");
        await rejectsWith(store.getJson(ctx, "p", "k", pointer), "invalid_input");
        await rejectsWith(store.setJson(ctx, "p", "k", pointer, 1), "invalid_input");
        await rejectsWith(store.setJson(ctx, "p", "absent", pointer, 1), "invalid_input");
      }
      await rejectsWith(store.getJson(ctx, "p", "k", 5 as unknown as string), "invalid_input");
      assert.deepEqual(await store.getJson(ctx, "p", "k"), { a: 1 });
      assert.equal(await store.getJson(ctx, "p", "absent"), undefined);
      assert.deepEqual(StatePath.fromPointer("/~01").segments, ["~1"]);
      assert.deepEqual(StatePath.fromPointer("/").segments, [""]);
    },
  );

  await step("path writes create containers and follow array rules", async ({ store, ctx }) => {
    await store.setJson(ctx, "p", "new", "/a/b/c", 1);
    assert.deepEqual(await store.getJson(ctx, "p", "new"), { a: { b: { c: 1 } } });
    await store.setJson(ctx, "p", "arr", "/list/0/name", "x");
    assert.deepEqual(await store.getJson(ctx, "p", "arr"), { list: [{ name: "x" }] });
    await store.setJson(ctx, "p", "dash", "/list/-/-", 7);
    assert.deepEqual(await store.getJson(ctx, "p", "dash"), { list: [[7]] });
    await store.setJson(ctx, "p", "num", "/list/1/x", true);
    assert.deepEqual(await store.getJson(ctx, "p", "num"), { list: { "1": { x: true } } });
    await store.setJson(ctx, "p", "top", "/0", "first");
    assert.deepEqual(await store.getJson(ctx, "p", "top"), ["first"]);
    await store.setJson(ctx, "p", "slash", "/", "empty member");
    assert.deepEqual(await store.getJson(ctx, "p", "slash"), { "": "empty member" });

    await store.setJson(ctx, "p", "doc", null, { arr: [1, 2], nul: null, obj: { keep: 1 } });
    await store.setJson(ctx, "p", "doc", "/arr/2", 3); // index == length appends
    await store.setJson(ctx, "p", "doc", "/arr/-", 4); // "-" appends
    await store.setJson(ctx, "p", "doc", "/arr/0", 0); // below length replaces
    await store.setJson(ctx, "p", "doc", "/nul/x", 1); // null container is created
    await store.setJson(ctx, "p", "doc", "/obj/0", "member"); // on an object, "0" is a name
    await store.setJson(ctx, "p", "doc", "/obj/new/-", "a");
    assert.deepEqual(await store.getJson(ctx, "p", "doc"), {
      arr: [0, 2, 3, 4],
      nul: { x: 1 },
      obj: { keep: 1, "0": "member", new: ["a"] },
    });
    await store.setJson(ctx, "p", "doc", "", { replaced: true });
    assert.deepEqual(await store.getJson(ctx, "p", "doc"), { replaced: true });
    await store.setJson(ctx, "p", "null-root", null, null);
    await store.setJson(ctx, "p", "null-root", "/x", 1);
    assert.deepEqual(await store.getJson(ctx, "p", "null-root"), { x: 1 });
  });

  await step(
    "bad path writes are invalid_input and change nothing",
    async ({ store, clock, ctx }) => {
      const doc = { arr: [1, 2], s: "str", n: 5, b: true, o: {} };
      await store.setJson(ctx, "p", "doc", null, doc, 100);
      clock.advance(10_000);
      for (
        const pointer of [
          "/arr/3",
          "/arr/01",
          "/arr/x",
          "/arr/-1",
          "/arr/1000000000",
          "/arr/99999999999999999999",
          "/s/x",
          "/s/0",
          "/n/x",
          "/b/x",
          "/arr/0/x",
          "/o/a/arr",
        ]
      ) {
        if (pointer === "/o/a/arr") continue; // valid: creates containers
        await rejectsWith(store.setJson(ctx, "p", "doc", pointer, "v", 5), "invalid_input");
      }
      assert.deepEqual(await store.getJson(ctx, "p", "doc"), doc);
      const ttl = await store.ttl(ctx, "p", "doc");
      if (options.injectedClock) assert.equal(ttl, 90);
      else assert.ok(typeof ttl === "number" && ttl > 5, `ttl ${ttl}`);
      await store.setJson(ctx, "p", "str", null, "just a string");
      await rejectsWith(store.setJson(ctx, "p", "str", "/a", 1), "invalid_input");
      assert.equal(await store.getJson(ctx, "p", "str"), "just a string");
    },
  );

  await step(
    "__proto__, constructor and prototype are ordinary members",
    async ({ store, ctx }) => {
      const parsed = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": 2}}');
      await store.setJson(ctx, "p", "doc", null, parsed);
      await store.setJson(ctx, "p", "doc", "/__proto__/polluted2", "yes");
      await store.setJson(ctx, "p", "doc", "/constructor/prototype", { polluted: 3 });
      await store.setJson(ctx, "p", "doc", "/constructor/prototype/polluted", 4);
      await store.setJson(ctx, "p", "doc", "/prototype", { polluted: 5 });
      await store.setJson(ctx, "p", "fresh", "/__proto__/polluted", true);
      await store.setJson(ctx, "p", "fresh2", "/constructor/prototype/polluted", true);
      await store.setJson(ctx, "p", "fresh3", "/a/__proto__", { polluted: true });
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined);
      assert.equal(({} as Record<string, unknown>).polluted2, undefined);
      assert.equal(Object.getPrototypeOf(probe), Object.prototype);

      const doc = (await store.getJson(ctx, "p", "doc")) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(doc), Object.prototype);
      assert.deepEqual(Object.keys(doc).sort(), ["__proto__", "constructor", "prototype"]);
      assert.ok(Object.hasOwn(doc, "__proto__"));
      assert.deepEqual(await store.getJson(ctx, "p", "doc", "/__proto__"), {
        polluted: 1,
        polluted2: "yes",
      });
      assert.deepEqual(await store.getJson(ctx, "p", "doc", "/constructor/prototype"), {
        polluted: 4,
      });
      const fresh = (await store.getJson(ctx, "p", "fresh")) as Record<string, unknown>;
      assert.deepEqual(Object.keys(fresh), ["__proto__"]);
      assert.deepEqual(await store.getJson(ctx, "p", "fresh", "/__proto__"), { polluted: true });
      assert.equal(Object.getPrototypeOf(fresh), Object.prototype);
      const fresh3 = (await store.getJson(ctx, "p", "fresh3", "/a")) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(fresh3), Object.prototype);
      assert.deepEqual(
        JSON.parse(JSON.stringify(fresh3)),
        JSON.parse('{"__proto__":{"polluted":true}}'),
      );
      // As keys and prefixes too.
      await store.setJson(ctx, "__proto__", "constructor", null, 1);
      await store.setJson(ctx, "constructor", "__proto__", null, 2);
      assert.equal(await store.getJson(ctx, "__proto__", "constructor"), 1);
      assert.equal(await store.getJson(ctx, "constructor", "__proto__"), 2);
      assert.deepEqual(await collect(store.listKeys(ctx, "constructor")), ["__proto__"]);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    },
  );

  await step(
    "non-JSON values are invalid_input with their pointer, nothing written",
    async ({ store, ctx }) => {
      await store.setJson(ctx, "p", "k", null, { keep: true });
      class Point {
        x = 1;
      }
      const cyclic: Record<string, unknown> = { a: { b: {} } };
      (cyclic.a as Record<string, Record<string, unknown>>).b!.back = cyclic;
      const sparse = [1, , 3];
      const cases: [unknown, RegExp][] = [
        [undefined, /undefined/],
        [{ a: undefined }, /"\/a"/],
        [{ a: [1, undefined] }, /"\/a\/1"/],
        [() => 1, /function/],
        [{ f: () => 1 }, /"\/f"/],
        [Symbol("s"), /symbol/],
        [10n, /bigint/],
        [{ n: NaN }, /NaN.*"\/n"/],
        [{ n: Infinity }, /Infinity/],
        [-Infinity, /Infinity/],
        [new Date(0), /Date/],
        [{ d: new Date(0) }, /Date.*"\/d"/],
        [new Map(), /Map/],
        [new Set([1]), /Set/],
        [new Point(), /Point/],
        [[new Point()], /"\/0"/],
        [cyclic, /circular.*"\/a\/b\/back"/],
        [sparse, /hole.*"\/1"/],
        [new String("boxed"), /String/],
        [new Uint8Array(2), /Uint8Array/],
      ];
      for (const [value, message] of cases) {
        await rejectsWith(
          store.setJson(ctx, "p", "k", null, value as JsonValue),
          "invalid_input",
          message,
        );
        await rejectsWith(store.setJson(ctx, "p", "k", "/x", value as JsonValue), "invalid_input");
        await rejectsWith(
          store.setJson(ctx, "p", "other", null, value as JsonValue),
          "invalid_input",
        );
      }
      await rejectsWith(
        store.setJson(ctx, "p", "k", "/deep", { a: undefined } as unknown as JsonValue),
        "invalid_input",
        /"\/deep\/a"/,
      );
      assert.deepEqual(await store.getJson(ctx, "p", "k"), { keep: true });
      assert.equal(await store.getJson(ctx, "p", "other"), undefined);
      assert.deepEqual(await collect(store.listKeys(ctx, "p")), ["k"]);
      // Values that JSON.stringify would turn into something else, or that throw.
      const arrayWithToJson = Object.assign([1], { toJSON: () => "x" });
      const hiddenToJson = Object.defineProperty({ a: 1 }, "toJSON", { value: () => ({ d: 1 }) });
      const throwing = Object.defineProperty({}, "x", {
        enumerable: true,
        get() {
          throw new Error("boom");
        },
      });
      const throwingIndex = Object.defineProperty([0], "0", {
        enumerable: true,
        get() {
          throw new Error("boom");
        },
      });
      const { proxy: revoked, revoke } = Proxy.revocable({}, {});
      revoke();
      const lyingProxy = new Proxy(new Point(), { getPrototypeOf: () => Object.prototype });
      for (
        const value of [arrayWithToJson, hiddenToJson, throwing, throwingIndex, revoked, [revoked]]
      ) {
        await rejectsWith(store.setJson(ctx, "p", "k", null, value as JsonValue), "invalid_input");
        await rejectsWith(store.setJson(ctx, "p", "k", "/x", value as JsonValue), "invalid_input");
      }
      await rejectsWith(
        store.setJson(ctx, "p", "k", null, { nested: [hiddenToJson] } as unknown as JsonValue),
        "invalid_input",
        /"\/nested\/0".*toJSON/,
      );
      try {
        await store.setJson(ctx, "p", "proxy", null, lyingProxy as unknown as JsonValue);
        assert.deepEqual(await store.getJson(ctx, "p", "proxy"), { x: 1 }); // its data, nothing else
      } catch (error) {
        assert.ok(error instanceof StateError && error.code === "invalid_input");
      }
      // Objects without a prototype are plain data.
      const bare = Object.create(null);
      bare.x = 1;
      await store.setJson(ctx, "p", "bare", null, bare);
      assert.deepEqual(await store.getJson(ctx, "p", "bare"), { x: 1 });
    },
  );

  await step("nesting is limited and never overflows the stack", async ({ store, ctx }) => {
    const nest = (levels: number): JsonValue => {
      let value: JsonValue = 0;
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };
    await store.setJson(ctx, "p", "ok", null, nest(256));
    assert.deepEqual(await store.getJson(ctx, "p", "ok"), nest(256));
    await store.setJson(ctx, "p", "max", null, nest(MAX_DEPTH));
    await rejectsWith(
      store.setJson(ctx, "p", "k", null, nest(MAX_DEPTH + 1)),
      "invalid_input",
      /deeper/,
    );
    await rejectsWith(store.setJson(ctx, "p", "k", null, nest(200_000)), "invalid_input", /deeper/);
    const deepObject: Record<string, unknown> = {};
    let cursor = deepObject;
    for (let i = 0; i < 100_000; i++) cursor = (cursor.a = {}) as Record<string, unknown>;
    await rejectsWith(store.setJson(ctx, "p", "k", null, deepObject as JsonValue), "invalid_input");
    // A path write cannot make the document deeper than the limit either.
    const longPath = "/a".repeat(MAX_DEPTH);
    await rejectsWith(store.setJson(ctx, "p", "k", longPath, [1]), "invalid_input");
    await rejectsWith(store.setJson(ctx, "p", "k", "/a".repeat(MAX_DEPTH + 1), 1), "invalid_input");
    await store.setJson(ctx, "p", "path", "/a".repeat(MAX_DEPTH), 1);
    assert.equal(await store.getJson(ctx, "p", "path", "/a".repeat(MAX_DEPTH)), 1);
    assert.equal(await store.getJson(ctx, "p", "k"), undefined);
    assert.equal(await store.getJson(ctx, "p", "k", "/a".repeat(100_000)), undefined);
  });

  await step("TTL arguments are validated", async ({ store, ctx }) => {
    await store.setJson(ctx, "p", "k", null, 1, 60);
    for (const ttl of [-1, 1.5, 4294967296, NaN, Infinity, "300", true, {}, 1e20]) {
      await rejectsWith(
        store.setJson(ctx, "p", "k", null, 2, ttl as number),
        "invalid_input",
        /TTL/,
      );
      await rejectsWith(store.setJson(ctx, "p", "k", "/x", 2, ttl as number), "invalid_input");
    }
    assert.equal(await store.getJson(ctx, "p", "k"), 1);
    await store.setJson(ctx, "p", "max", null, 1, 4294967295);
    const ttl = await store.ttl(ctx, "p", "max");
    assert.ok(typeof ttl === "number" && ttl >= 4294967294, `ttl ${ttl}`);
    await store.setJson(ctx, "p", "none", null, 1, undefined);
    assert.equal(await store.ttl(ctx, "p", "none"), null);
    assert.equal(await store.ttl(ctx, "p", "absent"), undefined);
  });

  await step("TTL: keep, reset and remove", async ({ store, ctx }) => {
    await store.setJson(ctx, "p", "k", null, { a: 1 }, 100);
    await store.setJson(ctx, "p", "k", null, { a: 2 }); // keeps
    await store.setJson(ctx, "p", "k", "/b", 3, null); // keeps
    let ttl = await store.ttl(ctx, "p", "k");
    assert.ok(ttl === 100 || (!options.injectedClock && ttl === 99), `kept ttl ${ttl}`);
    await store.setJson(ctx, "p", "k", "/c", 4, 500); // path write resets
    ttl = await store.ttl(ctx, "p", "k");
    assert.ok(ttl === 500 || (!options.injectedClock && ttl === 499), `reset ttl ${ttl}`);
    await store.setJson(ctx, "p", "k", null, { a: 5 }, 0); // removes
    assert.equal(await store.ttl(ctx, "p", "k"), null);
    await store.setJson(ctx, "p", "k", "/b", 6, 30);
    await store.setJson(ctx, "p", "k", "/b", 7, 0);
    assert.equal(await store.ttl(ctx, "p", "k"), null);
    assert.deepEqual(await store.getJson(ctx, "p", "k"), { a: 5, b: 7 });
    await store.setJson(ctx, "p", "new", "/x", 1);
    assert.equal(await store.ttl(ctx, "p", "new"), null);
  });

  await clockStep("TTL: expiry at the deadline, rounding up", async ({ store, clock, ctx }) => {
    await store.setJson(ctx, "p", "k", null, "v", 10);
    assert.equal(await store.ttl(ctx, "p", "k"), 10);
    clock.advance(1);
    assert.equal(await store.ttl(ctx, "p", "k"), 10);
    clock.advance(999);
    assert.equal(await store.ttl(ctx, "p", "k"), 9);
    clock.advance(8_999);
    assert.equal(await store.ttl(ctx, "p", "k"), 1);
    assert.equal(await store.getJson(ctx, "p", "k"), "v");
    clock.advance(1); // now == deadline: expired
    assert.equal(await store.getJson(ctx, "p", "k"), undefined);
    assert.equal(await store.getJson(ctx, "p", "k", "/x"), undefined);
    assert.equal(await store.ttl(ctx, "p", "k"), undefined);
    assert.deepEqual(await collect(store.listKeys(ctx, "p")), []);
    assert.equal(await store.del(ctx, "p", "k"), false);
  });

  await clockStep("TTL: a write without TTL keeps the deadline", async ({ store, clock, ctx }) => {
    await store.setJson(ctx, "p", "k", null, { n: 0 }, 10);
    clock.advance(6_000);
    await store.setJson(ctx, "p", "k", "/n", 1);
    await store.setJson(ctx, "p", "k", null, { n: 2 });
    assert.equal(await store.ttl(ctx, "p", "k"), 4);
    clock.advance(4_000);
    assert.equal(await store.getJson(ctx, "p", "k"), undefined);
    await store.setJson(ctx, "p", "k", null, { n: 0 }, 10);
    clock.advance(9_000);
    await store.setJson(ctx, "p", "k", null, { n: 1 }, 10); // reset
    clock.advance(9_000);
    assert.deepEqual(await store.getJson(ctx, "p", "k"), { n: 1 });
    await store.setJson(ctx, "p", "k", null, { n: 2 }, 0); // persist
    clock.advance(1_000_000);
    assert.deepEqual(await store.getJson(ctx, "p", "k"), { n: 2 });
  });

  await clockStep(
    "TTL: a path write to an expired entry starts from nothing",
    async ({ store, clock, ctx }) => {
      await store.setJson(ctx, "p", "k", null, { old: true, arr: [1] }, 5);
      clock.advance(5_000);
      await store.setJson(ctx, "p", "k", "/arr/0", 2);
      assert.deepEqual(await store.getJson(ctx, "p", "k"), { arr: [2] });
      assert.equal(await store.ttl(ctx, "p", "k"), null);
      await store.setJson(ctx, "p", "k2", null, "old", 5);
      clock.advance(5_000);
      await store.setJson(ctx, "p", "k2", null, "new");
      assert.equal(await store.ttl(ctx, "p", "k2"), null);
      assert.equal(await store.getJson(ctx, "p", "k2"), "new");
    },
  );

  await clockStep(
    "TTL: del and delPrefix count only live entries",
    async ({ store, clock, ctx }) => {
      await store.setJson(ctx, "p", "short1", null, 1, 1);
      await store.setJson(ctx, "p", "short2", null, 1, 1);
      await store.setJson(ctx, "p", "long", null, 1, 100);
      await store.setJson(ctx, "p", "forever", null, 1);
      clock.advance(1_000);
      assert.equal(await store.del(ctx, "p", "short1"), false);
      assert.deepEqual(await collect(store.listKeys(ctx, "p")), ["forever", "long"]);
      assert.equal(await store.delPrefix(ctx, "p"), 2);
      assert.deepEqual(await collect(store.listKeys(ctx, "p")), []);
      await store.setJson(ctx, "p", "short2", "/x", 1);
      assert.deepEqual(await store.getJson(ctx, "p", "short2"), { x: 1 });
    },
  );

  await clockStep("TTL: a failed write keeps the TTL", async ({ store, clock, ctx }) => {
    await store.setJson(ctx, "p", "k", null, { s: "x" }, 10);
    clock.advance(2_000);
    await rejectsWith(store.setJson(ctx, "p", "k", "/s/t", 1, 0), "invalid_input");
    await rejectsWith(
      store.setJson(ctx, "p", "k", null, undefined as unknown as JsonValue, 0),
      "invalid_input",
    );
    assert.equal(await store.ttl(ctx, "p", "k"), 8);
  });

  await step("namespaces are exact and isolated", async ({ store, ctx }) => {
    const team = ctx.withTeam("ops");
    const user = ctx.withUser("alice");
    const teamUser = team.withUser("alice");
    const other = new TenantCtx(ctx.env, "tenant-2");
    const contexts = [ctx, team, user, teamUser, other];
    const prefixes = [
      "flow",
      "flow/x",
      "flow:x",
      "flow%3Ax",
      "",
      "a",
      "a:b",
      "a%b",
      "fl*",
      "fl?w",
      "[f]",
    ];
    for (const [c, context] of contexts.entries()) {
      for (const prefix of prefixes) {
        await store.setJson(context, prefix, "k", null, { c, prefix });
        await store.setJson(context, prefix, `${prefix}:k`, null, 1);
      }
    }
    assert.equal(await store.delPrefix(ctx, "flow"), 2);
    assert.equal(await store.delPrefix(ctx, "a"), 2);
    assert.equal(await store.delPrefix(ctx, "fl*"), 2);
    for (const [c, context] of contexts.entries()) {
      for (const prefix of prefixes) {
        const gone = c === 0 && ["flow", "a", "fl*"].includes(prefix);
        assert.deepEqual(
          await store.getJson(context, prefix, "k"),
          gone ? undefined : { c, prefix },
          `${context} ${prefix}`,
        );
        assert.deepEqual(
          await collect(store.listKeys(context, prefix)),
          gone ? [] : [`${prefix}:k`, "k"].sort(),
        );
      }
    }
    await store.setJson(ctx, "", "", null, "empty");
    assert.equal(await store.getJson(ctx, "", ""), "empty");
    assert.deepEqual(await collect(store.listKeys(ctx, "")), ["", ":k", "k"]);
    assert.equal(await store.del(ctx, "", ""), true);
  });

  await step("keys and prefixes: any well-formed string, types checked", async ({ store, ctx }) => {
    const names = [
      "a/b",
      "a:b",
      "%3A",
      "*",
      "?",
      "[a-z]",
      "\\",
      "greentic:state:x",
      " ",
      "é",
      "😀",
      "\u0000",
      "a\nb",
    ];
    for (const name of names) {
      await store.setJson(ctx, name, name, null, name);
      await store.setJson(ctx, "same", name, null, name);
    }
    for (const name of names) {
      assert.equal(await store.getJson(ctx, name, new StateKey(name)), name);
      assert.deepEqual(await collect(store.listKeys(ctx, name)), [name]);
    }
    assert.deepEqual(await collect(store.listKeys(ctx, "same")), [...names].sort());
    for (const bad of [1, null, undefined, {}, ["k"], "\ud800", "a\udc00b"]) {
      await rejectsWith(store.getJson(ctx, "p", bad as string), "invalid_input", /key/);
      await rejectsWith(store.setJson(ctx, "p", bad as string, null, 1), "invalid_input", /key/);
      await rejectsWith(store.getJson(ctx, bad as string, "k"), "invalid_input", /prefix/);
      await rejectsWith(store.delPrefix(ctx, bad as string), "invalid_input", /prefix/);
      await rejectsWith(store.del(ctx, "p", bad as string), "invalid_input");
      await rejectsWith(store.ttl(ctx, "p", bad as string), "invalid_input");
      await rejectsWith(collect(store.listKeys(ctx, bad as string)), "invalid_input");
    }
    const badCtx = { env: "dev", tenant: "a:b", team: null, user: null } as unknown as TenantCtx;
    await rejectsWith(store.getJson(badCtx, "p", "k"), "invalid_input", /tenant/);
    await rejectsWith(store.delPrefix(badCtx, "p"), "invalid_input", /tenant/);
    await rejectsWith(store.getJson(null as unknown as TenantCtx, "p", "k"), "invalid_input");
    const unbranded = Object.create(TenantCtx.prototype) as TenantCtx;
    await rejectsWith(store.getJson(unbranded, "p", "k"), "invalid_input");
    // Lookalikes of StateKey and StatePath are not trusted.
    const fakeKey = Object.create(StateKey.prototype, { value: { value: 1 } }) as StateKey;
    await rejectsWith(store.setJson(ctx, "p", fakeKey, null, 1), "invalid_input", /key/);
    await rejectsWith(store.getJson(ctx, "p", fakeKey), "invalid_input", /key/);
    const fakePath = Object.create(StatePath.prototype, {
      segments: { value: ["__proto__", "polluted"] },
    }) as StatePath;
    await rejectsWith(store.setJson(ctx, "p", "k", fakePath, 1), "invalid_input", /path/);
    await rejectsWith(store.getJson(ctx, "p", "k", fakePath), "invalid_input", /path/);
    let calls = 0;
    const shifty = { toString: () => (++calls === 4 ? "constructor" : "x") };
    const Ctor = StatePath as unknown as new (segments: unknown[]) => StatePath;
    await rejectsWith(
      (async () => {
        await store.setJson(ctx, "p", "k", new Ctor([shifty, "prototype", "polluted"]), 1);
      })(),
      "invalid_input",
    );
    await rejectsWith(
      (async () => {
        await store.setJson(ctx, "p", "k", StatePath.fromSegments([["__proto__"]] as never), 1);
      })(),
      "invalid_input",
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Ids have no length limit beyond the character rule.
    const long = new TenantCtx("e".repeat(300), "t".repeat(1000));
    await store.setJson(long, "p", "k", null, 1);
    assert.equal(await store.getJson(long, "p", "k"), 1);
  });

  await step("tenant ids are validated and contexts are immutable", () => {
    for (
      const [field, make] of [
        ["env", (v: string) => new TenantCtx(v, "t")],
        ["tenant", (v: string) => new TenantCtx("e", v)],
        ["team", (v: string) => new TenantCtx("e", "t").withTeam(v)],
        ["user", (v: string) => new TenantCtx("e", "t").withUser(v)],
      ] as const
    ) {
      for (const bad of ["", "a:b", "a b", "a/b", "*", "é", "a\n", "{x}"]) {
        assert.throws(
          () => make(bad),
          (e: unknown) =>
            e instanceof StateError && e.code === "invalid_input" &&
            e.message.includes(field),
        );
      }
      assert.equal(make("Ok.id_-9").toString().includes("Ok.id_-9"), true);
    }
    const ctx = new TenantCtx("dev", "t").withTeam("ops").withUser("u");
    assert.equal(ctx.withTeam(null).team, null);
    assert.equal(ctx.withTeam(null).user, "u");
    assert.equal(ctx.withUser(null).user, null);
    assert.equal(ctx.team, "ops");
    assert.throws(() => {
      (ctx as unknown as { tenant: string }).tenant = "other";
    });
    return Promise.resolve();
  });

  await step("closed stores are unavailable", async ({ store, ctx }) => {
    await store.setJson(ctx, "p", "k", null, 1);
    await store.close();
    await rejectsWith(store.getJson(ctx, "p", "k", "bad pointer"), "unavailable");
    await rejectsWith(store.getJson(ctx, "p", "k"), "unavailable");
    await rejectsWith(store.setJson(ctx, "p", "k", null, 1), "unavailable");
    await rejectsWith(store.ttl(ctx, "p", "k"), "unavailable");
    await rejectsWith(store.del(ctx, "p", "k"), "unavailable");
    await rejectsWith(store.delPrefix(ctx, "p"), "unavailable");
    await rejectsWith(collect(store.listKeys(ctx, "p")), "unavailable");
    await store.close(); // idempotent
  });

  await t.step("async disposal closes the store", async () => {
    const ctx = freshCtx();
    let held: StateStore;
    {
      await using store = await options.open({ now: new FakeClock().now });
      held = store;
      await store.setJson(ctx, "p", "k", null, 1);
    }
    await rejectsWith(held.getJson(ctx, "p", "k"), "unavailable");
  });

  await step("property: any JSON value round-trips, whole and by path", async ({ store, ctx }) => {
    await fc.assert(
      // Not "-": writing at /wrap/- appends to a new array, and "-" never resolves on read.
      fc.asyncProperty(jsonValue, fc.string().filter((m) => m !== "-"), async (value, member) => {
        await store.setJson(ctx, "prop", "k", null, value);
        assert.deepEqual(await store.getJson(ctx, "prop", "k"), value);
        const path = StatePath.fromSegments(["wrap", member]);
        await store.setJson(ctx, "prop", "w", null, {});
        await store.setJson(ctx, "prop", "w", path, value);
        assert.deepEqual(await store.getJson(ctx, "prop", "w", path), value);
        assert.deepEqual(await store.getJson(ctx, "prop", "w", path.toPointer()), value);
      }),
      { numRuns: runs },
    );
  });

  await step("property: delPrefix removes exactly its namespace", async ({ store, ctx }) => {
    const text = fc.string({
      maxLength: 6,
      unit: fc.constantFrom("a", ":", "%", "3", "A", "/", "*", "\\", "[", "?", ""),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(text, { minLength: 2, maxLength: 4 }),
        fc.array(text, { minLength: 1, maxLength: 4 }),
        async (prefixes, keys) => {
          const run = freshCtx();
          for (const prefix of prefixes) {
            for (const key of keys) await store.setJson(run, prefix, key, null, { prefix, key });
          }
          const [victim, ...others] = prefixes as [string, ...string[]];
          const unique = new Set(keys).size;
          assert.equal(await store.delPrefix(run, victim), unique);
          assert.deepEqual(await collect(store.listKeys(run, victim)), []);
          for (const prefix of others) {
            assert.deepEqual(await collect(store.listKeys(run, prefix)), [...new Set(keys)].sort());
            for (const key of keys) {
              assert.deepEqual(await store.getJson(run, prefix, key), { prefix, key });
            }
            await store.delPrefix(run, prefix);
          }
        },
      ),
      { numRuns: Math.max(10, Math.floor(runs / 4)) },
    );
    void ctx;
  });
}

interface Fixture {
  store: StateStore;
  clock: FakeClock;
  ctx: TenantCtx;
}
