// The JSON body of a /graphql POST, read once per request whichever path serves it: the fast path reads it to
// know the operation, and when the request goes on to Apollo through Express, Express finds it read (and a
// body refused for its size or syntax refused the same way).
//
// Express's own parser (body-parser) judges every body, but the common one, JSON in UTF-8 with a length and no
// compression, is read here without it: at one key a read, body-parser's media-type parsing, charset lookup and
// stream plumbing cost about 6% of the service's time per request (profile, 2026-11-26). Such a body is taken
// when it starts with `{` and parses; anything else (a BOM or whitespace first, another JSON value, malformed
// text) is handed to body-parser as the bytes that were read, so that it accepts or refuses it exactly as
// before. The differential test (test/fast-path.test.ts) holds both ways to the same bytes.
import type http from 'node:http';
import { Readable } from 'node:stream';
import express from 'express';

/** Largest request body accepted: big enough for a 10,000-row write batch, small enough to refuse abuse. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The same limit as body-parser reads it and as refusals name it: '16mb'. */
export const MAX_BODY = `${MAX_BODY_BYTES / 1024 ** 2}mb`;

const parseJson = express.json({ limit: MAX_BODY });

/** The content types read without body-parser, lowercased: JSON, in UTF-8 by default or by name. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

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
export function jsonBodyOf(req: BodyRequest, res: http.ServerResponse): Promise<{ body: unknown } | undefined> {
  if (req[bodyRead] || !isPlainJson(req)) return viaBodyParser(req, req, res);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', () => {
      // The client went away mid-body, as body-parser would say; nobody is left to read the answer.
      req[bodyRead] = { error: Object.assign(new Error('request aborted'), { status: 400, type: 'request.aborted' }) };
      resolve(undefined);
    });
    req.once('end', () => {
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (bytes[0] === 0x7b /* { */) {
        try {
          const body: unknown = JSON.parse(bytes.toString('utf8'));
          req.body = body;
          req[bodyRead] = { error: undefined };
          return resolve({ body });
        } catch {
          // Malformed: body-parser words the refusal.
        }
      }
      resolve(viaBodyParser(req, replayOf(req, bytes), res));
    });
  });
}

/** A JSON body in UTF-8, of a declared length within the limit, not compressed: the one read here. */
function isPlainJson(req: http.IncomingMessage): boolean {
  const { headers } = req;
  const type = headers['content-type'];
  const length = headers['content-length'];
  return (
    type !== undefined &&
    PLAIN_JSON.has(type.toLowerCase()) &&
    headers['content-encoding'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    length !== undefined &&
    /^\d{1,9}$/.test(length) &&
    Number(length) <= MAX_BODY_BYTES
  );
}

/** body-parser's reading of `source` (the request, or the bytes read from it), kept on `req`. */
function viaBodyParser(req: BodyRequest, source: BodyRequest, res: http.ServerResponse): Promise<{ body: unknown } | undefined> {
  return new Promise((resolve) => {
    readJsonBody(source, res, (error) => {
      if (source !== req) {
        req.body = source.body;
        req[bodyRead] = { error };
      }
      resolve(error ? undefined : { body: req.body });
    });
  });
}

/** The bytes already read from `req`, as a request body-parser can read again (the same headers). */
function replayOf(req: http.IncomingMessage, bytes: Buffer): BodyRequest {
  const replay = Readable.from(bytes.length > 0 ? [bytes] : [], { objectMode: false }) as unknown as BodyRequest;
  return Object.assign(replay, { headers: req.headers, method: req.method, url: req.url });
}
