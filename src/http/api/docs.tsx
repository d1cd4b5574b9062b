/**
 * The API reference at `/api/docs`: Swagger UI (swagger-ui-dist, ADR 0017) rendering
 * `/api/v1/openapi.json`. Its assets are served by Bosun itself from node_modules (or from beside
 * the Lambda bundle) — no CDN, no request to another host — under a CSP that allows this origin's
 * scripts, styles and fetches only.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';

/** The API's description in the OpenAPI document: what every route shares. */
export const API_DESCRIPTION = [
  'Bookings, crew events and calendar for charter operators.',
  '',
  'Authenticate with `X-Service-Key`, `X-Dashboard-Token` or `Authorization: Bearer` (one credential per request). ' +
    'A missing or unknown key answers 401, a key without the scope 403, and another tenant’s resource 404.',
  '',
  'Bodies are JSON (`Content-Type: application/json`, UTF-8, at most 1 MiB). Every error is `application/problem+json` ' +
    '(RFC 9457) with `status`, `title` and `detail`, and `errors` naming each invalid field by its path.',
  '',
  'Times are ISO 8601 with an offset; bookings are shown in their vessel’s time zone.',
].join('\n');

export const DOCS_PATH = '/api/docs';
const SPEC_URL = '/api/v1/openapi.json';

/** Scripts, styles and fetches from this origin only; pictures inline (the stylesheet's icons are data: URIs). */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Starts Swagger UI on the page. Deep links stay off: they put a link inside each operation's
 * button (nested interactive controls); the validator badge stays off: it asks validator.swagger.io.
 * A parameter's list of values is a <select> without a label in Swagger UI: each is named after its
 * parameter as it appears.
 */
const INIT_SCRIPT = `(function () {
  var root = document.getElementById('api-reference');
  function nameSelects() {
    var selects = root.querySelectorAll('.parameters select:not([aria-label])');
    for (var i = 0; i < selects.length; i++) {
      var row = selects[i].closest('tr');
      var name = row && row.querySelector('.parameter__name');
      if (name) selects[i].setAttribute('aria-label', name.textContent.replace(/\\*$/, '').trim());
    }
  }
  new MutationObserver(nameSelects).observe(root, { childList: true, subtree: true });
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec'),
    domNode: root,
    deepLinking: false,
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    syntaxHighlight: { activated: true, theme: 'idea' }
  });
})();
`;

/**
 * Colours that reach WCAG AA contrast (4.5:1) where Swagger UI's own do not, and code examples that
 * wrap instead of scrolling (a scrolling region would need to be focusable).
 */
const OVERRIDES_CSS = `body{margin:0;background:#fff}
.swagger-ui .info .title small.version-stamp{background-color:#3d5a00}
.swagger-ui .info .title small pre{color:#fff}
.swagger-ui .info a,.swagger-ui .info .url{color:#1c5aa6}
.swagger-ui .btn.authorize{color:#17683f;border-color:#17683f}
.swagger-ui .btn.authorize svg{fill:#17683f}
.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#17683f}
.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#1c5aa6}
.swagger-ui .opblock.opblock-patch .opblock-summary-method{background:#0b6656}
.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#8a4b00}
.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#b3261e}
.swagger-ui .opblock-tag small,.swagger-ui .opblock .opblock-summary-description{color:#1b1b1b}
.swagger-ui .parameter__in,.swagger-ui .parameter__deprecated,.swagger-ui .prop-format,.swagger-ui .renderedMarkdown p{color:#3b3b3b}
.swagger-ui .parameters-col_description input::placeholder{color:#595959}
.swagger-ui .json-schema-2020-12-expand-deep-button,.swagger-ui .json-schema-2020-12__constraint{color:#3b3b3b}
.swagger-ui .json-schema-2020-12__attribute--primary,.swagger-ui .json-schema-2020-12-keyword__value--secondary{color:#3b3b3b}
.swagger-ui .response-col_status .response-undocumented,.swagger-ui .response-col_links{color:#3b3b3b}
.swagger-ui .tab li button.tablinks{color:#1b1b1b}
.swagger-ui .highlight-code>pre.microlight{white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere;overflow:visible;max-height:none}
`;

