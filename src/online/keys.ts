// How an online value and an entity key are named wherever they meet: the stores, the writer's batch, the
// value loader, hot-key counts, the hot-entity cache, replicas, alerts and the API's HotKey fields. One home
// for each format, so that a key counted as hot is the key cached, replicated and reported.

/** Which value: a feature version (`name@N`) for one key of its entity. */
export interface ValueKey {
  /** The entity the feature describes (`user`): keys of different entities never collide. */
  entity: string;
  entityKey: string;
  ref: string;
}

/** One string per value key, for maps and sets of keys. NUL cannot occur in a name, a ref or an entity key. */
export const valueKeyId = (k: ValueKey) => `${k.entity}\u0000${k.entityKey}\u0000${k.ref}`;

/** The entity key as hot-key detection, caches and replicas name it: `<entity>:<entityKey>`. */
export const entityKeyOf = (k: { entity: string; entityKey: string }) => `${k.entity}:${k.entityKey}`;

/**
 * The entity and key an `<entity>:<entityKey>` name was made of. Entity names hold no colon (see isName), so
 * the first one ends the entity; the key may hold more.
 */
export function parseEntityKey(name: string): { entity: string; entityKey: string } {
  const split = name.indexOf(':');
  return { entity: name.slice(0, split), entityKey: name.slice(split + 1) };
}
