// The late-event guard. It must compare and set atomically per key, or two writers (or a late event racing a
// fresh one) could both read the old value and the older write could land last; a Lua script runs atomically
// on the server, in one round trip. It takes exactly ONE key so that it is valid on a cluster (a script may
// only touch keys of one slot), and all the writes to that hash as (field, eventTime, encoded value) triples.
// A write is applied only if nothing is stored or the stored event time is strictly older: an equal event
// time is a replay, not news. A stored value whose event time cannot be parsed (written around the service)
// counts as absent, so the next write repairs it. Returns 1/0 per triple, in order.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

const GUARDED_SET_LUA = `
local applied = {}
for i = 1, #ARGV, 3 do
  local field = ARGV[i]
  local eventTime = tonumber(ARGV[i + 1])
  local current = redis.call('HGET', KEYS[1], field)
  local stored = nil
  if current then
    local sep = string.find(current, '|', 1, true)
    if sep then stored = tonumber(string.sub(current, 1, sep - 1)) end
  end
  if stored == nil or stored < eventTime then
    redis.call('HSET', KEYS[1], field, ARGV[i + 2])
    applied[#applied + 1] = 1
  else
    applied[#applied + 1] = 0
  end
end
return applied
`;

/** Defined with defineCommand: ioredis sends EVALSHA, and the script body once per connection (EVAL) to load it. */
const GUARDED_SET = 'frGuardedSet';
type WithGuardedSet = { [GUARDED_SET](key: string, ...fieldTimeValueTriples: string[]): unknown };

/** Makes the guarded set available on every pipeline of `client`. */
export function defineGuardedSet(client: Redis | Cluster): void {
  client.defineCommand(GUARDED_SET, { numberOfKeys: 1, lua: GUARDED_SET_LUA });
}

/**
 * Queues a guarded set of `hash`: `fieldTimeValueTriples` are (ref, eventTime, encoded value) triples. Its reply
 * is 1 (applied) or 0 (not newer than what is stored) per triple.
 */
export function guardedSet(pipeline: ChainableCommander, hash: string, fieldTimeValueTriples: readonly string[]): unknown {
  return (pipeline as unknown as WithGuardedSet)[GUARDED_SET](hash, ...fieldTimeValueTriples);
}
