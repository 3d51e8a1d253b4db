/**
 * JSON.parse with the failing offset recovered from V8's message ("... at position 12" or
 * "... (line 1 column 13)"), so parse errors can point into the model's output.
 */
export type JsonParse = { ok: true; value: unknown } | { ok: false; offset: number; message: string };

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let offset = position ? Number(position[1]) : text.length;
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    if (!position && lineColumn) {
      const lines = text.split('\n');
      offset = lines.slice(0, Number(lineColumn[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(lineColumn[2]) - 1;
    }
    return { ok: false, offset, message };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tool arguments may arrive as an object or as JSON text of one (OpenAI sends text). */
export function argumentsObject(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return {};
  if (isPlainObject(value)) return value;
  if (typeof value === 'string') {
    const parsed = parseJson(value);
    if (parsed.ok && isPlainObject(parsed.value)) return parsed.value;
  }
  return undefined;
}
