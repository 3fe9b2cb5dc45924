// WCAG 2.x relative luminance and contrast ratio (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).

/** "#rgb" | "#rrggbb" -> [r, g, b] in 0..255. Alpha is not accepted: contrast needs opaque colours. */
export function parseHex(hex) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not an opaque hex colour: ${hex}`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

export function relativeLuminance(hex) {
  const [r, g, b] = parseHex(hex).map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a, b) {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Minimum ratio per pair kind: normal text 4.5:1 (SC 1.4.3); large text and UI parts 3:1 (SC 1.4.3, 1.4.11). */
export const THRESHOLDS = Object.freeze({ text: 4.5, "large-text": 3, ui: 3 });

export function meetsThreshold(fg, bg, kind) {
  if (!(kind in THRESHOLDS)) throw new Error(`unknown pair kind: ${kind}`);
  return contrastRatio(fg, bg) >= THRESHOLDS[kind];
}
