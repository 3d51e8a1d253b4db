const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML and SVG elements and attribute values: model output is arbitrary text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A metric value as people read it: up to 4 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
