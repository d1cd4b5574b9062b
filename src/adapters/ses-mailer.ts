/**
 * SesMailer: sends through Amazon SES (API v2, `SendEmail` with the raw message) with nodemailer's SES
 * transport, `BOSUN_MAIL=ses://REGION`. The message is built by the same `nodemailer-message.ts` as
 * SMTP's, so headers, parts and DKIM signing (Bosun's own, when configured, beside SES's Easy DKIM) are
 * the same. The function's role needs `ses:SendEmail` on the sending identity.
 *
 * SES sets a Message-ID of its own on the message it delivers (`<MessageId@REGION.amazonses.com>`);
 * nodemailer leaves Message-ID and Date out of the DKIM signature for that reason. The answer records
 * SES's MessageId; `messageId` stays Bosun's, as the Mailer port says.
 */
import type { SESv2Client, SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { Transporter } from 'nodemailer';
import type { Mailer, MailMessage, SentMail } from '../ports/mailer';
import { type MailerOptions, toNodemailerMessage, transportOptions } from './nodemailer-message';

export type SesLocation = { region: string; endpoint?: string | undefined; configurationSet?: string | undefined };

/**
 * SES's refusals of this message as it stands: sending it again unchanged fails the same way, so the
 * mail waits for a person (ADR 0022's final refusal). `MessageRejected`: SES will not send this message
 * (its content, or in the sandbox a recipient that is not verified); `BadRequestException`: a field of
 * the request SES cannot take, e.g. an address it cannot parse.
 *
 * Everything else is passing and the job retries: throttling (`TooManyRequestsException`,
 * `LimitExceededException`, after the SDK's own retries), SES's 5xx answers and lost connections, and
 * what the installation has to fix before any mail goes out — `MailFromDomainNotVerifiedException`
 * (the sender's domain), `AccountSuspendedException`, `SendingPausedException`, `NotFoundException`
 * (the configuration set), refused credentials. Like a refused SMTP login or sender, those deliver
 * once fixed, without a person sending each message again.
 */
const FINAL_REFUSALS = new Set(['MessageRejected', 'BadRequestException']);

export class SesMailer implements Mailer {
  /** The SDK, nodemailer and the client, loaded and made at the first message (ADR 0029). */
  #connecting: Promise<{ client: SESv2Client; transport: Transporter }> | undefined;
  readonly #configurationSet: string | undefined;

  constructor(
    private readonly location: SesLocation,
    private readonly options: MailerOptions & { clientConfig?: SESv2ClientConfig } = {},
  ) {
    this.#configurationSet = location.configurationSet;
  }

  private connect(): Promise<{ client: SESv2Client; transport: Transporter }> {
    this.#connecting ??= Promise.all([import('@aws-sdk/client-sesv2'), import('nodemailer')]).then(([sdk, nodemailer]) => {
      const client = new sdk.SESv2Client({
        region: this.location.region,
        ...(this.location.endpoint ? { endpoint: this.location.endpoint } : {}),
        // Bounded waits so a silent endpoint fails the job (and it retries) instead of holding a worker.
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
        ...this.options.clientConfig,
      });
      const transport = nodemailer.default.createTransport({
        SES: { sesClient: client, SendEmailCommand: sdk.SendEmailCommand },
        ...transportOptions(this.options),
      });
      return { client, transport };
    });
    return this.#connecting;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const { transport } = await this.connect();
    const info = await transport
      .sendMail({
        ...toNodemailerMessage(message),
        ...(this.#configurationSet ? { ses: { ConfigurationSetName: this.#configurationSet } } : {}),
      })
      .catch((err: unknown) => {
        const name = typeof (err as { name?: unknown })?.name === 'string' ? (err as { name: string }).name : '';
        const status = (err as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode;
        const refused = FINAL_REFUSALS.has(name);
        if (!(err instanceof Error)) throw err;
        err.message = `SES ${refused ? 'refused the message' : 'did not send the message'}: ${name || 'Error'}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${err.message}`;
        throw Object.assign(err, { recipientRefused: refused });
      });
    const to = (info.envelope as { to?: unknown } | undefined)?.to;
    const accepted = Array.isArray(to) ? to.map(String) : [message.to.address];
    return { messageId: message.messageId, accepted, response: `SES MessageId ${String(info.response ?? '')}` };
  }

  async close(): Promise<void> {
    const made = await this.#connecting;
    made?.transport.close();
    made?.client.destroy();
  }
}
