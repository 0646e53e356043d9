import assert from "node:assert/strict";
import type { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../../mod.ts";

Deno.test("mod.ts loads no npm package; connect loads ioredis on demand", async () => {
  const script = `
    const mod = await import(${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)});
    console.log(typeof mod.RedisStateStore);
    try {
      await mod.RedisStateStore.connect("redis://127.0.0.1:1");
    } catch (error) {
      console.log(error.code, error.message.includes("ioredis"));
    }
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-npm", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(out, "function\nunavailable true\n");
});

Deno.test("ioredis Redis and Cluster are RedisClients (checked by the compiler)", () => {
  const redis: Redis extends RedisClient ? true : false = true;
  const cluster: Cluster extends RedisClient ? true : false = true;
  assert.ok(redis && cluster);
});

Deno.test("the default client options are all ioredis options", async () => {
  const { DEFAULT_REDIS_CLIENT_OPTIONS } = await import("../../mod.ts");
  const { Redis } = await import("ioredis");
  const known = (Redis as unknown as { defaultOptions: Record<string, unknown> }).defaultOptions;
  for (const name of Object.keys(DEFAULT_REDIS_CLIENT_OPTIONS)) {
    assert.ok(name in known, `${name} is not an ioredis option`);
  }
});
