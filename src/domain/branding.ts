/**
 * What a guest page can show of a tenant's branding: the page is static, fast on a phone and asks no
 * other host, so a logo is inline (a small `data:` image) or a file of the guest site itself, and a
 * phone is what a phone link can dial. Settings and the page check with the same rules. No I/O.
 */

/** Characters a logo's `data:` address may take (about 9 KB of image). */
export const MAX_LOGO_CHARS = 12_000;

/** The image types a logo may be inline, by file ending. */
export const LOGO_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export function isGuestLogoUrl(value: string): boolean {
  if (value.length > MAX_LOGO_CHARS) return false;
  return /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*$/.test(value) || /^\/[A-Za-z0-9._~/-]*$/.test(value);
}

export function isGuestPhone(value: string): boolean {
  return /^[+0-9 ()./-]{3,40}$/.test(value);
}
