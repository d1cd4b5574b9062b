/**
 * A guest mail as its recipient would get it, before it is sent or saved: the header lines, the
 * plain-text part, and the HTML part inside a sandboxed `<iframe srcdoc>` — no scripts, no forms, no
 * same-origin access, so nothing in the mail can act in the dashboard. Its inline styles render only
 * because pages that show a preview add `style-src-attr 'unsafe-inline'` to their CSP (`MAIL_PREVIEW_CSP`).
 */
import type { FC } from 'hono/jsx';

/** A rendered mail as the preview shows it (the services' `MailPreview`). */
export type MailPreviewProps = {
  subject: string;
  text: string;
  html: string;
  to: { name: string; address: string };
  attachments: readonly string[];
};

export const MailPreview: FC<{ preview: MailPreviewProps; heading: string; note?: string }> = ({ preview, heading, note }) => (
  <section class="mail-preview" aria-labelledby="mail-preview-heading">
    <h2 id="mail-preview-heading" tabindex={-1}>
      {heading}
    </h2>
    {note ? <p class="muted">{note}</p> : null}
    <dl class="facts">
      <dt>To</dt>
      <dd>{preview.to.name ? `${preview.to.name} <${preview.to.address}>` : preview.to.address}</dd>
      <dt>Subject</dt>
      <dd>{preview.subject}</dd>
      <dt>Attached</dt>
      <dd>{preview.attachments.length > 0 ? preview.attachments.join(', ') : 'Nothing'}</dd>
    </dl>
    <div class="preview-parts">
      <div>
        <h3>As HTML</h3>
        <iframe class="mail-frame" title={`The mail as HTML: ${preview.subject}`} sandbox="" srcdoc={preview.html}></iframe>
      </div>
      <div>
        <h3>As plain text</h3>
        <pre class="mail-text">{preview.text}</pre>
      </div>
    </div>
  </section>
);
