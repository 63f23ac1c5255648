// The registry: entities, features, immutable feature versions, producers, consumers and their bindings.
// Every rule about what may be registered, bound or moved through the lifecycle lives in this folder, and every
// change is one transaction with its audit record, so a refused request changes nothing. `Registry` is the one
// door the rest of the service uses: it is the reads (queries.ts) plus the changes (commands/), with the row
// mapping both share in rows.ts.
import type { Principal } from '../core/principal.js';
import type { Db, Tx } from '../db/client.js';
import type { ActivationGate } from './activation-gate.js';
import * as bindings from './commands/bindings.js';
import * as lifecycle from './commands/lifecycle.js';
import * as registrations from './commands/registrations.js';
import { transact, type CommandContext } from './commands/transaction.js';
import type { FeatureVersionInput } from './definition.js';
import type { Entity, FeatureVersion, LastWrites, Party } from './model.js';
import { RegistryQueries } from './queries.js';
import type { PartyKind } from './rows.js';

export type { ActivationGate } from './activation-gate.js';
export type { RegisteredVersion } from './commands/registrations.js';

export interface RegistryOptions {
  /**
   * Judges whether a DRAFT may go live (src/monitoring/validation.ts has the one the service uses). Required:
   * a registry without one would let every DRAFT go live unjudged.
   */
  activationGate: ActivationGate;
  /** The clock, so tests can move past a sunset without sleeping. */
  now?: () => Date;
  /** Called after every committed change (the registry cache of this instance drops its copy). */
  onChange?: () => void;
  /** When each producer last wrote each version (without it, no producer has written anything). */
  lastWrites?: () => Promise<LastWrites>;
}

export class Registry extends RegistryQueries {
  private readonly context: CommandContext;

  constructor(db: Db, options: RegistryOptions) {
    const now = options.now ?? (() => new Date());
    super(db, now, options.lastWrites);
    this.context = { db, now, onChange: options.onChange ?? (() => {}), activationGate: options.activationGate };
  }

  registerEntity(principal: Principal, input: registrations.EntityInput): Promise<Entity> {
    return registrations.registerEntity(this.context, principal, input);
  }

  registerFeatureVersion(principal: Principal, input: FeatureVersionInput): Promise<registrations.RegisteredVersion> {
    return registrations.registerFeatureVersion(this.context, principal, input);
  }

  registerParty(principal: Principal, kind: PartyKind, input: registrations.PartyInput): Promise<Party> {
    return registrations.registerParty(this.context, principal, kind, input);
  }

  activateFeatureVersion(principal: Principal, ref: string, options?: lifecycle.ActivationOptions): Promise<FeatureVersion> {
    return lifecycle.activateFeatureVersion(this.context, principal, ref, options);
  }

  deprecateFeatureVersion(principal: Principal, ref: string, sunsetAt: Date, reason?: string | null): Promise<FeatureVersion> {
    return lifecycle.deprecateFeatureVersion(this.context, principal, ref, sunsetAt, reason);
  }

  bindProducer(principal: Principal, producer: string, refs: readonly string[]): Promise<Party> {
    return bindings.bindProducer(this.context, principal, producer, refs);
  }

  unbindProducer(principal: Principal, producer: string, refs: readonly string[]): Promise<Party> {
    return bindings.unbindProducer(this.context, principal, producer, refs);
  }

  bindConsumer(principal: Principal, consumer: string, refs: readonly string[]): Promise<Party> {
    return bindings.bindConsumer(this.context, principal, consumer, refs);
  }

  /**
   * Runs `work` as one transaction with a registry on it: every change made through that registry commits or
   * rolls back with the others (its own transactions become savepoints), with the same rules and audit.
   */
  atomically<T>(work: (registry: Registry, tx: Tx) => Promise<T>): Promise<T> {
    const { now, activationGate } = this.context;
    // The gate's preparation runs outside any transaction (on PGlite it needs the connection this one holds),
    // so inside it an activation is judged on what is already stored.
    const gateWithin: ActivationGate = { prepare: async () => {}, admit: (tx, ref) => activationGate.admit(tx, ref) };
    return transact(this.context, (tx) => work(new Registry(tx, { now, activationGate: gateWithin }), tx));
  }
}
