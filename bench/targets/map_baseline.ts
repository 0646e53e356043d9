/**
 * The in-memory baseline: a `Map` of JSON strings with `JSON.parse` / `JSON.stringify`,
 * the cheapest store that is safe from callers changing what they stored or read.
 *
 * @module
 */

import type { Connection, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";

/** A `Map<string, string>`; path reads and writes parse, change and stringify in JS. */
export function mapBaseline(): Target {
  return {
    name: "Map+JSON",
    group: "memory",
    role: "baseline",
    baselineFor: ["get", "get-path", "set", "set-path", "del", "clear"],
    clearMethod: "scan Map keys",
    note: "Map+JSON keeps no TTL and checks nothing: the floor, not a usable store.",
    connect() {
      const map = new Map<string, string>();
      const parse = (json: string | undefined) => json === undefined ? undefined : JSON.parse(json);
      const connection: Connection = {
        space(name) {
          const ns = `${name}:`;
          return {
            get: (key) => parse(map.get(ns + key)),
            getPath: (key, path) => pick(parse(map.get(ns + key)), path.segments),
            set: (key, doc) => void map.set(ns + key, JSON.stringify(doc)),
            setPath(key, path, value) {
              const k = ns + key;
              map.set(k, JSON.stringify(assign(parse(map.get(k)), path.segments, value)));
            },
            del: (key) => map.delete(ns + key),
            clear() {
              let deleted = 0;
              for (const key of map.keys()) {
                if (key.startsWith(ns)) {
                  map.delete(key);
                  deleted++;
                }
              }
              return Promise.resolve(deleted);
            },
          };
        },
        close() {
          map.clear();
          return Promise.resolve();
        },
      };
      return Promise.resolve(connection);
    },
  };
}
