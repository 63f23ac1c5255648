// Definitions a client expects: a generated client sends, with each read, the definition hash of every version
// it was generated against (the versions its model was trained on). When the registry has since pinned the
// consumer to another version of a feature, that feature's values are flagged VERSION_MISMATCH and the response
// says why, once per feature: the values are the new version's, and the model was not built for them.
import { badInput } from '../core/errors.js';
import { formatRef, type FeatureVersion } from '../registry/model.js';
import { checkName } from '../core/text.js';

export interface ExpectedDefinition {
  feature: string;
  definitionHash: string;
}

/** Why a feature's values carry a flag, said once per response. */
export interface ReadWarning {
  feature: string;
  flag: 'VERSION_MISMATCH';
  message: string;
}

/** A definition hash as FeatureVersion.definitionHash gives it: sha256 in lowercase hex. */
const DEFINITION_HASH = /^[0-9a-f]{64}$/;

const NO_EXPECTATIONS: readonly ExpectedDefinition[] = Object.freeze([]);

/** Checks the form of `expect` (names, hashes, each feature once): BAD_USER_INPUT naming the entry. */
export function checkExpectations(expect: readonly ExpectedDefinition[] | null | undefined): readonly ExpectedDefinition[] {
  // Most reads expect nothing: they share one empty list.
  if (!expect || expect.length === 0) return NO_EXPECTATIONS;
  const seen = new Set<string>();
  return expect.map(({ feature, definitionHash }, i) => {
    checkName(feature, `expect[${i}].feature`);
    if (!DEFINITION_HASH.test(definitionHash)) {
      throw badInput(`expect[${i}].definitionHash must be a definition hash as FeatureVersion.definitionHash gives it (64 lowercase hex digits)`, { index: i });
    }
    if (seen.has(feature)) throw badInput(`expect[${i}] names ${feature} again: expect one definition per feature`, { index: i });
    seen.add(feature);
    return { feature, definitionHash };
  });
}

/**
 * The features whose expected definition is not the consumer's pin now, each with the reason. `pins`: every
 * version the consumer is pinned to (an expectation for a feature it is no longer pinned to is reported too);
 * `version(ref)`: a version by ref, to name the one the client expects.
 */
export function unmetExpectations(
  consumer: string,
  expected: readonly ExpectedDefinition[],
  pins: readonly FeatureVersion[],
  version: (ref: string) => FeatureVersion | undefined,
): Map<string, ReadWarning> {
  const unmet = new Map<string, ReadWarning>();
  const pinOf = new Map(pins.map((pin) => [pin.feature, pin]));
  for (const { feature, definitionHash } of expected) {
    const pin = pinOf.get(feature);
    if (pin?.definitionHash === definitionHash) continue;
    const wanted = expectedVersion(feature, definitionHash, version);
    unmet.set(feature, {
      feature,
      flag: 'VERSION_MISMATCH',
      message: pin
        ? `${feature}: this read expects ${wanted}, but consumer ${consumer} is pinned to ${pin.ref} (definition ${pin.definitionHash.slice(0, 12)}): these values are ${pin.ref}'s, not the definition the caller was built for. Pin the consumer to the version its model was trained on (bindConsumer), or regenerate the client for ${pin.ref} once the model is checked against it`
        : `${feature}: this read expects ${wanted}, but consumer ${consumer} is not pinned to ${feature} any more: pin it again (bindConsumer), or regenerate the client`,
    });
  }
  return unmet;
}

/** `click_rate_7d@1 (definition 3f2a…)` when a version of the feature has that hash, else the hash alone. */
function expectedVersion(feature: string, definitionHash: string, version: (ref: string) => FeatureVersion | undefined): string {
  const hash = `definition ${definitionHash.slice(0, 12)}`;
  // A feature's versions are numbered 1, 2, 3, … without gaps.
  for (let n = 1, candidate = version(formatRef(feature, n)); candidate; candidate = version(formatRef(feature, ++n))) {
    if (candidate.definitionHash === definitionHash) return `${candidate.ref} (${hash})`;
  }
  return hash;
}
