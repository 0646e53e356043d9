/**
 * The SQLite baseline, written by hand with the same driver (`node:sqlite`) and settings
 * (a file in WAL mode, `synchronous = FULL`) as this project's SQLite store: one row per
 * document, prepared statements, `JSON.parse` / `JSON.stringify`, and a path write as a
 * read, a change in JS and a write in one `BEGIN IMMEDIATE` transaction.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { BenchEnv, Connection, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";

/** `node:sqlite` with prepared statements. */
export function rawSqlite(env: BenchEnv): Target {
  return {
    name: "node:sqlite by hand",
    group: "sqlite",
    role: "baseline",
    baselineFor: ["get", "get-path", "set", "set-path", "del", "clear"],
    clearMethod: "DELETE WHERE ns = ?",
    async connect() {
      const dir = await Deno.makeTempDir({ prefix: `bench-${env.runId}-raw-` });
      const db = new DatabaseSync(`${dir}/raw.db`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec(`CREATE TABLE docs (
        ns TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, deadline INTEGER,
        PRIMARY KEY (ns, key))`);
      const select = db.prepare("SELECT json FROM docs WHERE ns = ? AND key = ?");
      const upsert = db.prepare(`INSERT INTO docs (ns, key, json, deadline) VALUES (?, ?, ?, ?)
        ON CONFLICT (ns, key) DO UPDATE SET json = excluded.json, deadline = excluded.deadline`);
      const update = db.prepare("UPDATE docs SET json = ? WHERE ns = ? AND key = ?");
      const insert = db.prepare("INSERT INTO docs (ns, key, json) VALUES (?, ?, ?)");
      const remove = db.prepare("DELETE FROM docs WHERE ns = ? AND key = ?");
      const removeNs = db.prepare("DELETE FROM docs WHERE ns = ?");
      const read = (ns: string, key: string) => {
        const row = select.get(ns, key) as { json: string } | undefined;
        return row === undefined ? undefined : JSON.parse(row.json);
      };
      const connection: Connection = {
        space: (ns) => ({
          get: (key) => read(ns, key),
          getPath: (key, path) => pick(read(ns, key), path.segments),
          set: (key, doc, ttlSecs) =>
            upsert.run(ns, key, JSON.stringify(doc), Date.now() + ttlSecs * 1000),
          setPath(key, path, value) {
            db.exec("BEGIN IMMEDIATE");
            try {
              const doc = read(ns, key);
              const json = JSON.stringify(assign(doc, path.segments, value));
              if (doc === undefined) insert.run(ns, key, json);
              else update.run(json, ns, key);
              db.exec("COMMIT");
            } catch (error) {
              db.exec("ROLLBACK");
              throw error;
            }
          },
          del: (key) => remove.run(ns, key).changes > 0,
          clear: () => Promise.resolve(removeNs.run(ns).changes),
        }),
        async close() {
          db.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
      return connection;
    },
  };
}
