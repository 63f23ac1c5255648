// writeFeatureValues: validates each row against the registry and its version's type, rejects bad rows one
// by one (with their index, a code and a message) while applying the others, resolves rows for one key within
// the batch to the newest event, and hands the rest to the store's compare-and-set, which refuses anything not
// newer than what is stored (the late-event guard). Every valid row's lag is recorded, late ones included:
// they are the signal.
import { requireRole, type Principal } from '../core/principal.js';
import { badInput, CodedError, notFound, type ErrorCode } from '../core/errors.js';
import type { RegistryCache, RegistrySnapshot } from '../registry/cache.js';
import { parseRef } from '../registry/model.js';
import { checkName, isName } from '../core/text.js';
import type { FeatureVersion, ValueType } from '../registry/model.js';
import { EventLag } from './event-lag.js';
import { entityKeyOf, valueKeyId } from './keys.js';
import { NO_OBSERVER, type OnlineObserver } from './observer.js';
import type { HotSet, ValueSink } from './ports.js';
import type { OnlineStore, ValueWrite } from './store.js';
import { checkValue } from './values.js';
import { entityKeyProblem } from '../core/text.js';

export interface FeatureValueRow {
  ref: string;
  entityKey: string;
  value?: unknown;
  /** Invalid Date when the client sent something that is not a time. */
  eventTime: Date;
}

export interface RowError {
  index: number;
  code: ErrorCode;
  message: string;
}

export interface WriteResult {
  accepted: number;
  superseded: number;
  rejected: number;
  errors: RowError[];
}

export interface WriterLimits {
  maxWriteBatch: number;
  maxFutureSkewMs: number;
  /** Longest entity key, in UTF-8 bytes. */
  maxEntityKeyBytes: number;
}

/** A row that passed every check: what to store, and the value as its version's type sees it. */
interface Valid {
  write: ValueWrite;
  valueType: ValueType;
  value: unknown;
  /** A shadow write to a DRAFT version (kept for its validation). */
  draft: boolean;
}

/** One row of a batch refused: the batch goes on and the row is reported by its index. */
class RowRejected extends CodedError {}

/** What the writer is wired to (see ports.ts): the hot set, where applied values go, what it reports. */
export interface WriterPorts {
  /** Which keys are hot: a write to one is published, so that every instance drops its cached copy. */
  hotSet: Pick<HotSet, 'isHot'>;
  values: ValueSink;
  observer?: OnlineObserver;
}

export class ValueWriter {
  private readonly hotSet: Pick<HotSet, 'isHot'>;
  private readonly values: ValueSink;
  private readonly observer: OnlineObserver;

  constructor(
    private readonly store: OnlineStore,
    private readonly registryCache: RegistryCache,
    ports: WriterPorts,
    private readonly limits: WriterLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.hotSet = ports.hotSet;
    this.values = ports.values;
    this.observer = ports.observer ?? NO_OBSERVER;
  }

  async write(principal: Principal, producerName: string, rows: readonly FeatureValueRow[]): Promise<WriteResult> {
    if (rows.length > this.limits.maxWriteBatch) {
      throw badInput(`${rows.length} rows in one write; at most ${this.limits.maxWriteBatch} are accepted: split the batch`);
    }
    checkName(producerName, 'producer name');
    const snapshot = await this.registryCache.snapshot();
    const producer = snapshot.producer(producerName);
    if (!producer) throw notFound(`producer ${producerName} is not registered: register it with registerProducer and bind it with bindProducer`);
    requireRole(principal, 'producer', producer.owner, `writing values as producer ${producerName}`);

    const ingestTime = this.now();
    // A batch names a handful of versions in thousands of rows: look each up once.
    const versions = new Map<string, FeatureVersion | undefined>();
    const versionOf = (ref: string) => {
      if (!versions.has(ref)) versions.set(ref, snapshot.version(ref, new Date(ingestTime)));
      return versions.get(ref);
    };
    const errors: RowError[] = [];
    const newest = new Map<string, Valid>();
    const observations: { ref: string; lagMs: number }[] = [];
    let superseded = 0;
    rows.forEach((row, index) => {
      let valid: Valid;
      try {
        valid = this.validate(snapshot, versionOf, producerName, this.numbered(snapshot, producerName, row, ingestTime), ingestTime);
      } catch (error) {
        if (!(error instanceof RowRejected)) throw error;
        errors.push({ index, code: error.code, message: `row ${index}: ${error.message}` });
        return;
      }
      const { write } = valid;
      observations.push({ ref: write.ref, lagMs: ingestTime - write.eventTime });
      // Within one batch, rows for one key resolve to the newest event; the others are superseded.
      const key = valueKeyId(write);
      const other = newest.get(key);
      if (other && other.write.eventTime >= write.eventTime) {
        superseded++;
        return;
      }
      if (other) superseded++;
      newest.set(key, valid);
    });

    const candidates = [...newest.values()];
    const writes = candidates.map((c) => c.write);
    const started = performance.now();
    const applied = await this.store.write(writes, EventLag.counts(observations, ingestTime));
    // Superseded rows count as writes too: the producer still writes the version, its events are just late.
    this.registryCache.writes.record(producerName, new Set(observations.map((o) => o.ref)), ingestTime);
    this.observer.storeCall('write', (performance.now() - started) / 1000);
    for (const o of observations) this.observer.lag(o.ref, o.lagMs);
    const accepted = applied.filter(Boolean).length;
    candidates.forEach((c, i) => {
      if (applied[i]) this.values.record(c.write.ref, c.valueType, c.value, c.write.eventTime);
      if (c.draft) this.values.recordShadow(c.write.ref, c.write.entityKey, ingestTime);
    });
    // Hot keys are cached by every instance: tell them all that these changed.
    const changedHot = new Set(writes.filter((w, i) => applied[i]).map(entityKeyOf).filter((k) => this.hotSet.isHot(k)));
    if (changedHot.size > 0) await this.store.publishChanges([...changedHot]);
    const result = { accepted, superseded: superseded + writes.length - accepted, rejected: errors.length, errors };
    this.observer.written(result.accepted, result.superseded, result.rejected);
    return result;
  }

