// Who is calling, and what each role may do. Roles are ordered: each can do what the ones before it can.
// - reader: every query
// - producer: also writes values for producers its team owns
// - owner: also registers and changes the features, producers and consumers its team owns
// - admin: everything, for every team
import { forbidden } from './errors.js';

export const ROLES = ['reader', 'producer', 'owner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Recorded in the audit log: `team:role#keyId`, or `anonymous` when auth is off. */
  actor: string;
  /** null only for the anonymous principal of auth-off mode. */
  team: string | null;
  role: Role;
  /** The API key behind the principal (absent when auth is off or for the command-line tool). */
  keyId?: number;
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

/**
 * Throws FORBIDDEN unless `principal` has at least `role` for one of `teams` (admins: every team); a null
 * team stands for something only an admin may change.
 */
export function requireRoleInAny(
  principal: Principal,
  role: Exclude<Role, 'admin' | 'reader'>,
  teams: readonly (string | null)[],
  action: string,
): void {
  if (principal.role === 'admin') return;
  const owned = teams.filter((t): t is string => t !== null);
  if (owned.length === 0) throw forbidden(`${action} needs the admin role; this key has the ${principal.role} role`);
  if (owned.includes(principal.team ?? '')) return requireRole(principal, role, principal.team!, action);
  throw forbidden(`${action} is for team ${[...new Set(owned)].join(' or ')}; this key belongs to team ${principal.team}`);
}

/**
 * Throws FORBIDDEN unless `principal` may create or revoke a key for `team` with `role`: an admin any key, an
 * owner keys of its own team up to the owner role (nobody hands out more than they hold).
 */
export function requireKeyGrant(principal: Principal, team: string, role: Role, action: string): void {
  if (principal.role === 'admin') return;
  requireRole(principal, 'owner', team, action);
  if (role === 'admin') throw forbidden(`${action}: only an admin may manage admin keys`);
}

/** Throws FORBIDDEN unless `principal` has at least `role` for some team (for team-less actions). */
export function requireAnyTeamRole(principal: Principal, role: Exclude<Role, 'reader'>, action: string): void {
  if (ROLES.indexOf(principal.role) < ROLES.indexOf(role)) {
    throw forbidden(`${action} needs the ${role} role; this key has the ${principal.role} role`);
  }
}

