import { processIo } from './io';
import { runCli } from './program';

/** `tuneforge ...` (also `npm run -s tuneforge -- ...`): exits with the code runCli returns. */
runCli(process.argv.slice(2), { io: processIo(), env: process.env }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tuneforge: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(4);
  },
);
