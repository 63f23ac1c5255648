// Every hash a read needs from one node, read in ONE command: one script call whose reply is a single string.
// An HMGET per hash cost ioredis a command object, a promise, its arguments' encoding and a Buffer per field
// of the reply; at 100 keys a read, that was more of the service's time than Redis took to answer. One call
// with one joined reply costs that once. The call carries groups of hashes, each group with its own fields:
// a read of users and merchants asks each user hash for the user features and each merchant hash for the
// merchant ones, and is still one command per node. Two commands would need an ioredis pipeline, which costs
// more than its commands (node-batch.ts): a two-entity read of one row cost 1.8 times a one-entity read per
// value, most of it in that pipeline and in the GC it caused (rows bench, 2026-11-26).
//
// The reply joins the fields' values, group after group, hash after hash, with the ASCII record separator
// (RS, 0x1E), which this store never writes: a value is `<eventTime>|<ingestTime>|<JSON text>` and JSON text
// keeps control characters escaped. An absent field is the empty string; a present empty field (never written
// by this store, only around it) becomes `|`, which decodeValue refuses as it refused the empty string. A value
// someone wrote around the store with an RS in it would split wrongly: the count of parts then differs from the
// fields asked for, and the caller reads those hashes again with an HMGET each.
//
// Cluster: ioredis refuses a pipelined command whose keys hash to different slots, so only the first hash is
// declared (it routes the call to its node, and Redis checks that this node serves it); all the hashes travel
// as arguments. The caller only puts hashes served by one node in a call, and `allow-cross-slot-keys` (Redis
// 7.0) lets the script read them all; a hash that moved meanwhile fails the call ("non local key"), like a
// MOVED reply.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** HMGETs of at most this many fields: Lua's unpack has a stack limit of a few thousand values. */
const FIELDS_PER_HMGET = 500;

// ARGV: the number of groups, then for each group its number of hashes, its number of fields, its hashes and
// its fields.
const READ_HASHES_LUA = `#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
local n = 0
local at = 2
for g = 1, tonumber(ARGV[1]) do
  local hashes = tonumber(ARGV[at])
  local fieldCount = tonumber(ARGV[at + 1])
  local firstField = at + 2 + hashes
  for h = at + 2, firstField - 1 do
    for from = firstField, firstField + fieldCount - 1, ${FIELDS_PER_HMGET} do
      local values = redis.call('HMGET', ARGV[h], unpack(ARGV, from, math.min(from + ${FIELDS_PER_HMGET - 1}, firstField + fieldCount - 1)))
      for i = 1, #values do
        local value = values[i]
        n = n + 1
        if value == false then out[n] = '' elseif value == '' then out[n] = '|' else out[n] = value end
      end
    end
  end
  at = firstField + fieldCount
end
return table.concat(out, '\\30')
`;

/** The separator of the joined reply (decimal 30 in the script). */
export const RECORD_SEPARATOR = '\x1e';

const READ_HASHES = 'frReadHashes';
type WithReadHashes = { [READ_HASHES](routingHash: string, ...groups: string[]): unknown };

/** Makes the multi-hash read available on every pipeline of `client`. */
export function defineReadHashes(client: Redis | Cluster): void {
  client.defineCommand(READ_HASHES, { numberOfKeys: 1, lua: READ_HASHES_LUA });
}

/** Hashes of one node read for the same fields. */
export interface HashGroup {
  hashes: readonly string[];
  fields: readonly string[];
}

/** Queues a read of each group's fields in each of its hashes (all served by one node); the reply is the joined string. */
export function readHashes(commands: ChainableCommander, groups: readonly HashGroup[]): unknown {
  const args = [String(groups.length)];
  for (const { hashes, fields } of groups) args.push(String(hashes.length), String(fields.length), ...hashes, ...fields);
  return (commands as unknown as WithReadHashes)[READ_HASHES](groups[0]!.hashes[0]!, ...args);
}

/** How many values the reply to `groups` holds. */
export function valuesAsked(groups: readonly HashGroup[]): number {
  let count = 0;
  for (const { hashes, fields } of groups) count += hashes.length * fields.length;
  return count;
}

/**
 * The joined reply split into one entry per field of each hash (absent: ''), or undefined when it does not
 * split into `expected` parts (a value written around the store holds a separator).
 */
export function splitReply(reply: unknown, expected: number): string[] | undefined {
  const parts = String(reply).split(RECORD_SEPARATOR);
  return parts.length === expected ? parts : undefined;
}
