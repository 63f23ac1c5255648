// Validation of a DRAFT version against history, before it goes live: the values producers shadow-wrote to it
// must fit its type, and on the entity keys where both have a value its distribution must look like the live
// version's: PSI on shared bins, mean and standard-deviation shift, null rate and the share of whole numbers
// (the check that catches integer division in a FLOAT64 feature). The report is stored; the activation gate
// (ValidationGate, at the end) admits a DRAFT only with a passing report newer than its last shadow write.
import { desc, eq, sql } from 'drizzle-orm';
import type { Principal } from '../core/principal.js';
import { requireRole } from '../core/principal.js';
import { queryRows, type Db, type Tx } from '../db/client.js';
import { shadowWrites, validationReports } from '../db/schema.js';
import { conflict, notFound, unavailable } from '../core/errors.js';
import type { OnlineStore } from '../online/store.js';
import { checkValue } from '../online/values.js';
import { liveVersion, parseRef, type FeatureVersion, type ValueType } from '../registry/model.js';
import type { ActivationGate, Registry } from '../registry/registry.js';
import type { ValueDistributions } from './distributions.js';
import { populationStability } from './drift.js';

export interface ValidationCheck {
  name: string;
  passed: boolean;
  /** The measured figure, and the bound it is held to. */
  value: number | null;
  threshold: number | null;
  message: string;
}

export interface ValidationReport {
  ref: string;
  comparedWith: string | null;
  createdAt: Date;
  passed: boolean;
  sampleSize: number;
  checks: ValidationCheck[];
}

export interface ValidationThresholds {
  /** Fewest keys with a value in both versions for a distribution comparison to mean anything. */
  minSharedKeys: number;
  maxPsi: number;
  /** Mean shift, in standard deviations of the live version. */
  maxMeanShift: number;
  /** Largest ratio between the two standard deviations (either way). */
  maxStddevRatio: number;
  maxNullRateChange: number;
  maxIntegralShareChange: number;
}

interface Sample {
  numbers: number[];
  nulls: number;
  integral: number;
}

/** Reports one `validationReports` answer lists at most: a version is validated a handful of times. */
const MAX_REPORTS_LISTED = 100;

