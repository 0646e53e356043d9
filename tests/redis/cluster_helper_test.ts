import assert from "node:assert/strict";
import { cli, parseInfo, startCluster } from "./_cluster.ts";

async function processExists(pid: number): Promise<boolean> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status); // a zombie is gone in all but name
  } catch {
    return false;
  }
}

Deno.test("cluster helper: six nodes, three masters with a replica each, all slots, all gone after", async () => {
  const cluster = await startCluster();
  const pids = cluster.nodes.map((n) => n.pid!);
  const ports = cluster.nodes.map((n) => n.port);
  try {
    console.log(`cluster startup: ${cluster.startupMs.toFixed(0)} ms`);
    assert.equal(cluster.nodes.length, 6);
    assert.equal(new Set(ports).size, 6);
    for (const pid of pids) assert.ok(await processExists(pid), `pid ${pid} runs`);
    const { masters, replicas } = await cluster.topology();
    assert.equal(masters.length, 3);
    assert.equal(replicas.length, 3);
    for (const node of cluster.nodes) {
      const info = parseInfo(await cluster.cli(node, "CLUSTER", "INFO"));
      assert.equal(info.get("cluster_state"), "ok");
      assert.equal(info.get("cluster_slots_assigned"), "16384");
      assert.equal(info.get("cluster_known_nodes"), "6");
    }
    // Every slot served exactly once, each master with one in-sync replica of its own.
    const slots = new Uint8Array(16384);
    for (const ranges of (await cluster.slotsByMaster()).values()) {
      for (const [a, b] of ranges) for (let s = a; s <= b; s++) slots[s]!++;
    }
    assert.ok(slots.every((n) => n === 1));
    const views = await cluster.view(cluster.nodes[0]!);
    for (const replica of replicas) {
      const view = views.find((v) => v.port === replica.port)!;
      const info = parseInfo(await cluster.cli(replica, "INFO", "replication"));
      assert.equal(info.get("master_link_status"), "up");
      const master = views.find((v) => v.id === view.masterId)!;
      assert.equal(Number(info.get("master_port")), master.port);
    }
    assert.equal(new Set(views.filter((v) => v.masterId).map((v) => v.masterId)).size, 3);
    // A written key is readable on the master of its slot.
    const slot = await cluster.keySlot("greentic:helper");
    const owner = await cluster.masterOfSlot(slot);
    assert.equal((await cluster.cli(owner, "SET", "greentic:helper", "1")).trim(), "OK");
  } finally {
    await cluster.stop();
  }
  for (const pid of pids) assert.equal(await processExists(pid), false, `pid ${pid} is gone`);
  for (const port of ports) await assert.rejects(cli(port, "PING"));
  await assert.rejects(Deno.stat(cluster.dir));
});

Deno.test("cluster helper: SIGKILL of a master promotes its replica; restart rejoins as replica", async () => {
  await using cluster = await startCluster();
  const victim = await cluster.masterOfSlot(0);
  const pid = victim.pid!;
  const report = await cluster.killMaster(victim);
  console.log(
    `failover: promoted after ${report.promotedAfterMs.toFixed(0)} ms, settled after ${
      report.settledAfterMs.toFixed(0)
    } ms`,
  );
  assert.equal(await processExists(pid), false);
  assert.equal(report.killed, victim);
  assert.equal((await cluster.masterOfSlot(0)).port, report.promoted.port);
  const { masters, replicas } = await cluster.topology();
  assert.equal(masters.length, 3);
  assert.equal(replicas.length, 2);
  await cluster.restart(victim);
  const after = await cluster.topology();
  assert.equal(after.masters.length, 3);
  assert.ok(after.replicas.includes(victim), "the old master is back as a replica");
  assert.equal((await cluster.masterOfSlot(0)).port, report.promoted.port);
});

Deno.test("cluster helper: a failing test body still stops every server", async () => {
  let pids: number[] = [];
  await assert.rejects(async () => {
    await using cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    pids = cluster.nodes.map((n) => n.pid!);
    throw new Error("boom");
  }, /boom/);
  assert.equal(pids.length, 3);
  for (const pid of pids) assert.equal(await processExists(pid), false);
});
