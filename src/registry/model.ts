// The registry's vocabulary: entities, features, immutable feature versions, producers and consumers.
import { badInput } from '../core/errors.js';
import { parseDuration } from '../core/durations.js';

export const VALUE_TYPES = ['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Lifecycle order: a version's status only moves to the right. */
export const VERSION_STATUSES = ['DRAFT', 'ACTIVE', 'DEPRECATED', 'RETIRED'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface Entity {
  name: string;
  keyName: string;
  description: string | null;
  /** The team whose owners may change it; null: admin-owned. */
  owner: string | null;
  createdAt: Date;
}

export interface Feature {
  name: string;
  entity: string;
  owner: string;
  createdAt: Date;
}

export interface FeatureVersion {
  /** `name@N` */
  ref: string;
  feature: string;
  version: number;
  /** As seen now: a DEPRECATED version whose sunset has passed is RETIRED. */
  status: VersionStatus;
  valueType: ValueType;
  window: string | null;
  maxAge: string;
  aggregation: Record<string, unknown> | null;
  description: string | null;
  nullable: boolean;
  definitionHash: string;
  createdAt: Date;
  sunsetAt: Date | null;
}

/** A producer (a pipeline that writes values) or a consumer (a model service that reads them). */
export interface Party {
  name: string;
  owner: string;
  description: string | null;
  createdAt: Date;
}

export interface BindingMismatch {
  consumer: string;
  pinned: FeatureVersion;
  /** The versions of the same feature that producers write now. */
  produced: FeatureVersion[];
  reason: string;
}

/** The times PostgreSQL's timestamptz and RFC 3339 both hold: years 1 to 9999 (PostgreSQL has no year 0). */
const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** Throws BAD_USER_INPUT naming `field` unless `time` is a valid time from year 1 to 9999. */
export function checkTime(time: Date, field: string): Date {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw badInput(`${field} is not a valid time: use RFC 3339, e.g. 2026-11-26T12:00:00Z`);
  if (ms < EARLIEST_TIME || ms > LATEST_TIME) throw badInput(`${field} must be a time from year 1 to 9999`);
  return time;
}

export const formatRef = (feature: string, version: number) => `${feature}@${version}`;

/** Splits `name@N`; throws BAD_USER_INPUT when the ref is malformed. */
export function parseRef(ref: string): { feature: string; version: number } {
  const match = /^([a-z][a-z0-9_]*)@([1-9]\d{0,8})$/.exec(ref);
  if (!match) throw badInput(`${JSON.stringify(ref)} is not a feature version ref: expected name@N, e.g. click_rate_7d@2`);
  return { feature: match[1]!, version: Number(match[2]) };
}

/** The status a stored version has at `now`: DEPRECATED turns RETIRED once its sunset has passed. */
export function effectiveStatus(stored: VersionStatus, sunsetAt: Date | null, now: Date): VersionStatus {
  if (stored === 'DEPRECATED' && sunsetAt !== null && sunsetAt.getTime() <= now.getTime()) return 'RETIRED';
  return stored;
}

// ---- bindings that follow reality ------------------------------------------------------------------------

/** A producer's binding to a version, as the registry stores it. */
export interface ProducerBindingRow {
  producer: string;
  ref: string;
  boundAt: Date;
}

/** The newest write the service knows of: version ref → producer → epoch milliseconds. */
export type LastWrites = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** A producer's binding as it is now: when it last wrote the version, and whether it has moved on. */
export interface ProducerBinding {
  producer: string;
  version: FeatureVersion;
  boundAt: Date;
  lastWrittenAt: Date | null;
  /** Idle for longer than the version's budget while another version of the feature is being written. */
  movedOn: boolean;
}

/** How long a version may go unwritten before its producer counts as gone: its maxAge, or its window when longer. */
export function writeBudgetMs(version: FeatureVersion): number {
  const maxAge = parseDuration(version.maxAge, 'maxAge');
  return version.window === null ? maxAge : Math.max(maxAge, parseDuration(version.window, 'window'));
}

/**
 * The versions of one feature and who writes them now. Built from the versions of the feature, its producer
 * bindings and the last-write times: the one definition behind VERSION_MISMATCH on reads, bindingMismatches,
 * the VERSION_MISMATCH alert and Producer.bindings.
 */
export class FeatureProduction {
  /** Versions written within their own budget, each with the producers that did (newest write first). */
  private readonly writtenNow = new Map<string, { version: FeatureVersion; writers: string[] }>();
  readonly bindings: ProducerBinding[];
  /** Versions some bound producer has not moved on from (retired ones left out), by number. */
  readonly produced: FeatureVersion[];

  constructor(
    versions: readonly FeatureVersion[],
    bindings: readonly ProducerBindingRow[],
    writes: LastWrites,
    private readonly now: Date,
  ) {
    const at = now.getTime();
    for (const version of versions) {
      if (version.status === 'RETIRED') continue;
      const budget = writeBudgetMs(version);
      const writers = [...(writes.get(version.ref) ?? [])].filter(([, t]) => at - t <= budget).sort((a, b) => b[1] - a[1]);
      if (writers.length > 0) this.writtenNow.set(version.ref, { version, writers: writers.map(([p]) => p) });
    }
    const byRef = new Map(versions.map((v) => [v.ref, v]));
    this.bindings = bindings.flatMap((row) => {
      const version = byRef.get(row.ref);
      if (!version) return [];
      const last = writes.get(row.ref)?.get(row.producer);
      // Binding again (after an unbind) starts a new grace period, as does a first binding.
      const since = Math.max(last ?? -Infinity, row.boundAt.getTime());
      const idle = at - since > writeBudgetMs(version);
      const movedOn = idle && this.othersWritten(version).length > 0;
      return [{ producer: row.producer, version, boundAt: row.boundAt, lastWrittenAt: last === undefined ? null : new Date(last), movedOn }];
    });
    const produced = new Map<string, FeatureVersion>();
    for (const b of this.bindings) if (!b.movedOn && b.version.status !== 'RETIRED') produced.set(b.version.ref, b.version);
    this.produced = [...produced.values()].sort((a, b) => a.version - b.version);
  }

  /**
   * Why a consumer pinned to `pinned` disagrees with the producers on the schema version (null when it
   * does not): the version is not produced, while another version of the feature is.
   */
  mismatch(pinned: FeatureVersion): string | null {
    if (this.produced.length === 0 || this.produced.some((v) => v.ref === pinned.ref)) return null;
    const producedNow = `producers write ${this.produced.map((v) => v.ref).join(', ')}`;
    const own = this.bindings.filter((b) => b.version.ref === pinned.ref);
    if (own.length === 0) return `no producer is bound to ${pinned.ref}; ${producedNow}`;
    // Bound and not moved on, yet not produced: the version is retired.
    if (!own.every((b) => b.movedOn)) return `no producer can write ${pinned.ref} any more (retired); ${producedNow}`;
    return own.map((b) => this.movedOnReason(b)).join('; ');
  }

  /** "clicks_pipeline last wrote click_rate_7d@1 3 h ago and writes @2" */
  private movedOnReason(binding: ProducerBinding): string {
    const { producer, version } = binding;
    const at = this.now.getTime();
    const idle = binding.lastWrittenAt
      ? `${producer} last wrote ${version.ref} ${humanDuration(at - binding.lastWrittenAt.getTime())} ago`
      : `${producer} has not written ${version.ref} since it was bound ${humanDuration(at - binding.boundAt.getTime())} ago`;
    const others = this.othersWritten(version);
    const own = others.filter((o) => o.writers.includes(producer));
    if (own.length > 0) return `${idle} and writes ${own.map((o) => `@${o.version.version}`).join(', ')}`;
    return `${idle}; ${others.map((o) => `${o.writers.join(', ')} ${o.writers.length > 1 ? 'write' : 'writes'} @${o.version.version}`).join(', ')}`;
  }

  /** The other versions of the feature that are being written now. */
  private othersWritten(version: FeatureVersion): { version: FeatureVersion; writers: string[] }[] {
    return [...this.writtenNow.values()].filter((w) => w.version.ref !== version.ref).sort((a, b) => a.version.version - b.version.version);
  }
}

/** One FeatureProduction for each feature among `versions` (every version of each feature, for its budgets). */
export function featureProductions(
  versions: readonly FeatureVersion[],
  bindings: readonly ProducerBindingRow[],
  writes: LastWrites,
  now: Date,
): Map<string, FeatureProduction> {
  const byFeature = new Map<string, { versions: FeatureVersion[]; bindings: ProducerBindingRow[] }>();
  for (const v of versions) {
    if (!byFeature.has(v.feature)) byFeature.set(v.feature, { versions: [], bindings: [] });
    byFeature.get(v.feature)!.versions.push(v);
  }
  for (const b of bindings) byFeature.get(parseRef(b.ref).feature)?.bindings.push(b);
  return new Map([...byFeature].map(([feature, f]) => [feature, new FeatureProduction(f.versions, f.bindings, writes, now)]));
}

/** A duration as people say it in a message: "45 s", "12 min", "3 h", "2 d" (rounded down). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** A feature's live version: its latest ACTIVE one (what new versions are compared and validated against). */
export function liveVersion(versions: readonly FeatureVersion[]): FeatureVersion | undefined {
  return versions.filter((v) => v.status === 'ACTIVE').sort((a, b) => b.version - a.version)[0];
}
