import assert from "node:assert/strict";
import { Redis } from "ioredis";
import {
  RedisStateStore,
  StateError,
  type StateErrorCode,
  storageKey,
  type TenantCtx,
} from "../../mod.ts";

const storageKeyOf = (ctx: TenantCtx) => storageKey(ctx, "p", "doc");
import { OwnServer } from "./_own_server.ts";
import { freshCtx } from "./_server.ts";

const TIMEOUT = 500;
/** How late past the deadline a call may settle: one timer tick plus scheduling noise. */
const SLACK = 400;

/** Runs `call` and returns its error code and how long it took to settle. */
async function settle(
  call: Promise<unknown>,
): Promise<{ code: StateErrorCode | "ok"; ms: number }> {
  const start = performance.now();
  try {
    await call;
    return { code: "ok", ms: performance.now() - start };
  } catch (error) {
    assert.ok(error instanceof StateError, `expected a StateError, got ${error}`);
    return { code: error.code, ms: performance.now() - start };
  }
}

async function eventually(what: string, fn: () => Promise<unknown>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      await fn();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${what} did not succeed within ${ms} ms: ${last}`);
}

Deno.test("Redis faults: killed and restarted empty, the same store recovers", async () => {
  await using server = await OwnServer.start();
  const store = await RedisStateStore.connect(server.url, { timeoutMs: TIMEOUT });
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "doc", null, { n: 0 }, 60);
    await store.setJson(ctx, "p", "doc", "/n", 1); // the script is now loaded
    // Freeze first, so calls are surely in flight when the process dies.
    server.signal("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const inFlight = [
      settle(store.getJson(ctx, "p", "doc")),
      settle(store.setJson(ctx, "p", "doc", "/n", 2)),
      settle(store.setJson(ctx, "p", "other", null, 1)),
      settle(store.ttl(ctx, "p", "doc")),
    ];
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.kill();
    for (const { code, ms } of await Promise.all(inFlight)) {
      assert.ok(code === "unavailable" || code === "timeout", code);
      assert.ok(ms < TIMEOUT + SLACK, `settled after ${ms} ms`);
    }
    // While down: every call settles in time with unavailable.
    for (
      const call of [
        () => store.getJson(ctx, "p", "doc"),
        () => store.setJson(ctx, "p", "doc", "/n", 3),
        () => store.del(ctx, "p", "doc"),
        () => store.delPrefix(ctx, "p"),
        () => Array.fromAsync(store.listKeys(ctx, "p")),
      ]
    ) {
      const { code, ms } = await settle(call());
      assert.equal(code, "unavailable");
      assert.ok(ms < TIMEOUT + SLACK, `settled after ${ms} ms`);
    }
    // Back, empty, without scripts: the same store works, path writes included.
    await server.restart();
    await eventually("a write after the restart", () => store.setJson(ctx, "p", "doc", null, {}));
    await store.setJson(ctx, "p", "doc", "/after", "restart", 30);
    assert.deepEqual(await store.getJson(ctx, "p", "doc"), { after: "restart" });
    assert.equal(await store.ttl(ctx, "p", "doc"), 30);
    assert.equal(await store.delPrefix(ctx, "p"), 1);
  } finally {
    await store.close();
  }
});

Deno.test("Redis faults: a frozen server times out, in-flight calls included, and thaws", async () => {
  await using server = await OwnServer.start();
  const store = await RedisStateStore.connect(server.url, { timeoutMs: TIMEOUT });
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "doc", null, { n: 0 });
    server.signal("SIGSTOP");
    const started = [
      settle(store.getJson(ctx, "p", "doc")),
      settle(store.setJson(ctx, "p", "doc", "/n", 1)),
      settle(store.setJson(ctx, "p", "doc", null, { n: 2 }, 10)),
      settle(store.delPrefix(ctx, "p")),
      settle(Array.fromAsync(store.listKeys(ctx, "p"))),
    ];
    for (const { code, ms } of await Promise.all(started)) {
      assert.equal(code, "timeout");
      assert.ok(ms >= TIMEOUT - 5 && ms < TIMEOUT + SLACK, `settled after ${ms} ms`);
    }
    server.signal("SIGCONT");
    await eventually("a read after the thaw", () => store.getJson(ctx, "p", "doc"));
    await store.setJson(ctx, "p", "doc", "/thawed", true);
    assert.equal(await store.getJson(ctx, "p", "doc", "/thawed"), true);
    await store.delPrefix(ctx, "p");
  } finally {
    server.signal("SIGCONT");
    await store.close();
  }
});

Deno.test("Redis faults: close settles calls in flight on a frozen server", async () => {
  await using server = await OwnServer.start();
  const store = await RedisStateStore.connect(server.url, { timeoutMs: 1_000 });
  const ctx = freshCtx();
  await store.setJson(ctx, "p", "k", null, 1);
  server.signal("SIGSTOP");
  const pending = settle(store.getJson(ctx, "p", "k"));
  const start = performance.now();
  await store.close();
  assert.equal((await pending).code, "unavailable");
  const ms = performance.now() - start;
  assert.ok(ms < 1_000 + 500 + SLACK, `closed after ${ms} ms`); // QUIT, then cut off
  server.signal("SIGCONT");
});

Deno.test("Redis faults: a borrowed client with default options still settles in time", async () => {
  await using server = await OwnServer.start();
  const client = new Redis(server.url); // offline queue, 20 retries per request
  client.on("error", () => {});
  const store = new RedisStateStore(client, { timeoutMs: TIMEOUT });
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "k", null, 1);
    await server.kill();
    const { code, ms } = await settle(store.getJson(ctx, "p", "k"));
    assert.equal(code, "unavailable");
    assert.ok(ms < TIMEOUT + SLACK, `settled after ${ms} ms`);
    await server.restart();
    await eventually("a read after the restart", () => store.getJson(ctx, "p", "k"));
  } finally {
    await store.close();
    client.disconnect();
  }
});

Deno.test("Redis faults: connection refused at connect is unavailable, in time", async () => {
  const server = await OwnServer.start();
  const url = server.url;
  await server.kill();
  const { code, ms } = await settle(RedisStateStore.connect(url, { timeoutMs: TIMEOUT }));
  assert.equal(code, "unavailable");
  assert.ok(ms < TIMEOUT + SLACK, `settled after ${ms} ms`);
});

Deno.test("Redis faults: errors never echo the password of the URL", async () => {
  const password = "s3cr3t-Pa55:word";
  await using server = await OwnServer.start(["--requirepass", password]);
  const encoded = encodeURIComponent(password);
  const wrong = "wr0ng-Pa55word";
  const check = (error: unknown, ...secrets: string[]) => {
    assert.ok(error instanceof StateError);
    let text = `${error.message} ${error.stack}`;
    for (let cause = error.cause; cause !== undefined; cause = (cause as Error).cause) {
      text += ` ${String((cause as Error).message)} ${(cause as Error).stack}`;
    }
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `"${secret}" leaked: ${text}`);
    }
  };
  // A wrong password: refused, and the password is not in the message.
  try {
    await RedisStateStore.connect(`redis://:${wrong}@127.0.0.1:${server.port}`, {
      timeoutMs: TIMEOUT,
    });
    assert.fail("expected a failure");
  } catch (error) {
    check(error, wrong);
  }
  // A bad URL is not echoed with its password either.
  try {
    await RedisStateStore.connect(`redis://:${encoded}@127.0.0.1:${server.port}:bad`);
    assert.fail("expected a failure");
  } catch (error) {
    check(error, password, encoded);
  }
  const store = await RedisStateStore.connect(`redis://:${encoded}@127.0.0.1:${server.port}`, {
    timeoutMs: TIMEOUT,
  });
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "k", null, 1);
    assert.equal(await store.getJson(ctx, "p", "k"), 1);
    await server.kill();
    try {
      await store.getJson(ctx, "p", "k");
      assert.fail("expected a failure");
    } catch (error) {
      check(error, password, encoded);
    }
  } finally {
    await store.close();
  }
});

