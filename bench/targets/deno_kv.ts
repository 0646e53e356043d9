/**
 * Deno KV (`:memory:`) as a peer, through its public API. Path reads are whole reads, path
 * writes get + change + set; a namespace is deleted by listing its prefix and deleting in
 * atomic batches of 1000 (the most one atomic operation takes).
 *
 * @module
 */

import type { Connection, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";

/** `Deno.openKv(":memory:")`; needs `--unstable-kv`. */
export function denoKv(): Target {
  return {
    name: `Deno KV ${Deno.version.deno} :memory:`,
    group: "memory",
    role: "peer",
    clearMethod: "list + atomic delete",
    async connect() {
      const kv = await Deno.openKv(":memory:");
      const connection: Connection = {
        space(name) {
          return {
            get: async (key) => (await kv.get([name, key])).value,
            getPath: async (key, path) => pick((await kv.get([name, key])).value, path.segments),
            set: (key, doc, ttlSecs) => kv.set([name, key], doc, { expireIn: ttlSecs * 1000 }),
            async setPath(key, path, value) {
              const doc = assign((await kv.get([name, key])).value, path.segments, value);
              await kv.set([name, key], doc);
            },
            del: (key) => kv.delete([name, key]),
            async clear() {
              let deleted = 0;
              let batch = kv.atomic();
              let inBatch = 0;
              for await (const entry of kv.list({ prefix: [name] })) {
                batch.delete(entry.key);
                deleted++;
                if (++inBatch === 1000) {
                  await batch.commit();
                  batch = kv.atomic();
                  inBatch = 0;
                }
              }
              if (inBatch > 0) await batch.commit();
              return deleted;
            },
          };
        },
        close: () => Promise.resolve(kv.close()),
      };
      return connection;
    },
  };
}
