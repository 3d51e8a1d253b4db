/**
 * Archives and compressed files are refused rather than expanded: expanding untrusted archives needs
 * caps on entries, total size and ratio, and a fine-tuning dataset gains nothing from them that a
 * plain upload does not give. Recognizing them by their magic bytes turns what would otherwise be a
 * page of "invalid CSV" errors over binary garbage into one clear error.
 */
const SIGNATURES: Array<{ name: string; offset: number; bytes: number[] }> = [
  { name: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { name: 'gzip', offset: 0, bytes: [0x1f, 0x8b] },
  { name: 'xz', offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd', offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: '7z', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'rar', offset: 0, bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'tar', offset: 257, bytes: [0x75, 0x73, 0x74, 0x61, 0x72] },
];

/** Bytes a caller must have (when the file is that long) for `archiveKind` to see every signature. */
export const ARCHIVE_SIGNATURE_BYTES = 262;

function matches(head: Buffer, offset: number, bytes: number[]): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => head[offset + i] === b);
}

/** The archive or compression format the file starts like, or undefined for anything else. */
export function archiveKind(head: Buffer): string | undefined {
  for (const signature of SIGNATURES) if (matches(head, signature.offset, signature.bytes)) return signature.name;
  // "BZh", a block-size digit, then the block magic: a text file that merely starts with "BZh" is not bzip2.
  const bzip2 = matches(head, 0, [0x42, 0x5a, 0x68]) && head[3] >= 0x31 && head[3] <= 0x39 && matches(head, 4, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);
  return bzip2 ? 'bzip2' : undefined;
}
