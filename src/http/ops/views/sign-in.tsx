/** The pages of staff sign-in: ask for a link, check your mail, the scanner-safe button, a link that no longer works. */
import type { FC } from 'hono/jsx';
import { PlainPage } from './layout';

export const RequestLinkPage: FC<{ css: string; email?: string; error?: string }> = ({ css, email, error }) => (
  <PlainPage title="Sign in to the office" css={css}>
    <p>Enter the e-mail address the office knows you by. We mail you a link that signs you in; no password.</p>
    <form method="post" action="/app/login" novalidate>
      <label for="email">E-mail address</label>
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="email"
        required
        value={email ?? ''}
        {...(error ? { 'aria-invalid': 'true', 'aria-describedby': 'email-error' } : {})}
      />
      {error ? (
        <p class="field-error" id="email-error">
          {error}
        </p>
      ) : null}
      <button type="submit">Mail me a sign-in link</button>
    </form>
  </PlainPage>
);

export const CheckMailPage: FC<{ css: string }> = ({ css }) => (
  <PlainPage title="Check your mail" css={css}>
    <p>If this address belongs to someone in an office on Bosun, a sign-in link is on its way. It works for an hour.</p>
    <p>Work for several operators? Each one sends its own link: open the one you want to work in.</p>
  </PlainPage>
);

/** GET of a link only shows this button: mail scanners that follow links do not sign anyone in. */
export const SignInButtonPage: FC<{ css: string; action: string }> = ({ css, action }) => (
  <PlainPage title="Sign in" css={css}>
    <form method="post" action={action}>
      <button type="submit">Sign in to the office dashboard</button>
    </form>
  </PlainPage>
);

const REASONS = {
  invalid: 'This sign-in link is not valid. Copy the whole link from the mail, or ask for a new one.',
  expired: 'This sign-in link has expired. Ask for a new one: it comes within a minute.',
  revoked: 'This sign-in link no longer works. Ask for a new one.',
} as const;

export const LinkNotValidPage: FC<{ css: string; reason: keyof typeof REASONS }> = ({ css, reason }) => (
  <PlainPage title="Link not valid" css={css}>
    <p>{REASONS[reason]}</p>
    <p>
      <a href="/app/login">Ask for a new sign-in link</a>
    </p>
  </PlainPage>
);

export const MessagePage: FC<{ css: string; title: string; message: string; back?: string }> = ({ css, title, message, back }) => (
  <PlainPage title={title} css={css}>
    <p>{message}</p>
    <p>
      <a href={back ?? '/app'}>Back</a>
    </p>
  </PlainPage>
);
