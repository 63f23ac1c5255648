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
