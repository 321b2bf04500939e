/** Text helpers for the diagram: escaping for HTML/SVG and width-bounded labels. */

/** Escapes text for an HTML or SVG text node or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Average advance of one character of the diagram's 11 px sans-serif font, for fitting labels. */
export const CHARACTER_WIDTH = 6.4;

/** `text` cut to `maxCharacters`, ending in '…' when it was longer (the full text goes in a tooltip). */
export function fitText(text: string, maxCharacters: number): string {
  return text.length <= maxCharacters ? text : `${text.slice(0, Math.max(1, maxCharacters - 1))}…`;
}

/** A coordinate with at most one decimal, so the output does not depend on floating-point noise. */
export function coordinate(value: number): string {
  return `${Math.round(value * 10) / 10}`;
}
