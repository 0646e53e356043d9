/**
 * The masters of a Redis Cluster that `delPrefix` and `listKeys` scan, from a fresh slot
 * map; and, in this comment, how the store behaves on a cluster and which ioredis
 * behaviours that rests on (ioredis 6.1, read in its source and issues).
 *
 * - `SCAN` names no key, so a cluster client sends it to any node: the store scans each
 *   master on its own connection (`Cluster#nodes`), never a replica (a replica's keys are
 *   its master's: scanning both would list keys twice), each master once.
 * - `nodes("master")` is not enough: when a master dies its connection leaves the pool at
 *   once, but its replica is listed as a master only after the next slot refresh, so for a
 *   while a scan of `nodes("master")` silently misses a third of the keys; and a master
 *   demoted to replica stays listed as a master until a refresh. So the store refreshes
 *   the slot map (`refreshSlotsCache`: one `CLUSTER SLOTS` on a short-lived connection),
 *   takes the master of each of the 16384 slots from it (a slot without one means a
 *   failover is under way: `unavailable`), checks each one's `ROLE`, scans, then asks
 *   again and scans the masters that took over meanwhile (a promoted replica), three
 *   rounds at most. A master that dies mid-scan fails the call (`unavailable`): a caller
 *   never gets a count or a listing that silently left out a shard.
 * - A multi-key command must name keys of one slot (`CROSSSLOT` otherwise), even on one
 *   node. `delPrefix` deletes a batch with one `UNLINK` when every key of the namespace
 *   shares a slot (the namespace tag, a `{tag}` in the prefix or in ioredis's `keyPrefix`:
 *   `sharedSlot`), else with one `UNLINK` per key in a pipeline on the node. Grouping
 *   spread keys by slot gains nothing measurable (a 1000-key batch of one node of three
 *   spans about 900 slots); one `UNLINK` per batch of a shared slot is 2 to 4 times faster
 *   than one per key.
 * - Scripts are cached per node and not replicated (Redis 7 replicates their effects), so
 *   a new master, or a replica promoted by a failover, answers `EVALSHA` with `NOSCRIPT`
 *   once; the store then sends the source with `EVAL`, routed by key like `EVALSHA`,
 *   which caches it on that node.
 * - During a failover ioredis retries a command that met a closed connection or
 *   `CLUSTERDOWN` every `retryDelayOnFailover` / `retryDelayOnClusterDown` ms (100) and
 *   follows `MOVED` after refreshing its slot map, giving up after `maxRedirections` (16)
 *   tries; while it has no connection for a slot it queues the command
 *   (`enableOfflineQueue`). None of this is bounded in time, so every call of the store
 *   runs under the store's own deadline (`timeoutMs`): it settles as a success,
 *   `unavailable` or `timeout` in time, and the same client carries on against the
 *   promoted replica. A call that timed out may still be applied by a later retry.
 * - ioredis follows `MOVED` for a pipeline only when every command of it failed alike, or
 *   the ones that did not are read-only. `waitReplicas` sends a write and `WAIT` in one
 *   pipeline (so `WAIT`, which names no key, goes to the write's node); a `MOVED` answer to
 *   the write is followed by the store itself: refresh the slot map, send again.
 * - Redis before 7.2 answers the `CLIENT SETINFO` ioredis sends on each new connection with
 *   `ERR unknown subcommand`; ioredis ignores it (an `errorstat_ERR` count grows).
 *
 * @module
 */

import { StateError } from "../core/errors.ts";
import { SLOT_COUNT } from "./_key_slot.ts";

/** The part of an ioredis `Cluster` this module uses. */
export interface SlotMap<Node> {
  /** Per slot, the node keys (`host:port`) serving it, master first. */
  readonly slots: readonly (readonly string[] | undefined)[];
  /** Asks a node for the slot map (`CLUSTER SLOTS`) and updates `slots` and the pool. */
  refreshSlotsCache(callback: (error?: Error | null) => void): void;
  /** The connections of the pool. */
  nodes(role: "all"): Node[];
}

/** One master to scan. */
export interface Master<Node> {
  /** Its node key, `host:port`. */
  readonly key: string;
  /** Its connection. */
  readonly node: Node;
}

/** Refreshes the slot map of `cluster`. */
export function refreshSlots<Node>(cluster: SlotMap<Node>): Promise<void> {
  return new Promise((resolve, reject) => {
    cluster.refreshSlotsCache((error) => error ? reject(error) : resolve());
  });
}

/** The node key ioredis gives a connection: `host:port`. */
function nodeKey(node: unknown): string {
  const options = (node as { options?: { host?: unknown; port?: unknown } }).options;
  return `${options?.host}:${options?.port}`;
}

/**
 * The masters serving `slot` (every slot when `null`), each once, from the slot map as it
 * is now.
 *
 * @throws {StateError} `unavailable` when a slot has no master or its master has no
 *   connection.
 */
export function mastersOf<Node>(cluster: SlotMap<Node>, slot: number | null): Master<Node>[] {
  const pool = new Map<string, Node>();
  for (const node of cluster.nodes("all")) pool.set(nodeKey(node), node);
  const found = new Map<string, Node>();
  const first = slot ?? 0;
  const last = slot ?? SLOT_COUNT - 1;
  let previous: string | undefined;
  for (let s = first; s <= last; s++) {
    const key = cluster.slots[s]?.[0];
    if (key !== undefined && key === previous) continue; // slots come in long runs
    const node = key === undefined ? undefined : pool.get(key);
    if (key === undefined || node === undefined) {
      throw new StateError(
        "unavailable",
        `Redis Cluster has no reachable master for hash slot ${s}: a failover is under way ` +
          `or not every slot is assigned; retry later`,
      );
    }
    found.set(key, node);
    previous = key;
  }
  return [...found].map(([key, node]) => ({ key, node }));
}
