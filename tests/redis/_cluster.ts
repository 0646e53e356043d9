/**
 * Starts a throwaway Redis Cluster on loopback for the cluster tests: `redis-server`
 * processes with `cluster-enabled yes` in a temporary folder, joined by
 * `redis-cli --cluster create`, and stopped by PID when the cluster is disposed.
 *
 * ```ts
 * await using cluster = await startCluster(); // 3 masters + 3 replicas
 * const report = await cluster.killMaster(); // SIGKILL, wait for the promotion
 * ```
 *
 * Every server runs under `setpriv --pdeathsig KILL` when `setpriv` exists, so even a test
 * process that dies without running its `finally` blocks leaves no server behind.
 * Control goes through `redis-cli` (no client library): the helper must not depend on the
 * code under test.
 *
 * @module
 */

import assert from "node:assert/strict";

/** Options of {@linkcode startCluster}. */
export interface LocalClusterOptions {
  /** Number of masters (slots are split evenly). @default 3 */
  masters?: number;
  /** Replicas per master. @default 1 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in ms: how long a node may be unreachable before it is suspected
   * failing. A failover takes about twice this. @default 1000
   */
  nodeTimeoutMs?: number;
  /** How long startup may take before it fails, in ms. @default 60000 */
  startTimeoutMs?: number;
  /** Extra `redis.conf` lines for every node, such as `cluster-require-full-coverage no`. */
  extraConfig?: readonly string[];
}

/** One `redis-server` of the cluster. */
export interface ClusterNode {
  /** Client port on 127.0.0.1. */
  readonly port: number;
  /** Cluster bus port on 127.0.0.1. */
  readonly busPort: number;
  /** `redis://127.0.0.1:port`. */
  readonly url: string;
  /** The node's folder (config, `nodes.conf`, log). */
  readonly dir: string;
  /** The cluster node id (40 hex digits), known once the node is up. */
  id: string;
  /** PID of the running `redis-server`; `null` once it has been stopped or killed. */
  pid: number | null;
  /** Every PID this node has had (a restart adds one). */
  readonly pids: number[];
}

/** One line of `CLUSTER NODES`, parsed. */
export interface NodeView {
  /** Node id. */
  id: string;
  /** Client port. */
  port: number;
  /** Flags such as `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`. */
  flags: string[];
  /** Master's node id for a replica, `null` for a master. */
  masterId: string | null;
  /** `connected` or `disconnected`. */
  link: string;
  /** Slot ranges served, as `[first, last]` pairs. */
  slots: [number, number][];
}

/** What {@linkcode LocalCluster.killMaster} observed. */
export interface FailoverReport {
  /** The master that was killed. */
  killed: ClusterNode;
  /** Its replica, now master. */
  promoted: ClusterNode;
  /** Time from the SIGKILL until the replica reported itself master, in ms. */
  promotedAfterMs: number;
  /** Time from the SIGKILL until every live node agreed and reported `cluster_state:ok`, in ms. */
  settledAfterMs: number;
}

const HOST = "127.0.0.1";
const SLOTS = 16384;
const POLL_MS = 25;

let setprivChecked: boolean | undefined;