Deno.test("Redis connect: several URLs need the cluster option, bad URLs are invalid_input", async () => {
  for (
    const [url, options] of [
      [["redis://127.0.0.1:1", "redis://127.0.0.1:2"], { cluster: false }],
      ["http://127.0.0.1:6379", {}],
      ["not a url", {}],
      [[], {}],
    ] as const
  ) {
    const { code } = await settle(RedisStateStore.connect(url, options));
    assert.equal(code, "invalid_input", String(url));
  }
});

Deno.test("Redis faults: a write refused while Redis is down is never applied later", async () => {
  await using server = await OwnServer.start();
  const store = await RedisStateStore.connect(server.url, { timeoutMs: 300 });
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "k", null, "before");
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // ioredis is reconnecting
    const refused = await Promise.all([
      settle(store.setJson(ctx, "p", "k", null, "stale")),
      settle(store.setJson(ctx, "p", "k2", null, "stale")),
      settle(store.del(ctx, "p", "k3")),
    ]);
    for (const { code } of refused) assert.ok(code === "unavailable" || code === "timeout", code);
    await server.restart();
    await eventually("a read after the restart", () => store.getJson(ctx, "p", "k"));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for any replay to land
    const raw = new Redis(server.url);
    try {
      assert.equal(await raw.dbsize(), 0, "a refused write was sent after the reconnect");
    } finally {
      await raw.quit();
    }
  } finally {
    await store.close();
  }
});

Deno.test("Redis faults: a path write settles within timeoutMs as a whole, not per round trip", async () => {
  const timeoutMs = 1_000;
  await using server = await OwnServer.start();
  const client = new Redis(server.url);
  // The real server, each GET, EVALSHA and EVAL answered just before its own deadline.
  const slow = new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (!["get", "evalsha", "eval"].includes(String(name))) {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          await new Promise((resolve) => setTimeout(resolve, timeoutMs - 150));
        }
      };
    },
  });
  const store = new RedisStateStore(slow as unknown as Redis, { timeoutMs });
  try {
    const ctx = freshCtx();
    await client.set(storageKeyOf(ctx), '{"a":1}');
    const { code, ms } = await settle(store.setJson(ctx, "p", "doc", "/a", 2));
    assert.equal(code, "timeout");
    assert.ok(ms < timeoutMs + SLACK, `settled after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2 * timeoutMs)); // late answers land
    assert.equal(await client.get(storageKeyOf(ctx)), '{"a":1}', "nothing sent after the deadline");
  } finally {
    await store.close();
    await client.quit();
  }
});
