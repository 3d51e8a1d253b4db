import { randomBytes } from 'node:crypto';

const TIME_DIGITS = 9; // base-36 milliseconds: 9 digits last until the year 5188
const RANDOM_DIGITS = 16;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * `file-` + creation time + randomness. Ids sort by creation time, so listing and `after` cursors
 * work from key listings alone, without opening every file's metadata.
 */
export function newFileId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(TIME_DIGITS, '0');
  const random = [...randomBytes(RANDOM_DIGITS)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `file-${time}${random}`;
}