/** Whether `setpriv --pdeathsig` can wrap the servers (util-linux, Linux only). */
async function hasSetpriv(): Promise<boolean> {
  if (setprivChecked !== undefined) return setprivChecked;
  try {
    const out = await new Deno.Command("setpriv", {
      args: ["--pdeathsig", "KILL", "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    setprivChecked = out.success;
  } catch {
    setprivChecked = false;
  }
  return setprivChecked;
}

/** Reserves `count` distinct free loopback ports by binding them all at once, then releases them. */
function freePorts(count: number): number[] {
  const listeners = Array.from({ length: count }, () => Deno.listen({ hostname: HOST, port: 0 }));
  try {
    return listeners.map((l) => (l.addr as Deno.NetAddr).port);
  } finally {
    for (const l of listeners) l.close();
  }
}

/**
 * Free client ports whose bus ports (`port + 10000`, fixed before Redis 7) are free too:
 * random candidates in 20000-55000, both ends bound at once, then released.
 */
function freePortPairs(count: number): number[] {
  const held: Deno.Listener[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const port = 20000 + Math.floor(Math.random() * 35000);
      try {
        const a = Deno.listen({ hostname: HOST, port });
        try {
          held.push(Deno.listen({ hostname: HOST, port: port + 10000 }));
          held.push(a);
          ports.push(port);
        } catch {
          a.close();
        }
      } catch { /* taken: try another */ }
    }
    return ports;
  } finally {
    for (const l of held) l.close();
  }
}

let serverMajor: number | undefined;

/** The major version of `redis-server` (`cluster-port` exists from 7). */
async function redisMajor(): Promise<number> {
  if (serverMajor !== undefined) return serverMajor;
  const out = await new Deno.Command("redis-server", { args: ["--version"], stdout: "piped" })
    .output();
  serverMajor = Number(/v=(\d+)\./.exec(new TextDecoder().decode(out.stdout))?.[1] ?? 7);
  return serverMajor;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `redis-cli -p port args...` and returns its stdout; throws on a non-zero exit. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", HOST, "-p", String(port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `redis-cli -p ${port} ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr).trim() || text.trim()
      }`,
    );
  }
  return text;
}

/** Parses `key:value` lines of `INFO` or `CLUSTER INFO`. */
export function parseInfo(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) map.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return map;
}

/** Parses the output of `CLUSTER NODES`. */
export function parseClusterNodes(text: string): NodeView[] {
  const views: NodeView[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [id, addr, flags, master, , , , link, ...slots] = line.trim().split(" ");
    assert.ok(id && addr && flags && master && link, `Cannot parse CLUSTER NODES line ${line}`);
    const port = Number(addr.split("@")[0]!.split(":").at(-1));
    views.push({
      id,
      port,
      flags: flags.split(","),
      masterId: master === "-" ? null : master,
      link,
      slots: slots.filter((s) => !s.startsWith("[")).map((s) => {
        const [first, last] = s.split("-");
        return [Number(first), Number(last ?? first)];
      }),
    });
  }
  return views;
}

class NodeProcess {
  readonly child: Deno.ChildProcess;
  readonly done: Promise<Deno.CommandOutput>;
  exited = false;

  constructor(node: ClusterNode, wrap: boolean) {
    const conf = `${node.dir}/redis.conf`;
    const command = wrap ? "setpriv" : "redis-server";
    const args = wrap ? ["--pdeathsig", "KILL", "redis-server", conf] : [conf];
    this.child = new Deno.Command(command, {
      args,
      cwd: node.dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // output() collects the (small: the log goes to a file) stdout/stderr and reaps the process.
    this.done = this.child.output().finally(() => {
      this.exited = true;
    });
  }
}

/**
 * A running local cluster. Dispose it (`await using`) or call {@linkcode LocalCluster.stop}
 * in a `finally`: every server is then stopped by PID and the folder removed.
 */
export class LocalCluster implements AsyncDisposable {
  /** All nodes, masters first as created (roles change on failover: see {@linkcode topology}). */
  readonly nodes: readonly ClusterNode[];
  /** The temporary folder holding one sub-folder per node. */
  readonly dir: string;
  /** How long startup took, in ms (processes, cluster create, convergence, replica sync). */
  startupMs = 0;
  #procs = new Map<ClusterNode, NodeProcess>();
  #wrap: boolean;
  #stopped = false;

  /** Use {@linkcode startCluster}. */
  constructor(dir: string, nodes: ClusterNode[], wrap: boolean) {
    this.dir = dir;
    this.nodes = nodes;
    this.#wrap = wrap;
  }

  /** URLs of every node, for cluster clients' startup nodes. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** The live nodes. */
  get liveNodes(): ClusterNode[] {
    return this.nodes.filter((n) => n.pid !== null);
  }

  /** Runs `redis-cli` against `node`. */
  cli(node: ClusterNode, ...args: string[]): Promise<string> {
    return cli(node.port, ...args);
  }

  /** Starts the `redis-server` of `node` (its config is already written). */
  spawn(node: ClusterNode): void {
    const proc = new NodeProcess(node, this.#wrap);
    this.#procs.set(node, proc);
    node.pid = proc.child.pid;
    node.pids.push(proc.child.pid);
  }

  /** Waits until `node` answers PING; fails early with its log if the process exits. */
  async waitUp(node: ClusterNode, deadline: number): Promise<void> {
    const proc = this.#procs.get(node);
    while (true) {
      if (proc?.exited) {
        const out = await proc.done;
        const log = await Deno.readTextFile(`${node.dir}/redis.log`).catch(() => "");
        throw new Error(
          `redis-server on port ${node.port} exited (${out.code}): ${
            new TextDecoder().decode(out.stderr).trim()
          } ${log.split("\n").slice(-5).join("\n")}`,
        );
      }
      try {
        if ((await this.cli(node, "PING")).trim() === "PONG") return;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${node.port} did not start`);
      await sleep(POLL_MS);
    }
  }

  /** `CLUSTER NODES` as seen by `node`. */
  async view(node: ClusterNode): Promise<NodeView[]> {
    return parseClusterNodes(await this.cli(node, "CLUSTER", "NODES"));
  }

  /** The current masters and replicas, as seen by a live node; failed nodes are left out. */
  async topology(): Promise<{ masters: ClusterNode[]; replicas: ClusterNode[] }> {
    const live = this.liveNodes[0];
    assert.ok(live, "No live node");
    const views = (await this.view(live)).filter((v) =>
      !v.flags.includes("fail") && this.liveNodes.some((n) => n.port === v.port)
    );
    const byPort = (v: NodeView) => this.nodes.find((n) => n.port === v.port)!;
    return {
      masters: views.filter((v) => v.flags.includes("master")).map(byPort),
      replicas: views.filter((v) => v.flags.includes("slave")).map(byPort),
    };
  }

  /** Slot ranges served by each current master, by port. */
  async slotsByMaster(): Promise<Map<number, [number, number][]>> {
    const live = this.liveNodes[0];
    assert.ok(live, "No live node");
    const map = new Map<number, [number, number][]>();
    for (const v of await this.view(live)) {
      if (v.flags.includes("master") && !v.flags.includes("fail")) map.set(v.port, v.slots);
    }
    return map;
  }

  /** The node serving `slot` now. */
  async masterOfSlot(slot: number): Promise<ClusterNode> {
    for (const [port, ranges] of await this.slotsByMaster()) {
      if (ranges.some(([a, b]) => slot >= a && slot <= b)) {
        return this.nodes.find((n) => n.port === port)!;
      }
    }
    throw new Error(`No master serves slot ${slot}`);
  }

  /** The slot of `key`, computed by the server (`CLUSTER KEYSLOT`). */
  async keySlot(key: string): Promise<number> {
    const live = this.liveNodes[0];
    assert.ok(live, "No live node");
    return Number((await this.cli(live, "CLUSTER", "KEYSLOT", key)).trim());
  }

  /**
   * Why the cluster is not yet healthy, or `null` when it is: every live node says
   * `cluster_state:ok` with all slots, all live nodes hold the same view, every live master
   * has `replicasPerMaster` live replicas that are in sync.
   */
  async problem(replicasPerMaster: number): Promise<string | null> {
    const live = this.liveNodes;
    let reference: string | null = null;
    for (const node of live) {
      let info: Map<string, string>;
      let views: NodeView[];
      try {
        info = parseInfo(await this.cli(node, "CLUSTER", "INFO"));
        views = await this.view(node);
      } catch (error) {
        return `port ${node.port}: ${error}`;
      }
      if (info.get("cluster_state") !== "ok") return `port ${node.port}: cluster_state not ok`;
      if (info.get("cluster_slots_ok") !== String(SLOTS)) {
        return `port ${node.port}: cluster_slots_ok ${info.get("cluster_slots_ok")}`;
      }
      const myself = views.find((v) => v.flags.includes("myself"));
      if (myself) node.id = myself.id;
      const liveViews = views.filter((v) => live.some((n) => n.port === v.port));
      const bad = liveViews.find((v) =>
        v.flags.some((f) => f === "fail" || f === "fail?" || f === "handshake" || f === "noaddr") ||
        v.link !== "connected"
      );
      if (bad) return `port ${node.port} sees port ${bad.port} as ${bad.flags} ${bad.link}`;
      if (liveViews.length !== live.length) return `port ${node.port} does not know every node`;
      const summary = liveViews.map((v) =>
        `${v.port}:${v.flags.includes("master") ? "M" : "S"}:${
          v.masterId ?? v.slots.map((s) => s.join("-")).join(",")
        }`
      ).sort().join(" ");
      if (reference === null) reference = summary;
      else if (summary !== reference) return `views differ: ${reference} / ${summary}`;
    }
    const { masters, replicas } = await this.topology();
    for (const master of masters) {
      const info = parseInfo(await this.cli(master, "INFO", "replication"));
      if (info.get("role") !== "master") return `port ${master.port} is not yet master`;
      const online = [...info.entries()].filter(([k, v]) =>
        /^slave\d+$/.test(k) && v.includes("state=online")
      ).length;
      if (online < replicasPerMaster) {
        return `port ${master.port} has ${online} online replicas`;
      }
    }
    for (const replica of replicas) {
      const info = parseInfo(await this.cli(replica, "INFO", "replication"));
      if (info.get("master_link_status") !== "up" || info.get("master_sync_in_progress") !== "0") {
        return `replica ${replica.port} is not in sync`;
      }
    }
    return null;
  }

  /** Waits until {@linkcode problem} is `null`. */
  async waitHealthy(replicasPerMaster: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: string | null = "not checked";
    while (Date.now() < deadline) {
      last = await this.problem(replicasPerMaster);
      if (last === null) return;
      await sleep(POLL_MS);
    }
    throw new Error(`The cluster did not become healthy in ${timeoutMs} ms: ${last}`);
  }

  /**
   * Kills `node` with `signal` and waits until the process is gone (reaped).
   *
   * @returns The PID that was killed.
   */
  async kill(node: ClusterNode, signal: Deno.Signal = "SIGKILL"): Promise<number> {
    const proc = this.#procs.get(node);
    assert.ok(proc && node.pid !== null, `Node ${node.port} is not running`);
    const pid = node.pid;
    if (!proc.exited) {
      try {
        proc.child.kill(signal);
      } catch { /* already gone */ }
    }
    await proc.done;
    node.pid = null;
    return pid;
  }

  /** Sends `signal` to the server of `node` (SIGSTOP freezes it, SIGCONT thaws it). */
  signal(node: ClusterNode, signal: Deno.Signal): void {
    const proc = this.#procs.get(node);
    assert.ok(proc && !proc.exited, `Node ${node.port} is not running`);
    proc.child.kill(signal);
  }

  /** The replica of `master`, as a live node sees it. */
  async replicaOf(master: ClusterNode): Promise<ClusterNode> {
    const live = this.liveNodes.find((n) => n !== master) ?? master;
    const views = await this.view(live);
    const id = views.find((v) => v.port === master.port)?.id;
    const replica = views.find((v) => v.masterId === id && !v.flags.includes("fail"));
    assert.ok(id && replica, `Master ${master.port} has no replica`);
    return this.nodes.find((n) => n.port === replica.port)!;
  }

  /**
   * SIGKILLs a master (by default the one serving slot 0) and waits until its replica is
   * promoted and every live node agrees again.
   *
   * @param master The master to kill.
   * @param timeoutMs How long the promotion may take.
   * @param afterKill Runs right after the kill, before waiting (to thaw a frozen replica).
   */
  async killMaster(
    master?: ClusterNode,
    timeoutMs = 30_000,
    afterKill: () => void = () => {},
  ): Promise<FailoverReport> {
    const victim = master ?? await this.masterOfSlot(0);
    const live = this.liveNodes.find((n) => n !== victim);
    assert.ok(live, "No other live node");
    const views = await this.view(live);
    const victimView = views.find((v) => v.port === victim.port);
    if (!victimView?.flags.includes("master")) {
      throw new Error(`Port ${victim.port} is not a master`);
    }
    const replicaView = views.find((v) =>
      v.masterId === victimView.id && !v.flags.includes("fail")
    );
    assert.ok(replicaView, `Master ${victim.port} has no live replica`);
    const promoted = this.nodes.find((n) => n.port === replicaView.port)!;

    const start = performance.now();
    await this.kill(victim, "SIGKILL");
    afterKill();
    const deadline = Date.now() + timeoutMs;
    let promotedAfterMs = -1;
    while (Date.now() < deadline) {
      const role = await this.cli(promoted, "ROLE").catch(() => "");
      if (role.startsWith("master")) {
        promotedAfterMs = performance.now() - start;
        break;
      }
      await sleep(POLL_MS);
    }
    if (promotedAfterMs < 0) {
      throw new Error(`Replica ${promoted.port} was not promoted within ${timeoutMs} ms`);
    }
    await this.waitHealthy(0, Math.max(1, deadline - Date.now()));
    return { killed: victim, promoted, promotedAfterMs, settledAfterMs: performance.now() - start };
  }

  /**
   * Restarts a stopped node from its folder; it rejoins (a killed master comes back as a
   * replica of its promoted replica). Waits until the cluster is healthy with
   * `replicasPerMaster` replicas per master.
   */
  async restart(node: ClusterNode, replicasPerMaster = 1, timeoutMs = 30_000): Promise<void> {
    assert.equal(node.pid, null, `Node ${node.port} is running`);
    const deadline = Date.now() + timeoutMs;
    this.spawn(node);
    await this.waitUp(node, deadline);
    await this.waitHealthy(replicasPerMaster, Math.max(1, deadline - Date.now()));
  }

  /** Stops every server by PID (SIGKILL: nothing is kept on disk anyway) and removes the folder. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const errors: unknown[] = [];
    await Promise.all(this.nodes.map(async (node) => {
      const proc = this.#procs.get(node);
      if (!proc) return;
      try {
        if (!proc.exited) proc.child.kill("SIGKILL");
      } catch (error) {
        if (!proc.exited) errors.push(error);
      }
      await proc.done;
      node.pid = null;
    }));
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    if (errors.length > 0) throw new AggregateError(errors, "Could not stop every redis-server");
  }

  /** Same as {@linkcode stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

function nodeConfig(node: ClusterNode, nodeTimeoutMs: number, extra: readonly string[]): string {
  return [
    `port ${node.port}`,
    ...(node.busPort === node.port + 10000 ? [] : [`cluster-port ${node.busPort}`]),
    `bind ${HOST}`,
    "daemonize no",
    `dir ${node.dir}`,
    "logfile redis.log",
    "cluster-enabled yes",
    "cluster-config-file nodes.conf",
    `cluster-node-timeout ${nodeTimeoutMs}`,
    // A replica may always fail over, however long it has been cut off (tests kill at will).
    "cluster-replica-validity-factor 0",
    // Keep the topology the test made: no replica wanders to another master.
    "cluster-allow-replica-migration no",
    'save ""',
    "appendonly no",
    // Full syncs without the default 5 s wait for more replicas: startup is faster.
    "repl-diskless-sync yes",
    "repl-diskless-sync-delay 0",
    "repl-ping-replica-period 1",
    ...extra,
    "",
  ].join("\n");
}

/**
 * Starts a local cluster and waits until it is healthy (slots covered, views agreed, replicas
 * in sync). Retries with new ports if a port was taken meanwhile.
 *
 * @param options Shape and timing of the cluster.
 * @returns The running cluster; dispose it.
 */
