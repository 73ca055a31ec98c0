// Palette colours are "#RRGGBB" strings in the configuration and on the wire (HELLO's JSON);
// renderers want them as bytes.

const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;

/** The colour in canonical upper-case "#RRGGBB" form, or null if it is not one. */
export function normalizeHexColour(value: unknown): string | null {
  return typeof value === 'string' && HEX_COLOUR.test(value) ? value.toUpperCase() : null;
}

/** Three bytes (r, g, b) per colour, in palette order. Expects normalized colours. */
export function paletteToRgb(palette: readonly string[]): Uint8Array {
  const rgb = new Uint8Array(palette.length * 3);
  palette.forEach((colour, i) => {
    const value = parseInt(colour.slice(1), 16);
    rgb[i * 3] = value >>> 16;
    rgb[i * 3 + 1] = (value >>> 8) & 0xff;
    rgb[i * 3 + 2] = value & 0xff;
  });
  return rgb;
}
