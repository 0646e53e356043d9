/**
 * The benchmark's workload: realistic flow-state documents of about 100 B, 1 KB and
 * 100 KB, the paths read and written in them, and the plain-JavaScript path helpers a
 * peer's user writes when the peer has no path API.
 *
 * @module
 */

import type { JsonValue } from "../mod.ts";

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The document sizes of the scaling table. */
export type DocSize = "100B" | "1KB" | "100KB";

/** All document sizes, smallest first. */
export const DOC_SIZES: readonly DocSize[] = ["100B", "1KB", "100KB"];

/** A JSON Pointer with its unescaped tokens. */
export interface PathSpec {
  /** The pointer, such as `/nodes/classify/output`. */
  readonly pointer: string;
  /** Its tokens, such as `["nodes", "classify", "output"]`. */
  readonly segments: readonly string[];
}

/** What every target reads and writes, for one document size. */
export interface Workload {
  /** The size label. */
  readonly size: DocSize;
  /** The document written by whole-document `set`. */
  readonly doc: JsonObject;
  /** `JSON.stringify(doc)`, for seeding raw stores. */
  readonly json: string;
  /** Its length in UTF-8 bytes. */
  readonly bytes: number;
  /** The part read by `get-path`: a node's output object. */
  readonly readPath: PathSpec;
  /** The part written by `set-path`: another node's output object. */
  readonly writePath: PathSpec;
  /** The values written at `writePath`, used in turn. */
  readonly writeValues: readonly JsonObject[];
}

/** The TTL of whole-document writes, in seconds. */
export const TTL_SECS = 3600;

const READ_PATH: PathSpec = {
  pointer: "/nodes/classify/output",
  segments: ["nodes", "classify", "output"],
};
const WRITE_PATH: PathSpec = {
  pointer: "/nodes/reply/output",
  segments: ["nodes", "reply", "output"],
};

const encoder = new TextEncoder();

/** Builds the workload of one document size. */
export function workload(size: DocSize): Workload {
  const doc = size === "100B" ? smallDoc() : flowDoc(size === "1KB" ? 1024 : 100 * 1024);
  const json = JSON.stringify(doc);
  const writeValues = Array.from({ length: 16 }, (_, i) => ({
    text: `Your invoice INV-${20_000 + i} was sent to the billing address on file.`,
    tokens: 40 + i,
    ms: 250 + 7 * i,
  }));
  return {
    size,
    doc,
    json,
    bytes: encoder.encode(json).length,
    readPath: READ_PATH,
    writePath: WRITE_PATH,
    writeValues,
  };
}

/** The ~100 B variant: status, a counter, the two nodes the paths address, an array. */
function smallDoc(): JsonObject {
  return {
    status: "running",
    step: 3,
    nodes: { classify: { output: { label: "billing" } }, reply: { output: null } },
    log: [1, 2],
  };
}

/**
 * A flow-state document of about `target` bytes: status, timestamps, counters, variables,
 * nested node outputs and an event history array grown until the size is reached.
 */
function flowDoc(target: number): JsonObject {
  const history: JsonValue[] = [];
  const doc: JsonObject = {
    flowId: "flow-7f3a9c2e",
    status: "running",
    step: 4,
    startedAt: "2026-12-03T10:15:00.000Z",
    updatedAt: "2026-12-03T10:15:02.412Z",
    counters: { retries: 1, tokens: 1834, calls: 12 },
    vars: { locale: "en-GB", channel: "webchat", tier: "gold", vip: false },
    nodes: {
      fetch: { status: "done", ms: 84, output: { httpStatus: 200, bytes: 5123 } },
      classify: { status: "done", ms: 312, output: { label: "billing", score: 0.93 } },
      reply: { status: "pending", output: null },
    },
    history,
  };
  const nodes = ["start", "fetch", "classify", "route", "reply", "wait"];
  for (let i = 0; JSON.stringify(doc).length < target - 60; i++) {
    history.push({
      node: nodes[i % nodes.length]!,
      at: `2026-12-03T10:15:${String(i % 60).padStart(2, "0")}.${
        String(i % 1000).padStart(3, "0")
      }Z`,
      ok: i % 7 !== 3,
    });
  }
  return doc;
}

/**
 * Returns the part of `doc` at `segments`, or `undefined`: what a user of a store without
 * path reads writes after reading the whole document.
 */
export function pick(doc: unknown, segments: readonly string[]): unknown {
  let current = doc;
  for (const token of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

/**
 * Sets `value` at `segments` in `doc`, creating missing objects: what a user of a store
 * without path writes does between the read and the write back. Returns the document.
 */
export function assign(doc: unknown, segments: readonly string[], value: unknown): JsonObject {
  const root = (doc !== null && typeof doc === "object" ? doc : {}) as Record<string, unknown>;
  let current = root;
  for (let i = 0; i < segments.length - 1; i++) {
    let child = current[segments[i]!];
    if (child === null || typeof child !== "object") current[segments[i]!] = child = {};
    current = child as Record<string, unknown>;
  }
  current[segments[segments.length - 1]!] = value;
  return root as JsonObject;
}
