// The query-depth limit, as a validation rule. It replaces graphql-depth-limit, which recurses once per
// selection and per fragment spread: a fragment cycle (`fragment A on Query { ...A }`) recursed until the stack
// overflowed, and so did `Math.max(...selections)` over 600,000 aliased fields, both as HTTP 500. This rule
// uses explicit stacks, measures each fragment once, and counts a spread that closes a cycle as 0 (graphql-js's
// NoFragmentCyclesRule, which runs in the same validation pass, reports the cycle itself).
import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';

/**
 * Depth counts the fields with a selection set along the deepest path (`{ features { name } }` is 1), as
 * graphql-depth-limit did. Introspection fields (`__schema`, `__type`) end a path: GraphiQL's introspection
 * query is deep, and it reads the schema, not data.
 */
export function depthRule(maxDepth: number): ValidationRule {
  return (context) => ({
    Document(document) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const fragmentDepth = fragmentDepths(fragments);
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        if (selectionDepth(definition.selectionSet, fragmentDepth) > maxDepth) {
          context.reportError(
            new GraphQLError(`'${definition.name?.value ?? ''}' exceeds maximum operation depth of ${maxDepth}`, { nodes: definition }),
          );
        }
      }
      return false;
    },
  });
}

/** The depth of a selection set, given the depth of every fragment it may spread (an unknown one counts 0). */
function selectionDepth(root: SelectionSetNode, fragmentDepth: ReadonlyMap<string, number>): number {
  let deepest = 0;
  const pending: [SelectionSetNode, number][] = [[root, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [set, depth] = next;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet || selection.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, depth + 1);
        pending.push([selection.selectionSet, depth + 1]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push([selection.selectionSet, depth]);
      } else {
        deepest = Math.max(deepest, depth + (fragmentDepth.get(selection.name.value) ?? 0));
      }
    }
  }
  return deepest;
}

/** The names of the fragments a selection set spreads, at any depth. */
function spreadsOf(root: SelectionSetNode): string[] {
  const names: string[] = [];
  const pending = [root];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return names;
}

/** Each fragment's depth, computed after the fragments it spreads (depth-first, with an explicit stack). */
function fragmentDepths(fragments: ReadonlyMap<string, FragmentDefinitionNode>): Map<string, number> {
  const depths = new Map<string, number>();
  const started = new Set<string>();
  for (const first of fragments.keys()) {
    const pending = [first];
    while (pending.length > 0) {
      const name = pending.at(-1)!;
      if (depths.has(name)) {
        pending.pop();
        continue;
      }
      const fragment = fragments.get(name)!;
      if (!started.has(name)) {
        started.add(name);
        // A spread already started and not finished is on the current path: a cycle, measured as 0.
        const unmeasured = spreadsOf(fragment.selectionSet).filter((n) => fragments.has(n) && !started.has(n));
        if (unmeasured.length > 0) {
          for (const spread of unmeasured) pending.push(spread);
          continue;
        }
      }
      depths.set(name, selectionDepth(fragment.selectionSet, depths));
      pending.pop();
    }
  }
  return depths;
}
