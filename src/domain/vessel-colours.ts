/**
 * A colour per vessel for the ops calendar, chosen by the vessel's position in the tenant's fleet (by
 * slug), so a vessel keeps its colour on every page and reload. Every colour carries white text at a
 * contrast of at least 4.5:1 (WCAG AA); a test holds the palette to it. Pure.
 */

export const VESSEL_PALETTE = [
  '#1d4ed8',
  '#b91c1c',
  '#047857',
  '#7e22ce',
  '#c2410c',
  '#0e7490',
  '#be185d',
  '#4d7c0f',
  '#4338ca',
  '#92400e',
] as const;

/** For what belongs to no vessel (a calendar entry about the whole operation). */
export const NO_VESSEL_COLOUR = '#4b5563';

/** The colour of the vessel at `position` (0-based) among the tenant's vessels ordered by slug. */
export function vesselColour(position: number): string {
  if (!Number.isInteger(position) || position < 0) return NO_VESSEL_COLOUR;
  return VESSEL_PALETTE[position % VESSEL_PALETTE.length] ?? NO_VESSEL_COLOUR;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
