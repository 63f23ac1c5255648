// The registry's vocabulary: entities, features, immutable feature versions, producers and consumers.
import { badInput } from '../errors.js';

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

const NAME = /^[a-z][a-z0-9_]*$/;
const MAX_NAME_LENGTH = 63;

/** Names of entities, features, producers, consumers and teams: `[a-z][a-z0-9_]*`, at most 63 characters. */
export const isName = (value: string): boolean => NAME.test(value) && value.length <= MAX_NAME_LENGTH;

/** `value` when it is a name (see isName); else BAD_USER_INPUT naming `field`. */
export function checkName(value: string, field: string): string {
  if (!isName(value)) {
    throw badInput(
      `${field} ${JSON.stringify(value)} is not a valid name: use lower-case letters, digits and _, starting with a letter, at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  return value;
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

/**
 * A consumer pinned to `pinned` disagrees with the producers on the schema version: producers write other
 * versions of the feature (`producedNow`, retired ones left out) but none writes this one.
 */
export function isVersionMismatch(pinned: FeatureVersion, producedNow: readonly FeatureVersion[]): boolean {
  return producedNow.length > 0 && !producedNow.some((p) => p.version === pinned.version);
}

/** A feature's live version: its latest ACTIVE one (what new versions are compared and validated against). */
export function liveVersion(versions: readonly FeatureVersion[]): FeatureVersion | undefined {
  return versions.filter((v) => v.status === 'ACTIVE').sort((a, b) => b.version - a.version)[0];
}
