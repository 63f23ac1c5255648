// The README's GraphQL examples, for the tests that run them (readme.test.ts, fast-path.test.ts).
import fs from 'node:fs';

export const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Every ```graphql block of the README, in order, without its indentation. */
export function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```graphql\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((line) => line.slice(indent!.length))
      .join('\n'),
  );
}
