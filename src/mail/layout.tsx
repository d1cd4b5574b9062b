/** The frame of every Bosun mail: plain HTML with inline styles that mail clients keep. */
import type { Child, FC } from 'hono/jsx';

export type RenderedMail = { subject: string; text: string; html: string };

export const MailLayout: FC<{ title: string; tenantName: string; children?: Child }> = ({ title, tenantName, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
    </head>
    <body style="margin:0;padding:16px;background:#f5f7f9;font:16px/1.5 -apple-system,Segoe UI,Roboto,sans-serif;color:#1b2733">
      <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:20px">
        <p style="margin:0 0 12px;color:#5b6b7b;font-size:14px">{tenantName}</p>
        {children}
        <p style="margin:24px 0 0;color:#5b6b7b;font-size:13px">Sent by Bosun for {tenantName}. Replies reach the office.</p>
      </div>
    </body>
  </html>
);

export const Button: FC<{ href: string; children?: Child }> = ({ href, children }) => (
  <p style="margin:20px 0">
    <a href={href} style="display:inline-block;background:#0b5cab;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px">
      {children}
    </a>
  </p>
);

/** Labelled facts (label, value) as a two-column table: the one layout every mail client keeps. */
export const FactsTable: FC<{ rows: readonly (readonly [string, Child])[] }> = ({ rows }) => (
  <table style="border-collapse:collapse;margin:12px 0">
    <tbody>
      {rows.map(([k, v]) => (
        <tr>
          <th scope="row" style="text-align:left;padding:4px 12px 4px 0;color:#5b6b7b;font-weight:normal;vertical-align:top">
            {k}
          </th>
          <td style="padding:4px 0">{v}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** Renders a mail's JSX to a complete HTML document. */
export async function renderHtml(node: { toString(): string | Promise<string> }): Promise<string> {
  return `<!doctype html>${await node.toString()}`;
}
