// One hash of a read: the fields the read asks for, which copy it reads them from, and their values once read
// (hash-reads.ts reads all the hashes of one node in one call, grouped by their fields). Each key of a read
// remembers its hash read and the position of its field in it, so that no hash key is built or looked up again
// once the replies are in: at two entities a row, this per-hash work is what a multi-entity read pays on top of
// a single-entity one.
import type { StoredValue } from '../store.js';
import { decodeValue } from './layout.js';

/** Fields a hash read looks up in its list of fields; past this many it gets an index (no hash costs fields²). */
const FEW_FIELDS = 16;

export class HashRead {
  /** The fields to read, each once however many keys ask for it. */
  readonly refs: string[] = [];
  private index?: Map<string, number>;
  /** The hash read: the primary copy, or a replica of a hot key. */
  source: string;
  /** The values of `refs` from `offset` on ('' or null: absent), in a reply that may hold other hashes' too. */
  private replies: readonly (string | null)[] = [];
  private offset = 0;
  private readonly decoded: (StoredValue | null | undefined)[] = [];

  constructor(readonly hash: string) {
    this.source = hash;
  }

  /** Where `ref` sits in this read's fields, added if it is not there yet. */
  field(ref: string): number {
    let at = this.index ? (this.index.get(ref) ?? -1) : this.refs.indexOf(ref);
    if (at < 0) {
      at = this.refs.push(ref) - 1;
      if (this.index) this.index.set(ref, at);
      else if (this.refs.length > FEW_FIELDS) this.index = new Map(this.refs.map((r, i) => [r, i]));
    }
    return at;
  }

  /** Takes this hash's values: those of `refs`, in order, from `offset` on in `replies`. */
  answered(replies: readonly (string | null)[], offset: number): void {
    this.replies = replies;
    this.offset = offset;
  }

  /** Whether this read asks for the same fields as `other`, in the same order (then one call reads both). */
  sameFields(other: HashRead): boolean {
    const { refs } = this;
    if (refs.length !== other.refs.length) return false;
    for (let i = 0; i < refs.length; i++) if (refs[i] !== other.refs[i]) return false;
    return true;
  }

  /** The value of field `at`, decoded once however many keys ask for it; `store` names the store in errors. */
  value(at: number, store: string): StoredValue | null {
    let value = this.decoded[at];
    if (value === undefined) {
      const raw = this.replies[this.offset + at];
      value = raw === '' || raw == null ? null : decodeValue(raw, store, this.source, this.refs[at]!);
      if (value && this.source !== this.hash) value.replica = true;
      this.decoded[at] = value;
    }
    return value;
  }
}
