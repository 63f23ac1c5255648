// The operations Apollo has parsed, validated and priced, compiled by graphql-jit, kept so that a repeat
// request pays none of that again: the executor (executor.ts) adds an operation the first time Apollo hands it
// over, which is after every validation rule and the request limits passed; the HTTP fast path
// (src/http/fast-path.ts) serves repeats from here.
//
// The key is the query text and the operation name, and nothing else, because nothing else changes what is
// kept: parsing, validation (depth, tokens, introspection) and compilation depend on the text, the operation
// chosen and the schema, which is fixed for the life of the cache (one cache per server). No validation rule
// reads who is calling. What does change per request is not kept: the price (it reads the variables, @skip and
// @include conditions and the registry snapshot of the moment), the variables' types and the caller's
// permissions are checked again on every request.
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { DataJson } from './result-json.js';

export interface CachedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
  /** Writes its results' data (result-json.ts); none when the shape is not known before it runs. */
  dataJson: DataJson | undefined;
}

/** Distinct operations kept compiled; clients send a handful, so this only bounds abuse. */
const MAX_OPERATIONS = 1_000;

export class OperationCache {
  private readonly operations = new LRUCache<string, CachedOperation>({ max: MAX_OPERATIONS });

  get(query: string, operationName: string | null | undefined): CachedOperation | undefined {
    return this.operations.get(operationKey(query, operationName));
  }

  set(query: string, operationName: string | null | undefined, operation: CachedOperation): void {
    this.operations.set(operationKey(query, operationName), operation);
  }
}

/** No operation name can contain NUL, so the name and the text cannot run into each other. */
function operationKey(query: string, operationName: string | null | undefined): string {
  return `${operationName ?? ''}\u0000${query}`;
}
