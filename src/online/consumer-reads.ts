// What a consumer's read reads, remembered between reads: the pins it selects, the entities they describe, the
// expectations they fail, and each pin's plan. Working these out costs a few µs per pin, on every request: at
// batch 1 a consumer of twenty features paid it twice as often per value as one of ten reading two keys. A model
// service sends the same consumer, features and expectations request after request, so the answer is kept for
// as long as everything it was worked out from holds: the same registry snapshot (replaced on every change,
// here or on another instance), no sunset among the pins passed, and for the plans, the same producers'
// last-write times and every verdict still fresh. Each consumer keeps a few (features, expectations) variants,
// the oldest dropped first: a client cycling through subsets costs itself the work, never memory.
import type { RegistrySnapshot } from '../registry/cache.js';
import type { FeatureVersion, LastWrites } from '../registry/model.js';
import type { ExpectedDefinition, ReadWarning } from './expectations.js';

/** Variants kept per consumer: a model service reads one or a few. */
const VARIANTS_PER_CONSUMER = 8;

/** A consumer's read, as far as the registry decides it (`P`: the reader's plans of its versions). */
export interface ConsumerRead<P> {
  readonly features: readonly string[] | null;
  readonly expected: readonly ExpectedDefinition[];
  /** Epoch ms until which the pins' statuses hold: the first sunset still to come among them. */
  readonly until: number;
  /** The pins read, in the order read. */
  readonly pins: readonly FeatureVersion[];
  /** The entities the pins describe, each with the features that need it. */
  readonly entities: readonly { entity: string; features: string[] }[];
  /** The features whose expected definition is not the pin, with why. */
  readonly unmet: ReadonlyMap<string, ReadWarning>;
  /** What the response says about them: shared by every read of this variant, never changed. */
  readonly warnings: readonly ReadWarning[];
  /** The pins' plans while `writes` are the producers' last-write times and every verdict holds (`until`). */
  planned?: { writes: LastWrites; until: number; plans: P };
}

export class ConsumerReads<P> {
  private readonly byConsumer = new Map<string, ConsumerRead<P>[]>();
  /** The snapshot every remembered read was worked out from. */
  private snapshot?: RegistrySnapshot;

  /** The remembered read of `consumer` with these features and expectations, if it still holds at `now`. */
  find(consumer: string, features: readonly string[] | null, expected: readonly ExpectedDefinition[], snapshot: RegistrySnapshot, now: number): ConsumerRead<P> | undefined {
    if (!this.keptFor(snapshot)) return undefined;
    const read = this.byConsumer.get(consumer)?.find((v) => sameVariant(v, features, expected));
    return read && now < read.until ? read : undefined;
  }

  /** Remembers `read`, worked out from `snapshot`, in place of the variant it replaces (or the oldest, when the consumer has enough). */
  remember(consumer: string, snapshot: RegistrySnapshot, read: ConsumerRead<P>): void {
    this.keptFor(snapshot);
    let variants = this.byConsumer.get(consumer);
    if (!variants) this.byConsumer.set(consumer, (variants = []));
    const same = variants.findIndex((v) => sameVariant(v, read.features, read.expected));
    if (same >= 0) variants.splice(same, 1);
    else if (variants.length >= VARIANTS_PER_CONSUMER) variants.shift();
    variants.push(read);
  }

  /**
   * Whether the remembered reads are those of `snapshot`; if not, they are all forgotten and the reads of
   * `snapshot` kept from now on. A new snapshot makes every read be worked out again, and the old reads go with
   * the old snapshot they hold.
   */
  private keptFor(snapshot: RegistrySnapshot): boolean {
    if (snapshot === this.snapshot) return true;
    this.byConsumer.clear();
    this.snapshot = snapshot;
    return false;
  }
}

/** The plans of `read` if they still hold for `writes` at `now`. */
export function plansOf<P>(read: ConsumerRead<P>, writes: LastWrites, now: number): P | undefined {
  const planned = read.planned;
  return planned && planned.writes === writes && now < planned.until ? planned.plans : undefined;
}

/** When the pins' statuses may next change: the first sunset still to come among DEPRECATED pins. */
export function statusesHoldUntil(pins: readonly FeatureVersion[], now: number): number {
  let until = Infinity;
  for (const pin of pins) {
    const sunset = pin.status === 'DEPRECATED' ? pin.sunsetAt?.getTime() : undefined;
    if (sunset !== undefined && sunset > now) until = Math.min(until, sunset);
  }
  return until;
}

/** Whether `read` is the variant of these features and expectations (compared name by name, never joined). */
function sameVariant<P>(read: ConsumerRead<P>, features: readonly string[] | null, expected: readonly ExpectedDefinition[]): boolean {
  return sameNames(read.features, features) && sameExpectations(read.expected, expected);
}

function sameNames(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameExpectations(a: readonly ExpectedDefinition[], b: readonly ExpectedDefinition[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.feature !== b[i]!.feature || a[i]!.definitionHash !== b[i]!.definitionHash) return false;
  return true;
}
