/** Where a command writes: results to `out` (stdout), progress and diagnostics to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** The stream progress bars draw on (stderr), and whether it is a terminal. */
  progressStream: NodeJS.WritableStream & { isTTY?: boolean };
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progressStream: process.stderr,
  };
}