export async function startCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const wrap = await hasSetpriv();
  const started = performance.now();
  const deadline = Date.now() + startTimeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && Date.now() < deadline; attempt++) {
    const count = masters * (1 + replicasPerMaster);
    const dir = await Deno.makeTempDir({ prefix: "greentic-cluster-" });
    // Redis 7 takes any bus port (cluster-port); before, it is always port + 10000.
    const pairs = (await redisMajor()) >= 7 ? null : freePortPairs(count);
    const ports = pairs === null
      ? freePorts(count * 2)
      : [...pairs, ...pairs.map((p) => p + 10000)];
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < count; i++) {
      const port = ports[i]!;
      const nodeDir = `${dir}/${port}`;
      await Deno.mkdir(nodeDir);
      nodes.push({
        port,
        busPort: ports[count + i]!,
        url: `redis://${HOST}:${port}`,
        dir: nodeDir,
        id: "",
        pid: null,
        pids: [],
      });
    }
    const cluster = new LocalCluster(dir, nodes, wrap);
    try {
      for (const node of nodes) {
        await Deno.writeTextFile(
          `${node.dir}/redis.conf`,
          nodeConfig(node, nodeTimeoutMs, options.extraConfig ?? []),
        );
        cluster.spawn(node);
      }
      await Promise.all(nodes.map((n) => cluster.waitUp(n, deadline)));
      const create = await new Deno.Command("redis-cli", {
        args: [
          "--cluster",
          "create",
          ...nodes.map((n) => `${HOST}:${n.port}`),
          "--cluster-replicas",
          String(replicasPerMaster),
          "--cluster-yes",
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      }).output();
      const text = new TextDecoder().decode(create.stdout);
      if (!create.success || !text.includes("All 16384 slots covered")) {
        throw new Error(
          `redis-cli --cluster create failed: ${text}${new TextDecoder().decode(create.stderr)}`,
        );
      }
      await cluster.waitHealthy(replicasPerMaster, Math.max(1, deadline - Date.now()));
      cluster.startupMs = performance.now() - started;
      return cluster;
    } catch (error) {
      lastError = error;
      await cluster.stop();
    }
  }
  throw new Error(`Could not start a local Redis Cluster: ${lastError}`, { cause: lastError });
}
