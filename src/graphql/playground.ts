// The GraphiQL playground served on a browser's GET of /graphql. It is rendered by
// @graphql-yoga/render-graphiql, which inlines GraphiQL's scripts and styles into the page, so it works with
// no internet access (Apollo's landing pages load from a CDN). The page is large (~9 MB), so it is rendered
// and compressed once, on the first browser visit: loading the renderer costs a start-up ~0.3 s and ~45 MB
// that an instance serving only clients never needs.
import { gzipSync } from 'node:zlib';

const DEFAULT_QUERY = `# The feature registry. Try:
{
  features {
    name
    owner
    versions { ref status valueType maxAge producers { name } consumers { name } }
  }
  bindingMismatches { consumer { name } pinned { ref } produced { ref } reason }
}
`;

export interface PlaygroundPage {
  html: string;
  gzipped: Buffer;
}

let page: Promise<PlaygroundPage> | undefined;

export function playgroundPage(): Promise<PlaygroundPage> {
  return (page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => {
    const html = renderGraphiQL({ endpoint: '/graphql', title: 'Feature registry', defaultQuery: DEFAULT_QUERY });
    return { html, gzipped: gzipSync(html) };
  }));
}

/** A browser asking for a page (not a GraphQL client doing a GET query). */
export function wantsPlayground(method: string, accept: string | undefined, hasQuery: boolean): boolean {
  return method === 'GET' && !hasQuery && (accept ?? '').includes('text/html');
}
