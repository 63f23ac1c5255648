// DateTime and JSON scalars. DateTime input is lenient on purpose: a time that does not parse becomes an
// Invalid Date instead of failing the whole request, so a write batch can reject just the row that carries it
// (the domain checks every time it receives, and says which field was wrong).
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { formatEpochMs } from '../core/rfc3339.js';

const invalid = () => new Date(Number.NaN);

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: DateTimeResolver.description,
  // Dates from the registry; epoch milliseconds from online values, formatted without a Date (rfc3339.ts), and
  // only for the values whose eventTime a response selects.
  serialize: (value) =>
    typeof value === 'number' ? formatEpochMs(value) : (value instanceof Date ? value : new Date(value as number)).toISOString(),
  parseValue: (value) => {
    try {
      return DateTimeResolver.parseValue(value) as Date;
    } catch {
      return invalid();
    }
  },
  parseLiteral: (ast, variables) => {
    try {
      return DateTimeResolver.parseLiteral(ast, variables) as Date;
    } catch {
      return invalid();
    }
  },
});

/**
 * JSON literals nest at most this deep. graphql-scalars turns a literal into a value recursively, so a literal
 * nested thousands deep would overflow the stack there, before any resolver (or role check) could refuse it;
 * the depth is measured first, without recursion. Values passed as variables arrive already parsed, and the
 * domain checks their depth the same way (text.ts, jsonProblem).
 */
export const MAX_JSON_LITERAL_DEPTH = 64;

function literalDepth(ast: ValueNode): number {
  let deepest = 0;
  const pending: { node: ValueNode; depth: number }[] = [{ node: ast, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, depth } = item;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_LITERAL_DEPTH) break;
    if (node.kind === Kind.OBJECT) for (const field of node.fields) pending.push({ node: field.value, depth: depth + 1 });
    if (node.kind === Kind.LIST) for (const value of node.values) pending.push({ node: value, depth: depth + 1 });
  }
  return deepest;
}

export const JSON = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  parseLiteral: (ast, variables) => {
    if (literalDepth(ast) > MAX_JSON_LITERAL_DEPTH) {
      throw new GraphQLError(`JSON literal nests deeper than ${MAX_JSON_LITERAL_DEPTH} levels`, {
        nodes: ast,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return JSONResolver.parseLiteral(ast, variables);
  },
});