type Asset = {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
  version: string;
  /** Subresource Integrity: the browser runs or applies the asset only if it is exactly this. */
  integrity: string;
};

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function asset(body: Buffer, type: string): Asset {
  const digest = createHash('sha256').update(body).digest();
  const hash = digest.toString('base64url');
  return {
    // Copied once into plain byte arrays, the shape a Response body takes.
    body: new Uint8Array(body),
    gzip: new Uint8Array(gzipSync(body, { level: 9 })),
    type,
    etag: `"${hash.slice(0, 27)}"`,
    version: hash.slice(0, 12),
    integrity: `sha256-${digest.toString('base64')}`,
  };
}

let assets: Map<string, Asset> | undefined;

/**
 * Where swagger-ui-dist's files are, relative to the module, when they were copied beside a bundle
 * (the Lambda bundle defines it: ADR 0026); otherwise they are read from node_modules.
 */
declare const __BOSUN_SWAGGER_UI_DIR__: string | undefined;

/** The assets by file name, read from node_modules and compressed once, on first use. */
function loadAssets(): Map<string, Asset> {
  if (!assets) {
    const dist =
      typeof __BOSUN_SWAGGER_UI_DIR__ === 'undefined'
        ? dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
        : fileURLToPath(new URL(__BOSUN_SWAGGER_UI_DIR__, import.meta.url));
    const file = (name: string) => readFileSync(join(dist, name));
    assets = new Map([
      ['swagger-ui-bundle.js', asset(file('swagger-ui-bundle.js'), JS)],
      ['swagger-ui.css', asset(file('swagger-ui.css'), CSS)],
      ['docs.js', asset(Buffer.from(INIT_SCRIPT), JS)],
      ['docs.css', asset(Buffer.from(OVERRIDES_CSS), CSS)],
    ]);
  }
  return assets;
}

/** An asset's URL, versioned by its content so that it can be cached for good, and its integrity. */
function assetRef(name: string): { url: string; integrity: string } {
  const found = loadAssets().get(name);
  return { url: `${DOCS_PATH}/assets/${name}?v=${found?.version ?? ''}`, integrity: found?.integrity ?? '' };
}

type Doc = { info: { title: string }; paths?: object | undefined };
type Operation = { summary?: string };

const Stylesheet: FC<{ name: string }> = ({ name }) => {
  const ref = assetRef(name);
  return <link rel="stylesheet" href={ref.url} integrity={ref.integrity} />;
};

const Script: FC<{ name: string }> = ({ name }) => {
  const ref = assetRef(name);
  return <script src={ref.url} integrity={ref.integrity} />;
};

const DocsPage: FC<{ doc: Doc }> = ({ doc }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${doc.info.title} reference`}</title>
      <Stylesheet name="swagger-ui.css" />
      <Stylesheet name="docs.css" />
    </head>
    <body>
      <div id="api-reference" data-spec={SPEC_URL} />
      <noscript>
        <h1>{doc.info.title}</h1>
        <p>
          This reference needs JavaScript. The OpenAPI 3.1 document is at <a href={SPEC_URL}>{SPEC_URL}</a>.
        </p>
        <ul>
          {Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
            Object.entries(ops as Record<string, Operation>).map(([method, op]) => (
              <li>
                {method.toUpperCase()} <code>{path}</code> — {op.summary}
              </li>
            )),
          )}
        </ul>
      </noscript>
      <Script name="swagger-ui-bundle.js" />
      <Script name="docs.js" />
    </body>
  </html>
);

const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': DOCS_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * The reference page and its assets. `getDocument` builds the OpenAPI document (for the page's
 * title and its list of operations without JavaScript); the page itself loads it from the API.
 */
export function createDocsRouter(getDocument: () => Doc) {
  const docs = new Hono();

  docs.get('/', (c) => c.html(`<!doctype html>${(<DocsPage doc={getDocument()} />).toString()}`, 200, PAGE_HEADERS));

  docs.get('/assets/:name', (c) => {
    const found = loadAssets().get(c.req.param('name'));
    if (!found) return c.text('Not found', 404, { 'x-content-type-options': 'nosniff' });
    const current = c.req.query('v') === found.version;
    const headers: Record<string, string> = {
      'content-type': found.type,
      etag: found.etag,
      // A versioned URL never changes; an unversioned one is checked each time.
      'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    const tags = c.req
      .header('if-none-match')
      ?.split(',')
      .map((t) => t.trim().replace(/^W\//, ''));
    if (tags?.includes(found.etag)) return c.body(null, 304, headers);
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (gzip) headers['content-encoding'] = 'gzip';
    return c.body(gzip ? found.gzip : found.body, 200, headers);
  });

  return docs;
}
