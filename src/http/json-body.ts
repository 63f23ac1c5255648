// The JSON body of a /graphql POST, read once per request by Express's own parser (body-parser), whichever
// path serves the request: the fast path reads it to know the operation, and when the request goes on to
// Apollo through Express, Express finds it read (and a body refused for its size or syntax refused the same way).
import type http from 'node:http';
import express from 'express';

/** Largest request body accepted: big enough for a 10,000-row write batch, small enough to refuse abuse. */
export const MAX_BODY = '16mb';

const parseJson = express.json({ limit: MAX_BODY });

/** What reading the body came to: body-parser's error (too large, malformed, wrong charset), or none. */
const bodyRead = Symbol('json body read');

type BodyRequest = http.IncomingMessage & { body?: unknown; [bodyRead]?: { error: unknown } };

/** Express middleware (and a plain function for node:http): reads the body into req.body, once. */
export function readJsonBody(req: BodyRequest, res: http.ServerResponse, next: (error?: unknown) => void): void {
  const read = req[bodyRead];
  if (read) return next(read.error);
  parseJson(req as express.Request, res as express.Response, (error?: unknown) => {
    req[bodyRead] = { error };
    next(error);
  });
}

/**
 * The answer to a request that failed outside GraphQL execution: a body refused by the parser (its status
 * from body-parser: 413 too large, 400 malformed) or an internal failure (500, logged by the caller). Express's
 * error handler and the fast path both answer with it.
 */
export function requestFailure(error: unknown, status = (error as { status?: number }).status ?? 500): { status: number; body: { errors: { message: string; extensions: { code: string } }[] } } {
  const message = status === 413 ? `request body larger than ${MAX_BODY}` : status < 500 ? String((error as Error).message) : 'internal error';
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/** The parsed body, or undefined when reading it failed (the error is Express's to answer). */
export function jsonBodyOf(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ body: unknown } | undefined> {
  return new Promise((resolve) => {
    readJsonBody(req, res, (error) => resolve(error ? undefined : { body: (req as BodyRequest).body }));
  });
}
