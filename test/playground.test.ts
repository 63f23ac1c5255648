/**
 * The GraphiQL playground a browser gets on GET /graphql (src/graphql/playground.ts): the page must be
 * self-contained (GraphiQL's ~9 MB of scripts and styles inlined, no CDN) and must actually work in a browser
 * with no internet access. A headless Chromium loads it with every non-local request aborted, runs a query
 * through the editor and reads the result pane.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedded } from './support/backends.js';
import { gql, withService } from './support/service.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// The page is ~9 MB of inline JavaScript and the test machines are slow: be generous.
const BROWSER_TEST_TIMEOUT = 90_000;
const STEP_TIMEOUT = 60_000;

const QUERY = '{ features { name versions { ref } } }';

/** Whether a URL the page asks for stays on this machine (data: and blob: never leave the page). */
function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Collapses runs of whitespace (including the no-break spaces Monaco renders) to one space. */
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The query of a GraphQL POST body, without whitespace; undefined if it is not one. */
function sentQuery(body: string | null): string | undefined {
  try {
    const { query } = JSON.parse(body ?? '') as { query?: unknown };
    return typeof query === 'string' ? query.replace(/\s+/g, '') : undefined;
  } catch {
    return undefined;
  }
}

/** Tags outside <script> and <style> bodies (whose JavaScript and CSS mention URLs in strings). */
function markupOnly(html: string): string {
  return html.replace(/<script\b([^>]*)>[\s\S]*?<\/script>/gi, '<script$1></script>').replace(/<style\b([^>]*)>[\s\S]*?<\/style>/gi, '<style$1></style>');
}

/** The contents of every <style> element. */
function styles(html: string): string {
  return [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1]).join('\n');
}

