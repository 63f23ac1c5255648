// The port through which the registry asks whether a DRAFT may go live. The registry owns it and
// src/monitoring/validation.ts implements it (the composition root wires one into the other), so the rule
// "a passing validation report newer than the DRAFT's last shadow write" lives beside the validation that
// writes those reports: one home for DRAFT validation and its gate.
//
// Why a port and not the rule itself here: judging a DRAFT needs the online store (the values shadow-written
// to it) and the value distributions (their buffered samples), and both sit above the registry in the folder
// order (core < db < registry < online < monitoring). The registry importing them would point a dependency
// upward; the validation module importing this interface points down, as every import must.
import type { Tx } from '../db/client.js';

export interface ActivationGate {
  /**
   * Runs before the activation's transaction (on PGlite that transaction holds the only connection): stores
   * whatever this instance still buffers that the verdict must take into account. Throws a CodedError
   * (UNAVAILABLE) when it cannot, so that no activation is judged on part of the evidence.
   */
  prepare(ref: string): Promise<void>;
  /** Inside the activation's transaction, the version's row locked: throws a CodedError unless `ref` may go live. */
  admit(tx: Tx, ref: string): Promise<void>;
}
