/** Where a command reads and writes: results to `out` (stdout), progress and diagnostics to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** stdout without a line end: text that arrives in pieces (a streamed chat reply). */
  write(text: string): void;
  /** The stream progress bars draw on (stderr), and whether it is a terminal. */
  progressStream: NodeJS.WritableStream & { isTTY?: boolean };
  /** What `chat` reads the user's lines from (stdin), and whether it is a terminal. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
    progressStream: process.stderr,
    input: process.stdin,
  };
}
