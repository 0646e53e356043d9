import { Cluster } from "ioredis";
import { RedisStateStore } from "../mod.ts";
import { conformance } from "./conformance.ts";
import { startCluster } from "./redis/_cluster.ts";

// The shared conformance suite, unchanged, on a local Redis Cluster (3 masters, 3 replicas).
Deno.test("Redis Cluster store: conformance", async (t) => {
  await using cluster = await startCluster();
  console.log(`cluster startup: ${cluster.startupMs.toFixed(0)} ms`);
  await t.step("RedisStateStore.connect(urls, { cluster: true })", (t) =>
    conformance(t, {
      open: () => RedisStateStore.connect(cluster.urls, { cluster: true }),
      injectedClock: false,
      propertyRuns: 25,
    }));
  await t.step("one seed URL, namespace-tag layout", (t) =>
    conformance(t, {
      open: () =>
        RedisStateStore.connect([cluster.urls[0]!], { cluster: true, keyLayout: "namespace-tag" }),
      injectedClock: false,
      propertyRuns: 25,
    }));
  await t.step("new RedisStateStore(new Cluster(...)), a borrowed client", async (t) => {
    const client = new Cluster(cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
    try {
      await conformance(t, {
        open: () => new RedisStateStore(client),
        injectedClock: false,
        propertyRuns: 25,
      });
    } finally {
      await client.quit();
    }
  });
});
