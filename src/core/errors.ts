// Errors a caller can cause, with the public codes of DESIGN.md section 3. The domain throws these; the
// GraphQL layer turns them into GraphQL errors with `extensions.code`. Anything else is an internal error.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'UNAVAILABLE';

export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new CodedError('BAD_USER_INPUT', message, details);
export const notFound = (message: string) => new CodedError('NOT_FOUND', message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new CodedError('CONFLICT', message, details);
export const forbidden = (message: string) => new CodedError('FORBIDDEN', message);
export const unauthenticated = (message: string) => new CodedError('UNAUTHENTICATED', message);
/** A store the request needs does not answer now: the caller may retry shortly (503). */
export const unavailable = (message: string) => new CodedError('UNAVAILABLE', message);

/**
 * A service or command-line tool that cannot start: bad configuration, a DATA_DIR another process holds. Not an
 * API error (no request is being answered, so the GraphQL layer never sees one): main.ts and the command-line
 * tools print its message alone, without a stack, and exit 1. The message says what to change; the code says
 * which kind of failure it is, for a caller that handles one kind (a DATA_DIR held by another process is a
 * CONFLICT between processes, not the API's CONFLICT with the registry's state).
 */
export class StartupError extends Error {
  constructor(
    readonly code: 'INVALID_CONFIGURATION' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