  /**
   * The row with `name@N`: a bare feature name stands for the one version of it, not RETIRED, that the producer
   * is bound to; bound to two (a shadow write under way), the name is ambiguous and the row is rejected.
   */
  private numbered(snapshot: RegistrySnapshot, producer: string, row: FeatureValueRow, ingestTime: number): FeatureValueRow {
    // Anything but a feature name is left to the ref check, which says what a ref looks like.
    if (!isName(row.ref)) return row;
    const bound = snapshot.boundVersions(producer, row.ref, new Date(ingestTime));
    if (bound.length === 1) return { ...row, ref: bound[0]!.ref };
    if (bound.length === 0) {
      throw new RowRejected('FORBIDDEN', `producer ${producer} is not bound to a live version of ${JSON.stringify(row.ref)}: write name@N, or bind it with bindProducer`);
    }
    throw new RowRejected('CONFLICT', `${row.ref} is ambiguous: producer ${producer} is bound to ${bound.map((v) => v.ref).join(' and ')}; name the version`);
  }

  private validate(
    snapshot: RegistrySnapshot,
    versionOf: (ref: string) => FeatureVersion | undefined,
    producer: string,
    row: FeatureValueRow,
    ingestTime: number,
  ): Valid {
    let ref: { feature: string; version: number };
    try {
      ref = parseRef(row.ref);
    } catch (error) {
      throw new RowRejected('BAD_USER_INPUT', (error as Error).message);
    }
    const version = versionOf(row.ref);
    if (!version) throw new RowRejected('NOT_FOUND', `feature version ${row.ref} is not registered`);
    if (!snapshot.isBound(producer, row.ref)) {
      throw new RowRejected('FORBIDDEN', `producer ${producer} is not bound to ${row.ref}: bind it with bindProducer first`);
    }
    if (version.status === 'RETIRED') throw new RowRejected('CONFLICT', `${row.ref} is RETIRED: its values are no longer served`);
    const keyProblem = entityKeyProblem(row.entityKey, this.limits.maxEntityKeyBytes);
    if (keyProblem) throw new RowRejected('BAD_USER_INPUT', `entityKey ${keyProblem}`);
    const eventTime = row.eventTime.getTime();
    if (Number.isNaN(eventTime)) throw new RowRejected('BAD_USER_INPUT', 'eventTime is not an RFC 3339 time such as 2026-11-26T12:00:00Z');
    if (eventTime > ingestTime + this.limits.maxFutureSkewMs) {
      throw new RowRejected(
        'BAD_USER_INPUT',
        `eventTime ${row.eventTime.toISOString()} is ${eventTime - ingestTime} ms in the future (at most ${this.limits.maxFutureSkewMs} ms of clock skew is accepted)`,
      );
    }
    const checked = checkValue(version.valueType, version.nullable, row.value);
    if (!checked.ok) throw new RowRejected('BAD_USER_INPUT', `value for ${row.ref} (${version.valueType}): ${checked.problem}`);
    const write = {
      entity: snapshot.entityOf(ref.feature)!,
      entityKey: row.entityKey,
      ref: row.ref,
      value: JSON.stringify(checked.value),
      eventTime,
      ingestTime,
    };
    return { write, valueType: version.valueType, value: checked.value, draft: version.status === 'DRAFT' };
  }
}
