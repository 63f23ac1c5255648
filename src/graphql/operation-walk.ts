// The fields an operation may select: its own, then those of every fragment in its document. A field under
// @skip or @include is walked too, since what the variables leave out is only known when the operation runs.
import { Kind, visit, type ASTVisitor, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** Visits `operation`, then each fragment definition of `document`, with `visitor`. */
export function visitOperation(document: DocumentNode, operation: OperationDefinitionNode, visitor: ASTVisitor): void {
  visit(operation, visitor);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, visitor);
  }
}
