// The reference implementations are Python, and several of their results hinge on what Python calls
// whitespace (str.split(), str.rstrip()) and on indexing by code point rather than by UTF-16 unit. JavaScript's
// \s differs (it includes U+FEFF and excludes U+001C..U+001F and U+0085), so these helpers spell Python's rules out.

/** Exactly the characters for which Python's str.isspace() is true. */
const PYTHON_WHITESPACE =
  '\\t\\n\\u000b\\f\\r\\u001c\\u001d\\u001e\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE}]+`, 'u');
const TRAILING_WHITESPACE = new RegExp(`[${PYTHON_WHITESPACE}]+$`, 'u');

/** Python's `text.split()`: split on runs of whitespace, no empty strings. */
export function splitWhitespace(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((part) => part.length > 0);
}

/** Python's `text.rstrip()`. */
export function stripTrailingWhitespace(text: string): string {
  return text.replace(TRAILING_WHITESPACE, '');
}

/** Python's `list(text)`: one entry per Unicode code point. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}
