// The GraphiQL playground served on a browser's GET of /graphql. It is rendered by
// @graphql-yoga/render-graphiql, which inlines GraphiQL's scripts and styles into the page, so it works with
// no internet access (Apollo's landing pages load from a CDN). The page is large (~9 MB), so it is rendered
// and compressed once.
import { gzipSync } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

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

let page: PlaygroundPage | undefined;

export function playgroundPage(): PlaygroundPage {
  if (!page) {
    const html = renderGraphiQL({ endpoint: '/graphql', title: 'Feature registry', defaultQuery: DEFAULT_QUERY });
    page = { html, gzipped: gzipSync(html) };
  }
  return page;
}

/** A browser asking for a page (not a GraphQL client doing a GET query). */
export function wantsPlayground(method: string, accept: string | undefined, hasQuery: boolean): boolean {
  return method === 'GET' && !hasQuery && (accept ?? '').includes('text/html');
}
