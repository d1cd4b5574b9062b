/**
 * A local HTTP server on 127.0.0.1 that speaks the part of Amazon SES API v2 (REST-JSON) that Bosun uses:
 * SendEmail, `POST /v2/email/outbound-emails` with `{FromEmailAddress, Destination: {ToAddresses},
 * Content: {Raw: {Data: base64}}, ConfigurationSetName?}`, answering `{MessageId}`. It keeps every raw
 * message it accepts and can be told to refuse with an SES error: the `x-amzn-ErrorType` header and a
 * JSON body `{message}` with the error's HTTP status, as SES answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ParsedMail, simpleParser } from 'mailparser';
import { LocalHttpServer, readBody } from './local-http-server';

export type SesSendRequest = {
  /** The request's JSON body as SES would read it. */
  body: { FromEmailAddress?: string; Destination?: { ToAddresses?: string[] }; ConfigurationSetName?: string; Content?: unknown };
  authorization: string;
  /** The raw RFC 5322 message, decoded from `Content.Raw.Data`. */
  raw: Buffer;
  messageId: string;
};

/** An SES error: its type (`MessageRejected`, `TooManyRequestsException`, …), HTTP status and message. */
export type SesError = { type: string; status: number; message: string };

export class FakeSesV2 {
  readonly sent: SesSendRequest[] = [];
  /** Requests refused so far (by `failWith`, or malformed). */
  refused = 0;
  /** While set, every SendEmail is answered with this error. */
  failWith: SesError | null = null;
  readonly #http = new LocalHttpServer((req, res) => this.#handle(req, res));
  endpoint = '';

  async start(): Promise<this> {
    this.endpoint = await this.#http.start();
    return this;
  }

  stop(): Promise<void> {
    return this.#http.stop();
  }

  /** Every accepted message, parsed as a mail client would. */
  delivered(): Promise<ParsedMail[]> {
    return Promise.all(this.sent.map((s) => simpleParser(s.raw)));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const received = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails')
      return this.#error(res, { type: 'NotFoundException', status: 404, message: `No route for ${req.method} ${req.url}` });
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
      return this.#error(res, { type: 'MissingAuthenticationTokenException', status: 403, message: 'Missing Authentication Token' });
    let body: SesSendRequest['body'];
    try {
      body = JSON.parse(received.toString('utf8'));
    } catch {
      return this.#error(res, { type: 'BadRequestException', status: 400, message: 'Malformed JSON' });
    }
    const data = (body.Content as { Raw?: { Data?: unknown } } | undefined)?.Raw?.Data;
    if (typeof data !== 'string' || data === '')
      return this.#error(res, { type: 'BadRequestException', status: 400, message: 'Content.Raw.Data is required' });
    if (this.failWith) return this.#error(res, this.failWith);
    // SES's own ids: hex, a dash-separated tail, e.g. 010001912f1a2b3c-1d2e3f40-…-000000.
    const messageId = `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`;
    this.sent.push({ body, authorization: String(req.headers.authorization ?? ''), raw: Buffer.from(data, 'base64'), messageId });
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ MessageId: messageId }));
  }

  #error(res: ServerResponse, error: SesError) {
    this.refused++;
    res.writeHead(error.status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
    });
    res.end(JSON.stringify({ message: error.message }));
  }
}
