/**
 * The contract between the harness and what it measures: a target is one row provider (this
 * project on a backend, a baseline or a peer), made of a name, a way to connect, and the
 * operations on a namespace ("space") of keys.
 *
 * @module
 */

import type { JsonValue } from "../mod.ts";
import type { JsonObject, PathSpec } from "./workload.ts";

/** The single-key operations measured. */
export type OpName = "get" | "get-path" | "set" | "set-path" | "del";

/** Every single-key operation, in the order measured. */
export const OPS: readonly OpName[] = ["get", "get-path", "set", "set-path", "del"];

/** What a row is, for ratios and targets. */
export type Role = "ours" | "baseline" | "peer" | "reference";

/**
 * One namespace of keys in a target. Each operation may return a value or a promise; the
 * harness awaits both. An absent method is an operation the target does not offer.
 */
export interface Space {
  /** Reads a whole document. */
  get?(key: string): unknown;
  /** Reads the part of a document at `path`. */
  getPath?(key: string, path: PathSpec): unknown;
  /** Writes a whole document with a TTL. */
  set?(key: string, doc: JsonObject, ttlSecs: number): unknown;
  /** Writes `value` at `path` in a document, keeping its TTL where the target can. */
  setPath?(key: string, path: PathSpec, value: JsonValue): unknown;
  /** Deletes a document. */
  del?(key: string): unknown;
  /** Deletes every document of the space. */
  clear?(): Promise<unknown>;
  /** Writes a document for preparation (not timed); defaults to `set`. */
  seed?(key: string, doc: JsonObject, ttlSecs: number): unknown;
  /** Releases what the space holds of its own (a peer's per-namespace client). */
  close?(): Promise<void>;
}

/** A live connection of a target. */
export interface Connection {
  /** Opens the space `name`, unique within the run. */
  space(name: string): Space | Promise<Space>;
  /** Sends a `PING` on a separate client while a long `clear` runs (Redis only). */
  ping?(): Promise<unknown>;
  /** Closes everything the connection opened. */
  close(): Promise<void>;
}

/** A row provider. */
export interface Target {
  /** The row label within its group, such as `greentic` or `Map+JSON`. */
  readonly name: string;
  /** The group whose baseline the ratios use, such as `memory` or `redis ap=on`. */
  readonly group: string;
  /** Whether it is this project, a baseline, a peer, or a reference row. */
  readonly role: Role;
  /** The operations measured in the tables; by default every one its spaces offer. */
  readonly measures?: readonly OpName[];
  /** The operations this target is the baseline of, within its group. */
  readonly baselineFor?: readonly (OpName | "clear")[];
  /** What `clear` calls, for the table, such as `delPrefix` or `SCAN+UNLINK`. */
  readonly clearMethod?: string;
  /** A remark printed under the tables. */
  readonly note?: string;
  /** Connects; throws {@linkcode Unavailable} when the target cannot run here. */
  connect(): Promise<Connection>;
}

/** The run settings targets need. */
export interface BenchEnv {
  /** Random hex that every key and env id of the run contains. */
  readonly runId: string;
  /** The Redis server URL. */
  readonly redisUrl: string;
}

/** A target that cannot run here; the reason is printed and the row skipped. */
export class Unavailable extends Error {
  /** The error name. */
  override name = "Unavailable";
}

/** `group/name`, the label `--only` matches. */
export function targetLabel(target: Target): string {
  return `${target.group}/${target.name}`;
}
