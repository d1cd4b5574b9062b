/** Human API docs at `/api/docs`, rendered from the same OpenAPI document; self-contained, no external scripts. */
import type { FC } from 'hono/jsx';

type Doc = {
  info: { title: string; description?: string | undefined };
  paths?: object | undefined;
  components?: { schemas?: object | undefined } | undefined;
};
type Operation = { summary?: string; responses?: Record<string, unknown> };

const Page: FC<{ doc: Doc }> = ({ doc }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{doc.info.title}</title>
      <style>{`body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font:14px ui-monospace,monospace;background:#f4f4f4;border-radius:4px}pre{padding:1rem;overflow:auto}
.op{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}`}</style>
    </head>
    <body>
      <h1>{doc.info.title}</h1>
      <p>{doc.info.description}</p>
      <p>
        Authenticate with <code>X-Service-Key</code>, <code>X-Dashboard-Token</code> or <code>Authorization: Bearer</code>. Errors are{' '}
        <code>application/problem+json</code>. The machine-readable document is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
      </p>
      <h2>Operations</h2>
      {Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
        Object.entries(ops as Record<string, Operation>).map(([method, op]) => (
          <div class="op">
            <span class="m">{method.toUpperCase()}</span> <code>{path}</code> — {op.summary}
            <div>Responses: {Object.keys(op.responses ?? {}).join(', ')}</div>
          </div>
        )),
      )}
      <h2>Schemas</h2>
      {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
        <section>
          <h3 id={name}>{name}</h3>
          <pre>{JSON.stringify(schema, null, 2)}</pre>
        </section>
      ))}
    </body>
  </html>
);

export function renderApiDocs(doc: Doc): string {
  return `<!doctype html>${(<Page doc={doc} />).toString()}`;
}
