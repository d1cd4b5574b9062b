/**
 * WebClient port: one HTTP request to a public address, as a guest's browser or an integration would
 * send it (`bosun doctor --live`). Redirects are not followed and bodies are not decoded, so what the
 * edge answered is what the caller sees.
 */

export type WebRequest = {
  /** An absolute http:// or https:// URL; its host is the `Host` (and the TLS server name). */
  url: string;
  method?: 'GET' | 'HEAD';
  headers?: Readonly<Record<string, string>>;
  /** Connect here instead of resolving the URL's host (curl's `--connect-to`): a local edge, a staging address. */
  connectTo?: { host: string; port: number } | undefined;
};

/** Header names in lower case; a repeated header's values joined with `, `. */
export type WebAnswer = { status: number; headers: Readonly<Record<string, string>>; body: Uint8Array };

/** Rejects when no answer arrives (no connection, a TLS failure, a timeout), with the reason in the message. */
export type WebClient = (request: WebRequest) => Promise<WebAnswer>;