export class Validator {
  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly store: OnlineStore,
    private readonly distributions: ValueDistributions,
    private readonly thresholds: ValidationThresholds,
  ) {}

  async validate(principal: Principal, ref: string): Promise<ValidationReport> {
    const draft = await this.registry.version(ref);
    if (!draft) throw notFound(`feature version ${ref} is not registered`);
    const feature = (await this.registry.feature(draft.feature))!;
    requireRole(principal, 'owner', feature.owner, `validating ${ref}`);
    if (draft.status !== 'DRAFT') throw conflict(`${ref} is ${draft.status}: only a DRAFT version is validated before it goes live`);
    const live = liveVersion(await this.registry.versionsOfFeatures([draft.feature])) ?? null;

    // This instance's latest shadow writes first, so that the report covers them.
    await this.distributions.flush();
    const keys = (await queryRows<{ entity_key: string }>(this.db, sql`select entity_key from shadow_keys where ref = ${ref} order by entity_key`)).map(
      (r) => r.entity_key,
    );
    const checks: ValidationCheck[] = [];
    let shared = 0;
    if (keys.length === 0) {
      checks.push({ name: 'shadow_writes', passed: false, value: 0, threshold: 1, message: `no value was shadow-written to ${ref}: bind its producer and write to it first` });
    } else {
      const { entity } = feature;
      const refs = live ? [ref, live.ref] : [ref];
      const stored = await this.store.read(keys.flatMap((entityKey) => refs.map((r) => ({ entity, entityKey, ref: r }))));
      const draftValues = keys.map((_, i) => stored[i * refs.length]);
      const parsed = draftValues.map((v) => (v ? parse(v.value) : undefined));
      const misfits = parsed.filter((v) => v !== undefined && !checkValue(draft.valueType, draft.nullable, v).ok).length;
      checks.push({
        name: 'type',
        passed: misfits === 0,
        value: misfits,
        threshold: 0,
        message: misfits === 0 ? `all shadow-written values fit ${draft.valueType}` : `${misfits} shadow-written values do not fit ${draft.valueType}`,
      });
      if (live) {
        const pairs: [unknown, unknown][] = [];
        keys.forEach((_, i) => {
          const d = draftValues[i];
          const l = stored[i * refs.length + 1];
          if (d && l) pairs.push([parse(d.value), parse(l.value)]);
        });
        shared = pairs.length;
        checks.push(...this.compare(draft, live, pairs));
      }
    }
    const passed = checks.every((c) => c.passed);
    const [row] = await this.db
      .insert(validationReports)
      .values({ ref, comparedWith: live?.ref ?? null, passed, sampleSize: shared, checks })
      .returning();
    return toReport(row!);
  }

  /** The version's stored reports, newest first (the last MAX_REPORTS_LISTED). */
  async reports(ref: string): Promise<ValidationReport[]> {
    parseRef(ref);
    const rows = await this.db.select().from(validationReports).where(eq(validationReports.ref, ref)).orderBy(desc(validationReports.id)).limit(MAX_REPORTS_LISTED);
    return rows.map(toReport);
  }

  private compare(draft: FeatureVersion, live: FeatureVersion, pairs: [unknown, unknown][]): ValidationCheck[] {
    const t = this.thresholds;
    if (pairs.length < t.minSharedKeys) {
      return [
        {
          name: 'shared_keys',
          passed: false,
          value: pairs.length,
          threshold: t.minSharedKeys,
          message: `only ${pairs.length} keys have a value in both ${draft.ref} and ${live.ref}; at least ${t.minSharedKeys} are needed to compare them`,
        },
      ];
    }
    const d = sample(pairs.map(([x]) => x), draft.valueType);
    const l = sample(pairs.map(([, y]) => y), live.valueType);
    const psi = populationStability(l.numbers, d.numbers);
    const [dMean, dStd] = moments(d.numbers);
    const [lMean, lStd] = moments(l.numbers);
    const shift = lStd > 0 ? Math.abs(dMean - lMean) / lStd : dMean === lMean ? 0 : Infinity;
    const ratio = lStd > 0 && dStd > 0 ? Math.max(dStd / lStd, lStd / dStd) : dStd === lStd ? 1 : Infinity;
    const nullChange = Math.abs(d.nulls - l.nulls) / pairs.length;
    const integralChange = Math.abs(share(d.integral, d.numbers.length) - share(l.integral, l.numbers.length));
    const check = (name: string, value: number, threshold: number, what: string): ValidationCheck => ({
      name,
      passed: value <= threshold,
      value: Number.isFinite(value) ? value : null,
      threshold,
      message: `${what}: ${Number.isFinite(value) ? value.toFixed(3) : 'unbounded'} (at most ${threshold})`,
    });
    return [
      { name: 'shared_keys', passed: true, value: pairs.length, threshold: t.minSharedKeys, message: `${pairs.length} keys have a value in both versions` },
      check('psi', psi, t.maxPsi, `population stability index of ${draft.ref} against ${live.ref}`),
      check('mean_shift', shift, t.maxMeanShift, `mean ${dMean.toPrecision(4)} vs ${lMean.toPrecision(4)}, in standard deviations of ${live.ref}`),
      check('stddev_ratio', ratio, t.maxStddevRatio, `standard deviation ${dStd.toPrecision(4)} vs ${lStd.toPrecision(4)}, as a ratio`),
      check('null_rate_change', nullChange, t.maxNullRateChange, 'change in the share of null values'),
      check(
        'integral_share_change',
        integralChange,
        t.maxIntegralShareChange,
        `share of whole numbers ${share(d.integral, d.numbers.length).toFixed(3)} vs ${share(l.integral, l.numbers.length).toFixed(3)}`,
      ),
    ];
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Values as numbers: INT64 and FLOAT64 as they are, BOOL as 0/1, strings and lists by length. */
function sample(values: unknown[], valueType: ValueType): Sample {
  const s: Sample = { numbers: [], nulls: 0, integral: 0 };
  for (const v of values) {
    if (v === null || v === undefined) {
      s.nulls++;
      continue;
    }
    const x =
      valueType === 'INT64' || valueType === 'FLOAT64' ? Number(v) : valueType === 'BOOL' ? Number(v === true) : ((v as { length?: number }).length ?? NaN);
    if (!Number.isFinite(x)) continue;
    s.numbers.push(x);
    if (Number.isInteger(x)) s.integral++;
  }
  return s;
}

function moments(xs: number[]): [number, number] {
  if (xs.length === 0) return [0, 0];
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return [mean, Math.sqrt(variance)];
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

function toReport(row: typeof validationReports.$inferSelect): ValidationReport {
  return {
    ref: row.ref,
    comparedWith: row.comparedWith,
    createdAt: row.createdAt,
    passed: row.passed,
    sampleSize: row.sampleSize,
    checks: row.checks as ValidationCheck[],
  };
}

/**
 * The registry's activation gate (the port src/registry/activation-gate.ts owns, which says why it is a port):
 * a DRAFT goes live only with a passing validation report newer than its last shadow write, so that what was
 * judged is what the producers write. It sits here, beside the validation that writes those reports.
 */
export class ValidationGate implements ActivationGate {
  constructor(private readonly distributions: Pick<ValueDistributions, 'flush'>) {}

  /** Stores the shadow-write samples this instance still buffers, so that the verdict sees every shadow write made before it. */
  async prepare(ref: string): Promise<void> {
    await this.distributions.flush().catch((error: unknown) => {
      throw unavailable(
        `the shadow writes to ${ref} held by this instance could not be stored (${(error as Error).message}), so its validation cannot be checked against them: retry shortly`,
      );
    });
  }

  /** Throws CONFLICT unless the DRAFT's latest validation report passed and is newer than its last shadow write. */
  async admit(tx: Tx, ref: string): Promise<void> {
    const [report] = await tx
      .select({ passed: validationReports.passed, createdAt: validationReports.createdAt })
      .from(validationReports)
      .where(eq(validationReports.ref, ref))
      .orderBy(desc(validationReports.id))
      .limit(1);
    const [shadow] = await tx.select().from(shadowWrites).where(eq(shadowWrites.ref, ref));
    const advice = 'run validateFeatureVersion after shadow-writing values, or activate with force: true and a reason';
    if (!report) throw conflict(`${ref} has not been validated: ${advice}`);
    if (!report.passed) throw conflict(`${ref} failed its last validation (${report.createdAt.toISOString()}): ${advice}`);
    if (shadow && shadow.lastWriteAt > report.createdAt) {
      throw conflict(`${ref} was shadow-written after its last validation (${report.createdAt.toISOString()}): validate it again`);
    }
  }
}
