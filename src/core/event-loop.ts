// Long work in slices, so that one request cannot hold the event loop every other request (and /healthz)
// waits on. Embedded PGlite runs each query in this process and answers a burst of them without yielding; a
// read of 200 pinned versions or 90,000 keys held the loop for seconds in one piece.
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * `each` over `items` one slice of at most `size` at a time, with a turn of the event loop between slices;
 * the results in order. Work that fits in one slice runs at once, without the extra turn.
 */
export async function inSlices<T, R>(items: readonly T[], size: number, each: (slice: readonly T[]) => Promise<R[]>): Promise<R[]> {
  if (items.length <= size) return each(items);
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    if (start > 0) await nextTurn();
    for (const result of await each(items.slice(start, start + size))) results.push(result);
  }
  return results;
}
