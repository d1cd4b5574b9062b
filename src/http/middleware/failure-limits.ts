/**
 * The limits of the HTTP surfaces, counted through the FailureLimits port (ADR 0015, 0024). What an
 * address over a limit is refused is each caller's choice: the API and the sign-in links refuse only
 * credentials that fail, so one client's typos lock no one else out.
 */
import type { FailureLimit } from '../../ports/failure-limits';

const MINUTE = 60_000;

/** Failed API keys per client address: over the limit, keys that fail get 429; a valid one is accepted. */
export const API_KEY_FAILURES: FailureLimit = { name: 'api-key', limit: 20, windowMs: 5 * MINUTE };

export type SignInLimits = {
  /** Failed sign-ins per client address: over the limit, links that fail get 429; a valid one still signs in. */
  signIn: FailureLimit;
  /** "Send me a new link" requests per client address and e-mail address (one person's asks). */
  linkRequest: FailureLimit;
  /** "Send me a new link" requests per client address, whoever asks (a marina's Wi-Fi is many people). */
  linkRequestOfAddress: FailureLimit;
};

/** The limits of one audience's sign-in (crew, staff): each audience counts apart. */
export function signInLimits(audience: 'crew' | 'staff'): SignInLimits {
  return {
    signIn: { name: `${audience}-sign-in`, limit: 10, windowMs: 15 * MINUTE },
    linkRequest: { name: `${audience}-link-request`, limit: 5, windowMs: 15 * MINUTE },
    linkRequestOfAddress: { name: `${audience}-link-request-address`, limit: 30, windowMs: 15 * MINUTE },
  };
}
