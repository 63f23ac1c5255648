// Many hashes read in ONE command: the same fields of every hash of one node, as one script call whose reply is
// a single string. An HMGET per hash cost ioredis a command object, a promise, its arguments' encoding and a
// Buffer per field of the reply; at 100 keys a read, that was more of the service's time than Redis took to
// answer. One call with one joined reply costs that once.
//
// The reply joins the fields' values, hash after hash, with the ASCII record separator (RS, 0x1E), which this
// store never writes: a value is `<eventTime>|<ingestTime>|<JSON text>` and JSON text keeps control characters
// escaped. An absent field is the empty string; a present empty field (never written by this store, only
// around it) becomes `|`, which decodeValue refuses as it refused the empty string. A value someone wrote
// around the store with an RS in it would split wrongly: the count of parts then differs from hashes × fields,
// and the caller reads that group again with an HMGET per hash.
//
// Cluster: ioredis refuses a pipelined command whose keys hash to different slots, so only the first hash is
// declared (it routes the call to its node, and Redis checks that this node serves it); the others travel as
// arguments. The caller only groups hashes served by one node, and `allow-cross-slot-keys` (Redis 7.0) lets the
// script read them all; a hash that moved meanwhile fails the call ("non local key"), like a MOVED reply.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** HMGETs of at most this many fields: Lua's unpack has a stack limit of a few thousand values. */
const FIELDS_PER_HMGET = 500;

const READ_HASHES_LUA = `#!lua flags=no-writes,allow-cross-slot-keys
local hashes = tonumber(ARGV[1])
local fields = {}
for i = hashes + 1, #ARGV do fields[#fields + 1] = ARGV[i] end
local out = {}
local n = 0
for h = 1, hashes do
  local hash = KEYS[1]
  if h > 1 then hash = ARGV[h] end
  for from = 1, #fields, ${FIELDS_PER_HMGET} do
    local values = redis.call('HMGET', hash, unpack(fields, from, math.min(from + ${FIELDS_PER_HMGET - 1}, #fields)))
    for i = 1, #values do
      local value = values[i]
      n = n + 1
      if value == false then out[n] = '' elseif value == '' then out[n] = '|' else out[n] = value end
    end
  end
end
return table.concat(out, '\\30')
`;

/** The separator of the joined reply (decimal 30 in the script). */
export const RECORD_SEPARATOR = '\x1e';

const READ_HASHES = 'frReadHashes';
type WithReadHashes = { [READ_HASHES](firstHash: string, count: string, ...otherHashesThenFields: string[]): unknown };

/** Makes the multi-hash read available on every pipeline of `client`. */
export function defineReadHashes(client: Redis | Cluster): void {
  client.defineCommand(READ_HASHES, { numberOfKeys: 1, lua: READ_HASHES_LUA });
}

/** Queues a read of `fields` in each of `hashes` (all served by one node); the reply is the joined string. */
export function readHashes(pipeline: ChainableCommander, hashes: readonly string[], fields: readonly string[]): unknown {
  return (pipeline as unknown as WithReadHashes)[READ_HASHES](hashes[0]!, String(hashes.length), ...hashes.slice(1), ...fields);
}

/**
 * The joined reply split into one entry per field of each hash (absent: ''), or undefined when it does not
 * split into `expected` parts (a value written around the store holds a separator).
 */
export function splitReply(reply: unknown, expected: number): string[] | undefined {
  const parts = String(reply).split(RECORD_SEPARATOR);
  return parts.length === expected ? parts : undefined;
}
