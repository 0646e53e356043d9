/**
 * The Lua scripts of the Redis backend, with their key counts and SHA1 digests.
 *
 * Scripts only compare and set strings: documents are patched in JavaScript, never with
 * cjson, which rounds numbers to 14 digits, turns `[]` into `{}` and reorders members.
 *
 * @module
 */

/** A Lua script, run with `EVALSHA` and sent again with `EVAL` after `NOSCRIPT`. */
export interface LuaScript {
  /** The Lua source. */
  readonly lua: string;
  /** How many of the arguments are keys. */
  readonly keys: number;
  /** The SHA1 of the source, as Redis names the script. */
  readonly sha: string;
}

// The SHA1 is written out (a test checks it) so this module needs no crypto at load time:
// it is part of `mod.ts`, which also runs where `node:crypto` does not exist.
function script(lua: string, keys: number, sha: string): LuaScript {
  return Object.freeze({ lua, keys, sha });
}

/**
 * Compare-and-set of a whole document string, the commit step of a path write.
 *
 * `KEYS[1]` the storage key. `ARGV[1]` the new document. `ARGV[2]` the TTL: `k` keeps the
 * remaining TTL as of this commit, `p` persists, else milliseconds to set. `ARGV[3]` the
 * document the change was computed from; when absent the key must be missing (expired
 * keys are missing). Returns 1 when written, 0 when the document changed meanwhile.
 */
export const CAS_SET: LuaScript = script(
  `local old = redis.call('GET', KEYS[1])
if #ARGV == 3 then
  if old ~= ARGV[3] then return 0 end
elseif old then
  return 0
end
local ttl = ARGV[2]
if ttl == 'k' then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
elseif ttl == 'p' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
end
return 1`,
  1,
  "d0401712c8100fa64be2fb16ed8e1eb0c3d8bacb",
);
