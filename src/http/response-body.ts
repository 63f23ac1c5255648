// What Apollo makes of an execution result, for the fast path, which executes without Apollo: the errors
// formatted as Apollo's pipeline formats them (its errorNormalize.ts, which it does not export), the status
// the httpStatusPlugin chooses, and the body as Apollo writes it (errors before data, one line, by the
// operation's writer: graphql/result-json.ts). The differential test (test/fast-path.test.ts) holds the two to
// the same bytes.
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { responseStatus } from '../graphql/http-status.js';
import { resultJson, type DataJson } from '../graphql/result-json.js';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface ResponseBody {
  status: number;
  body: string;
}

export function responseBody(result: ExecutionResult, formatError: FormatError, graphqlResponseJson: boolean, dataJson: DataJson | undefined): ResponseBody {
  let status: number | undefined;
  let errors: GraphQLFormattedError[] | undefined;
  if (result.errors) {
    errors = result.errors.map((error) => {
      const { formatted, httpStatus } = enriched(error);
      if (httpStatus !== undefined) status = httpStatus;
      try {
        return formatError(formatted, error);
      } catch {
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
    // Apollo's status400ForVariableCoercionErrors: no data at all means the request never ran.
    if (errors.length > 0 && result.data === undefined && status === undefined) status = 400;
  }
  status = responseStatus(status, result.data, errors, graphqlResponseJson) ?? 200;
  return { status, body: resultJson({ errors, data: result.data, extensions: result.extensions }, dataJson) };
}

/** An error as Apollo hands it to formatError: with a code (INTERNAL_SERVER_ERROR when it has none), its HTTP status taken out. */
function enriched(error: GraphQLError): { formatted: GraphQLFormattedError; httpStatus: number | undefined } {
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
  const http = extensions.http as { status?: unknown } | undefined;
  let httpStatus: number | undefined;
  if (http && typeof http === 'object') {
    if (typeof http.status === 'number') httpStatus = http.status;
    delete extensions.http;
  }
  return { formatted: { ...error.toJSON(), extensions }, httpStatus };
}
