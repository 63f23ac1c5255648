// Who is calling, and what each role may do. Roles are ordered: each can do what the ones before it can.
// - reader: every query
// - producer: also writes values for producers its team owns
// - owner: also registers and changes the features, producers and consumers its team owns
// - admin: everything, for every team
import { CodedError, forbidden } from '../errors.js';

export const ROLES = ['reader', 'producer', 'owner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Recorded in the audit log: `team:role#keyId`, or `anonymous` when auth is off. */
  actor: string;
  /** null only for the anonymous principal of auth-off mode. */
  team: string | null;
  role: Role;
}

/** Auth off: everyone is an anonymous admin. The server says so at start. */
export const ANONYMOUS: Principal = { actor: 'anonymous', team: null, role: 'admin' };

/** Throws FORBIDDEN unless `principal` has at least `role` for `team` (admins: every team). */
export function requireRole(principal: Principal, role: Exclude<Role, 'admin' | 'reader'>, team: string, action: string): void {
  if (principal.role === 'admin') return;
  if (ROLES.indexOf(principal.role) < ROLES.indexOf(role)) {
    throw forbidden(`${action} needs the ${role} role; this key has the ${principal.role} role`);
  }
  if (principal.team !== team) {
    throw forbidden(`${action} is for team ${team}; this key belongs to team ${principal.team}`);
  }
}

/** Throws FORBIDDEN unless `principal` has at least `role` for some team (for team-less actions). */
export function requireAnyTeamRole(principal: Principal, role: Exclude<Role, 'reader'>, action: string): void {
  if (ROLES.indexOf(principal.role) < ROLES.indexOf(role)) {
    throw forbidden(`${action} needs the ${role} role; this key has the ${principal.role} role`);
  }
}

export const unauthenticated = (message: string) => new CodedError('UNAUTHENTICATED', message);
