// What a plan is (DESIGN section 7): the actions it would carry out, as JSON, and the plan itself. Apart from
// plan.ts, which computes plans, so that plan-text.ts (which shows them) needs only their shape.
import type { Compatibility } from './compatibility.js';
import type { Definition } from './definition.js';
import type { VersionStatus } from './model.js';

/** A field's value now and in the manifest. */
export type From<T> = { from: T; to: T };

/** One change a plan makes, as JSON: what the plan shows, what its hash covers, and what apply carries out. */
export type PlanAction =
  | { action: 'registerEntity'; entity: string; keyName: string; description: string | null; owner?: string }
  | { action: 'describeEntity'; entity: string; description?: From<string | null>; owner?: From<string | null> }
  | {
      action: 'registerVersion';
      ref: string;
      feature: string;
      version: number;
      /** ACTIVE for a feature's first version, else DRAFT. */
      status: VersionStatus;
      entity: string;
      owner: string;
      definitionHash: string;
      definition: Definition;
      /** Against the live version; null when there is none. */
      compatibility: Compatibility | null;
      reasons: string[];
      comparedWith: string | null;
      /** Consumers pinned to the live version: the ones a BREAKING change concerns. */
      pinnedConsumers: string[];
    }
  | { action: 'registerProducer' | 'registerConsumer'; name: string; owner: string; description: string | null }
  | { action: 'describeProducer' | 'describeConsumer'; name: string; description: From<string | null> }
  | { action: 'bindProducer' | 'unbindProducer'; producer: string; refs: string[] }
  | { action: 'pinConsumer'; consumer: string; feature: string; from: string | null; to: string };

export interface DefinitionPlan {
  /** sha256 of the canonical actions: the same registry state and manifest give the same hash. */
  hash: string;
  changes: number;
  actions: PlanAction[];
  /** What the plan leaves waiting (a DRAFT to activate, consumers that stay), as sentences. */
  notes: string[];
  /** The plan as a readable table. */
  text: string;
}
