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

// ARGV: two strings, the hashes and the fields: each lists its groups, separated by GS (0x1D), and each group
// its hashes or fields, separated by RS. ioredis encodes and writes every argument on its own, at a cost per
// argument that a read of 20 features for one row paid 20 times and a read of 200 keys 200 times; two strings
// cost that twice, however many groups, hashes and fields a read has (rows bench, 2026-11-27). Neither
// separator occurs in a hash key or a field: entity names and refs are names, and entity keys hold no control
// character (core/text.ts refuses them on every way in).
const READ_HASHES_LUA = `#!lua flags=no-writes,allow-cross-slot-keys
local function split(joined, separator)
  local parts = {}
  local n = 0
  local from = 1
  while true do
    local at = string.find(joined, separator, from, true)
    n = n + 1
    if not at then
      parts[n] = string.sub(joined, from)
      return parts, n
    end
    parts[n] = string.sub(joined, from, at - 1)
    from = at + 1
  end
end
local hashGroups, groupCount = split(ARGV[1], '\\29')
local fieldGroups = split(ARGV[2], '\\29')
local out = {}
local n = 0
for g = 1, groupCount do
  local hashes, hashCount = split(hashGroups[g], '\\30')
  local fields, fieldCount = split(fieldGroups[g], '\\30')
  for h = 1, hashCount do
    for from = 1, fieldCount, ${FIELDS_PER_HMGET} do
      local values = redis.call('HMGET', hashes[h], unpack(fields, from, math.min(from + ${FIELDS_PER_HMGET - 1}, fieldCount)))
      for i = 1, #values do
        local value = values[i]
        n = n + 1
        if value == false then out[n] = '' elseif value == '' then out[n] = '|' else out[n] = value end
      end
    end
  end
end
return table.concat(out, '\\30')
`;

/** The separator of the joined reply, and of the hashes or fields of a group (decimal 30 in the script). */
export const RECORD_SEPARATOR = '\x1e';
/** The separator of the groups in the arguments (decimal 29 in the script). */
const GROUP_SEPARATOR = '\x1d';

const READ_HASHES = 'frReadHashes';
type WithReadHashes = { [READ_HASHES](routingHash: string, hashes: string, fields: string): unknown };

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
  let hashes = '';
  let fields = '';
  for (let g = 0; g < groups.length; g++) {
    const separator = g === 0 ? '' : GROUP_SEPARATOR;
    hashes += separator + groups[g]!.hashes.join(RECORD_SEPARATOR);
    fields += separator + groups[g]!.fields.join(RECORD_SEPARATOR);
  }
  return (commands as unknown as WithReadHashes)[READ_HASHES](groups[0]!.hashes[0]!, hashes, fields);
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