describe('GraphiQL playground', () => {
  const fixture = withService(embedded);
  let browser: Browser | undefined;

  beforeAll(async () => {
    const entity = await gql(fixture.service, 'mutation { registerEntity(name: "user", keyName: "user_id") { name } }');
    expect(entity).toEqual({ status: 200, data: { registerEntity: { name: 'user' } } });
    const version = await gql(
      fixture.service,
      `mutation {
        registerFeatureVersion(input: { feature: "click_rate_7d", entity: "user", owner: "growth", valueType: FLOAT64, window: "7d", maxAge: "1h" }) {
          version { ref }
          created
        }
      }`,
    );
    expect(version).toEqual({ status: 200, data: { registerFeatureVersion: { version: { ref: 'click_rate_7d@1' }, created: true } } });

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('serves a self-contained HTML page to a browser', async () => {
    const response = await fetch(`${fixture.service.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html\b/);
    const html = await response.text();
    expect(html).toMatch(/^\s*<!doctype html>/i);
    expect(html).toContain('<title>Feature registry</title>');

    const markup = markupOnly(html);
    // Scripts and styles are inline: no <script src>, no stylesheet <link>.
    expect(markup.match(/<script\b[^>]*\bsrc\s*=/gi) ?? []).toEqual([]);
    expect(markup.match(/<link\b[^>]*\brel\s*=\s*["']?(stylesheet|preload|modulepreload)/gi) ?? []).toEqual([]);
    // No tag references anything off the page (data: URIs are fine).
    expect(markup.match(/\b(src|href|srcset|action|poster)\s*=\s*["']?\s*(https?:)?\/\/[^\s"'>]*/gi) ?? []).toEqual([]);
    // Nor does the CSS (fonts and images are data: URIs).
    const css = styles(html);
    expect(css.match(/@import[^;]*/gi) ?? []).toEqual([]);
    expect(css.match(/url\(\s*["']?\s*(https?:)?\/\/[^)]*\)/gi) ?? []).toEqual([]);
  });

  it(
    'runs a query in headless Chromium with no internet access',
    async () => {
      const context: BrowserContext = await browser!.newContext();
      try {
        const external: string[] = [];
        const pageErrors: string[] = [];
        const consoleErrors: string[] = [];

        // At the context level so that requests from the page's workers (Monaco's) are seen too.
        context.on('request', (request) => {
          if (!isLocal(request.url())) external.push(`${request.method()} ${request.url()}`);
        });
        await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort('internetdisconnected')));

        const page: Page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('websocket', (socket) => {
          if (!isLocal(socket.url())) external.push(`WEBSOCKET ${socket.url()}`);
        });

        const response = await page.goto(`${fixture.service.url}/graphql`, { waitUntil: 'load', timeout: STEP_TIMEOUT });
        expect(response?.status()).toBe(200);

        // GraphiQL has rendered its query editor, with the playground's default query in it.
        const queryEditor = page.locator('.graphiql-query-editor .monaco-editor');
        await queryEditor.locator('.view-lines').filter({ hasText: 'The feature registry' }).waitFor({ timeout: STEP_TIMEOUT });
        const executeButton = page.locator('.graphiql-execute-button');
        await executeButton.waitFor({ timeout: STEP_TIMEOUT });

        // Replace the query. Typing is no good here: Monaco auto-closes brackets, so a typed "{" gains a "}".
        // Set it through Monaco's own API (GraphiQL puts Monaco on globalThis.__MONACO when it initializes),
        // on the editor that lives in the query pane, as a user edit that GraphiQL's change listener sees.
        await queryEditor.click();
        const replaced = await page.evaluate((query) => {
          const monaco = (globalThis as any).__MONACO;
          if (!monaco?.editor?.getEditors) return 'globalThis.__MONACO.editor.getEditors is missing';
          const editor = monaco.editor
            .getEditors()
            .find((e: any) => e.getContainerDomNode().closest('.graphiql-query-editor'));
          if (!editor) return 'no Monaco editor inside .graphiql-query-editor';
          const model = editor.getModel();
          editor.pushUndoStop();
          editor.executeEdits('playground-test', [{ range: model.getFullModelRange(), text: query, forceMoveMarkers: true }]);
          editor.pushUndoStop();
          return model.getValue();
        }, QUERY);
        expect(replaced).toBe(QUERY);
        // The edit reached the screen too (Monaco renders spaces as no-break spaces: normalize).
        await expect
          .poll(async () => normalize(await queryEditor.locator('.view-lines').innerText()), { timeout: STEP_TIMEOUT })
          .toBe(QUERY);

        // Run it, as a user would: the execute button. (GraphiQL sends the query minified: compare without
        // whitespace.)
        const executed = page.waitForResponse(
          (r) =>
            r.request().method() === 'POST' &&
            new URL(r.url()).pathname === '/graphql' &&
            sentQuery(r.request().postData()) === QUERY.replace(/\s+/g, ''),
          { timeout: STEP_TIMEOUT },
        );
        await executeButton.click();
        expect((await executed).status()).toBe(200);

        // The result pane shows the registered version...
        const resultPane = page.locator('.graphiql-response');
        await resultPane.filter({ hasText: 'click_rate_7d@1' }).waitFor({ timeout: STEP_TIMEOUT });
        expect(await resultPane.innerText()).toContain('click_rate_7d@1');
        // ...and it is exactly this query's result (the pane's model holds all of it, not just the visible lines).
        const result = await page.evaluate(() => {
          const editor = (globalThis as any).__MONACO.editor
            .getEditors()
            .find((e: any) => e.getContainerDomNode().closest('.graphiql-response'));
          return editor?.getModel()?.getValue() as string | undefined;
        });
        expect(JSON.parse(result ?? 'null')).toEqual({
          data: { features: [{ name: 'click_rate_7d', versions: [{ ref: 'click_rate_7d@1' }] }] },
        });

        expect(external, 'requests that tried to leave the machine').toEqual([]);
        expect(pageErrors, 'uncaught errors in the page').toEqual([]);
        if (consoleErrors.length > 0) console.warn('console errors in the playground page:\n' + consoleErrors.join('\n'));
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
