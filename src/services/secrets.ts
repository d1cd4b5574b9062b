/**
 * The one place secrets are made and checked: API keys, magic links and session ids are random,
 * only their SHA-256 digests are stored, and a presented secret is matched by comparing digests in
 * constant time. Form tokens are HMACs of a session's digest, compared the same way.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A link token or session id: 32 random bytes, base64url (43 characters). */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits as base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 digest a secret is stored as. */
export function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Whether a stored hex digest is the digest `actual`, in constant time. */
export function sameDigest(storedHex: string, actual: Buffer): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === actual.length && timingSafeEqual(stored, actual);
}

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An HMAC-SHA-256 of `message` under `secret`, base64url: form tokens, feed URLs. */
export function signature(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('base64url');
}
