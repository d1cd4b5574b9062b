import { describe, expect, it } from 'vitest';
import { contrastRatio, NO_VESSEL_COLOUR, VESSEL_PALETTE, vesselColour } from '../../src/domain/vessel-colours';

describe('vessel colours', () => {
  it.each([...VESSEL_PALETTE, NO_VESSEL_COLOUR])('%s carries white text at 4.5:1 or more', (colour) => {
    expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('measures contrast as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('gives each position its own colour until the palette wraps, and the same colour every time', () => {
    const first = VESSEL_PALETTE.map((_, i) => vesselColour(i));
    expect(new Set(first).size).toBe(VESSEL_PALETTE.length);
    expect(vesselColour(VESSEL_PALETTE.length)).toBe(vesselColour(0));
    expect(vesselColour(3)).toBe(vesselColour(3));
    expect(vesselColour(-1)).toBe(NO_VESSEL_COLOUR);
  });
});
