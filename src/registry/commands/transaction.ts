// What every change to the registry shares: it is one transaction with its audit record written inside it,
// so a refused request changes nothing and a committed change is recorded exactly once.
import { sqlState, type Db, type Tx } from '../../db/client.js';
import type { ActivationGate } from '../activation-gate.js';
import { RegistryQueries } from '../queries.js';

/** What the commands are given: where they write, the clock, who hears of a commit, and who judges activations. */
export interface CommandContext {
  readonly db: Db;
  /** The clock, so tests can move past a sunset without sleeping. */
  readonly now: () => Date;
  /** Called after every committed change (the registry cache of this instance drops its copy). */
  readonly onChange: () => void;
  readonly activationGate: ActivationGate;
}

// unique_violation, serialization_failure, deadlock_detected
const RETRYABLE = new Set(['23505', '40001', '40P01']);

/**
 * A transaction, retried when a concurrent one won a race on a unique key (two first registrations of one
 * name at once): the retry then sees the winner's row and answers as for a repeated request.
 */
export async function transact<T>(context: CommandContext, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await context.db.transaction(work);
      context.onChange();
      return result;
    } catch (error) {
      if (attempt >= 3 || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
    }
  }
}

/** The registry's reads inside `tx`, which see what the transaction has written so far. */
export const queriesIn = (context: CommandContext, tx: Tx) => new RegistryQueries(tx, context.now);
