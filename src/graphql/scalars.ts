// DateTime and JSON scalars. DateTime input is lenient on purpose: a time that does not parse becomes an
// Invalid Date instead of failing the whole request, so a write batch can reject just the row that carries it
// (the domain checks every time it receives, and says which field was wrong).
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

const invalid = () => new Date(Number.NaN);

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: DateTimeResolver.description,
  // Dates from the registry; epoch milliseconds from online values (one fewer object per value served).
  serialize: (value) => (value instanceof Date ? value : new Date(value as number)).toISOString(),
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

export const JSON = JSONResolver;
